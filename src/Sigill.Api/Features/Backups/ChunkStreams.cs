using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Sigill.Api.Features.Backups;

/// <summary>
/// The encrypted body of an archive: the plaintext (the entry stream) cut into chunks of at most
/// <c>2^exponent</c> bytes, each sealed with AES-256-GCM under the archive's data key:
/// <code>
/// chunk = length[4, big-endian; top bit = final chunk] || ciphertext[length] || tag[16]
/// nonce = 0x00000000 || chunk index[8, big-endian]        (the data key is fresh per archive)
/// aad   = SHA-256(header) || chunk index[8, big-endian] || final[1]
/// </code>
/// Reordering, dropping, or splicing chunks from another archive fails authentication; cutting the file at a chunk
/// boundary is caught because the last chunk read is not marked final; bytes after the final chunk are refused.
/// </summary>
internal sealed class ChunkEncryptionStream : Stream
{
    private const uint FinalFlag = 0x8000_0000;
    private readonly Stream _inner;
    private readonly AesGcm _aes;
    private readonly byte[] _headerDigest;
    private readonly byte[] _buffer;
    private readonly byte[] _output;
    private int _filled;
    private long _index;
    private bool _finished;

    public ChunkEncryptionStream(Stream inner, byte[] dataKey, byte[] headerDigest, int chunkSize)
    {
        _inner = inner;
        _aes = new AesGcm(dataKey, 16);
        _headerDigest = headerDigest;
        _buffer = new byte[chunkSize];
        _output = new byte[4 + chunkSize + 16];
    }

    public long PlaintextLength { get; private set; }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => PlaintextLength; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        while (buffer.Length > 0)
        {
            if (_filled == _buffer.Length)
            {
                // More data follows, so this full chunk is not the last one.
                await EmitAsync(final: false, cancellationToken);
            }
            var take = Math.Min(buffer.Length, _buffer.Length - _filled);
            buffer.Span[..take].CopyTo(_buffer.AsSpan(_filled));
            _filled += take;
            PlaintextLength += take;
            buffer = buffer[take..];
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Seals the remaining bytes as the final chunk. Without this the archive reads as truncated.</summary>
    public async Task FinishAsync(CancellationToken ct)
    {
        await EmitAsync(final: true, ct);
        _finished = true;
        await _inner.FlushAsync(ct);
    }

    private async Task EmitAsync(bool final, CancellationToken ct)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_output, (uint)_filled | (final ? FinalFlag : 0));
        Span<byte> nonce = stackalloc byte[12];
        nonce.Clear();
        BinaryPrimitives.WriteInt64BigEndian(nonce[4..], _index);
        _aes.Encrypt(nonce, _buffer.AsSpan(0, _filled), _output.AsSpan(4, _filled), _output.AsSpan(4 + _filled, 16), Aad(_headerDigest, _index, final));
        await _inner.WriteAsync(_output.AsMemory(0, 4 + _filled + 16), ct);
        _index++;
        _filled = 0;
    }

    internal static byte[] Aad(byte[] headerDigest, long index, bool final)
    {
        var aad = new byte[headerDigest.Length + 9];
        headerDigest.CopyTo(aad, 0);
        BinaryPrimitives.WriteInt64BigEndian(aad.AsSpan(headerDigest.Length), index);
        aad[^1] = final ? (byte)1 : (byte)0;
        return aad;
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _aes.Dispose();
            CryptographicOperations.ZeroMemory(_buffer);
        }
        base.Dispose(disposing);
    }
}

/// <summary>Reads what <see cref="ChunkEncryptionStream"/> wrote; every failure is a <see cref="BackupException"/> naming the chunk.</summary>
internal sealed class ChunkDecryptionStream : Stream
{
    private const uint FinalFlag = 0x8000_0000;
    private readonly Stream _inner;
    private readonly AesGcm _aes;
    private readonly byte[] _headerDigest;
    private readonly byte[] _plain;
    private readonly byte[] _cipher;
    private int _available;
    private int _offset;
    private long _index;
    private bool _sawFinal;

    public ChunkDecryptionStream(Stream inner, byte[] dataKey, byte[] headerDigest, int chunkSize)
    {
        _inner = inner;
        _aes = new AesGcm(dataKey, 16);
        _headerDigest = headerDigest;
        _plain = new byte[chunkSize];
        _cipher = new byte[chunkSize + 16];
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_offset == _available)
        {
            if (_sawFinal)
            {
                return 0;
            }
            await NextChunkAsync(cancellationToken);
        }
        var take = Math.Min(buffer.Length, _available - _offset);
        _plain.AsSpan(_offset, take).CopyTo(buffer.Span);
        _offset += take;
        return take;
    }

    private async Task NextChunkAsync(CancellationToken ct)
    {
        var lengthBytes = new byte[4];
        var got = await _inner.ReadAtLeastAsync(lengthBytes, 4, throwOnEndOfStream: false, ct);
        if (got < 4)
        {
            throw new BackupException($"the archive is truncated (it ends after chunk {_index - 1} without the final chunk)");
        }
        var word = BinaryPrimitives.ReadUInt32BigEndian(lengthBytes);
        var final = (word & FinalFlag) != 0;
        var length = (int)(word & ~FinalFlag);
        if (length > _plain.Length)
        {
            throw new BackupException($"the archive is corrupt (chunk {_index} has an impossible length)");
        }
        if (await _inner.ReadAtLeastAsync(_cipher.AsMemory(0, length + 16), length + 16, throwOnEndOfStream: false, ct) < length + 16)
        {
            throw new BackupException($"the archive is truncated (it ends inside chunk {_index})");
        }
        var nonce = new byte[12];
        BinaryPrimitives.WriteInt64BigEndian(nonce.AsSpan(4), _index);
        try
        {
            _aes.Decrypt(nonce, _cipher.AsSpan(0, length), _cipher.AsSpan(length, 16), _plain.AsSpan(0, length), ChunkEncryptionStream.Aad(_headerDigest, _index, final));
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new BackupException($"the archive is corrupt (chunk {_index} fails authentication: modified bytes)", e);
        }
        if (final && await _inner.ReadAsync(new byte[1], ct) != 0)
        {
            throw new BackupException("the archive is corrupt (bytes follow the final chunk)");
        }
        _sawFinal = final;
        _available = length;
        _offset = 0;
        _index++;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _aes.Dispose();
            CryptographicOperations.ZeroMemory(_plain);
        }
        base.Dispose(disposing);
    }
}
