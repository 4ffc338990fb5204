using System.Buffers;

namespace Sigill.Crypto;

/// <summary>
/// Reads sealed chunks sequentially and yields each chunk's plaintext only after its tag verified.
/// Reads one byte past each full chunk to learn whether it must be the final one.
/// Streaming caveat (as for any streaming AEAD): earlier chunks are released before later ones are checked, so a
/// consumer must treat what it received as void when reading ends with <see cref="CryptoIntegrityException"/>.
/// When the source is a <see cref="MemoryStream"/> with a visible buffer, chunks are opened straight from that buffer
/// (no copy), which lets the CPU prefetch ciphertext while it decrypts.
/// </summary>
internal sealed class ObjectOpener : IDisposable
{
    private readonly ChunkCipher _cipher;
    private readonly Stream _source;
    private readonly int _chunkSize;
    private readonly byte[] _input;
    private readonly byte[] _plain;
    private readonly ReadOnlyMemory<byte>? _memory;
    private int _carried;
    private long _index;

    public ObjectOpener(ChunkCipher cipher, Stream source, int chunkSize)
    {
        _cipher = cipher;
        _source = source;
        _chunkSize = chunkSize;
        _input = ArrayPool<byte>.Shared.Rent(chunkSize + ObjectHeader.TagLength + 1);
        _plain = ArrayPool<byte>.Shared.Rent(chunkSize);
        if (source is MemoryStream memory && memory.TryGetBuffer(out var buffer))
        {
            _memory = buffer.AsMemory(0, (int)memory.Length);
        }
        else if (source is ReadOnlyMemoryStream readOnly)
        {
            _memory = readOnly.Memory;
        }
    }

    public bool IsComplete { get; private set; }

    public long PlaintextLength { get; private set; }

    /// <summary>Plaintext of the next chunk (valid until the next call). Sets <see cref="IsComplete"/> after the final chunk.</summary>
    public async ValueTask<ReadOnlyMemory<byte>> NextChunkAsync(CancellationToken ct)
    {
        if (IsComplete)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        var sealedLength = _chunkSize + ObjectHeader.TagLength;
        if (_memory is { } memory)
        {
            return NextChunkFromMemory(memory.Span, sealedLength);
        }

        var want = sealedLength + 1;
        var n = _carried + await _source.ReadAtLeastAsync(_input.AsMemory(_carried, want - _carried), want - _carried, throwOnEndOfStream: false, ct);
        if (n == want)
        {
            if (!_cipher.TryOpen(_index, final: false, _input.AsSpan(0, sealedLength), _plain))
            {
                throw new CryptoIntegrityException(CryptoFailureReason.Tampered, $"Chunk {_index} failed authentication.");
            }

            _input[0] = _input[sealedLength];
            _carried = 1;
            _index++;
            PlaintextLength += _chunkSize;
            return _plain.AsMemory(0, _chunkSize);
        }

        return Final(_input.AsSpan(0, n));
    }

    private ReadOnlyMemory<byte> NextChunkFromMemory(ReadOnlySpan<byte> memory, int sealedLength)
    {
        var position = (int)_source.Position;
        var remaining = memory.Length - position;
        var chunk = memory.Slice(position, Math.Min(remaining, sealedLength));
        if (remaining > sealedLength)
        {
            if (!_cipher.TryOpen(_index, final: false, chunk, _plain))
            {
                throw new CryptoIntegrityException(CryptoFailureReason.Tampered, $"Chunk {_index} failed authentication.");
            }

            _source.Position = position + sealedLength;
            _index++;
            PlaintextLength += _chunkSize;
            return _plain.AsMemory(0, _chunkSize);
        }

        _source.Position = memory.Length;
        return Final(chunk);
    }

    private ReadOnlyMemory<byte> Final(ReadOnlySpan<byte> chunk)
    {
        OpenFinal(chunk);
        IsComplete = true;
        var length = chunk.Length - ObjectHeader.TagLength;
        PlaintextLength += length;
        return _plain.AsMemory(0, length);
    }

    private void OpenFinal(ReadOnlySpan<byte> chunk)
    {
        var n = chunk.Length;
        if (n < ObjectHeader.TagLength)
        {
            throw new CryptoIntegrityException(CryptoFailureReason.Truncated, $"The encrypted object ends inside or before chunk {_index}.");
        }

        if (_cipher.TryOpen(_index, final: true, chunk, _plain))
        {
            return;
        }

        // A full chunk that verifies as non-final means the stream was cut at a chunk boundary.
        if (n == _chunkSize + ObjectHeader.TagLength && _cipher.TryOpen(_index, final: false, chunk, _plain))
        {
            Array.Clear(_plain);
            throw new CryptoIntegrityException(CryptoFailureReason.Truncated, $"The encrypted object ends after chunk {_index} without its final chunk.");
        }

        throw new CryptoIntegrityException(CryptoFailureReason.Tampered, $"Chunk {_index} failed authentication.");
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_input, clearArray: false);
        ArrayPool<byte>.Shared.Return(_plain, clearArray: true);
    }
}
