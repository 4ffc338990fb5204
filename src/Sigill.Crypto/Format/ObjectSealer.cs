using System.Buffers;

namespace Sigill.Crypto;

/// <summary>
/// Streams plaintext into sealed chunks with constant memory (two plaintext buffers and one output buffer, pooled).
/// A full chunk is held back until at least one more byte arrives, because only then is it known not to be the final
/// chunk. An empty object is one final, empty chunk (a bare tag). Hot path kept in one place on purpose.
/// </summary>
internal sealed class ObjectSealer : IDisposable
{
    private readonly ChunkCipher _cipher;
    private readonly Stream _destination;
    private readonly int _chunkSize;
    private byte[] _current;
    private byte[] _held;
    private readonly byte[] _output;
    private int _filled;
    private bool _holding;
    private long _index;
    private bool _completed;

    public ObjectSealer(ChunkCipher cipher, Stream destination, int chunkSize)
    {
        _cipher = cipher;
        _destination = destination;
        _chunkSize = chunkSize;
        _current = ArrayPool<byte>.Shared.Rent(chunkSize);
        _held = ArrayPool<byte>.Shared.Rent(chunkSize);
        _output = ArrayPool<byte>.Shared.Rent(chunkSize + ObjectHeader.TagLength);
    }

    public long PlaintextLength { get; private set; }

    public async ValueTask CopyFromAsync(Stream source, CancellationToken ct)
    {
        while (true)
        {
            var memory = GetMemory();
            var n = await source.ReadAsync(memory, ct);
            if (n == 0)
            {
                return;
            }

            await AdvanceAsync(n, ct);
        }
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        while (!data.IsEmpty)
        {
            var memory = GetMemory();
            var n = Math.Min(memory.Length, data.Length);
            data.Span[..n].CopyTo(memory.Span);
            data = data[n..];
            await AdvanceAsync(n, ct);
        }
    }

    public async ValueTask CompleteAsync(CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (_holding && _filled == 0)
        {
            await SealAsync(_held, _chunkSize, final: true, ct);
        }
        else
        {
            await SealAsync(_current, _filled, final: true, ct);
        }

        _completed = true;
    }

    private Memory<byte> GetMemory()
    {
        if (_filled == _chunkSize)
        {
            (_current, _held) = (_held, _current);
            _holding = true;
            _filled = 0;
        }

        return _current.AsMemory(_filled, _chunkSize - _filled);
    }

    private async ValueTask AdvanceAsync(int count, CancellationToken ct)
    {
        if (_holding)
        {
            await SealAsync(_held, _chunkSize, final: false, ct);
            _holding = false;
        }

        _filled += count;
        PlaintextLength += count;
    }

    private ValueTask SealAsync(byte[] plaintext, int length, bool final, CancellationToken ct)
    {
        _cipher.Seal(_index, final, plaintext.AsSpan(0, length), _output);
        _index++;
        return _destination.WriteAsync(_output.AsMemory(0, length + ObjectHeader.TagLength), ct);
    }

    public void Dispose()
    {
        // Pooled buffers held plaintext: clear them before returning.
        ArrayPool<byte>.Shared.Return(_current, clearArray: true);
        ArrayPool<byte>.Shared.Return(_held, clearArray: true);
        ArrayPool<byte>.Shared.Return(_output, clearArray: false);
    }
}
