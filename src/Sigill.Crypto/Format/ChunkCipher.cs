using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Sigill.Crypto;

/// <summary>
/// Seals and opens the chunks of one object. Nonce (12 bytes) = nonce prefix (7) || uint32 big-endian chunk
/// index (4) || final flag (1: 0x01 on the last chunk, 0x00 otherwise); AAD = the header digest D.
/// The index stops reordering and dropping chunks; the flag stops truncation at a chunk boundary and extension;
/// D stops moving a chunk to another object or context. Hot path: no allocation per chunk.
/// </summary>
internal sealed class ChunkCipher : IDisposable
{
    public const long MaxChunks = uint.MaxValue;

    private readonly AesGcm _gcm;
    private readonly byte[] _nonce = new byte[12];
    private readonly byte[] _aad;

    public ChunkCipher(ReadOnlySpan<byte> chunkKey, ReadOnlySpan<byte> noncePrefix, byte[] headerDigest)
    {
        _gcm = new AesGcm(chunkKey, ObjectHeader.TagLength);
        noncePrefix.CopyTo(_nonce);
        _aad = headerDigest;
    }

    /// <summary>Writes ciphertext || tag (plaintext.Length + 16 bytes) into output.</summary>
    public void Seal(long index, bool final, ReadOnlySpan<byte> plaintext, Span<byte> output)
    {
        SetNonce(index, final);
        _gcm.Encrypt(_nonce, plaintext, output[..plaintext.Length], output.Slice(plaintext.Length, ObjectHeader.TagLength), _aad);
    }

    /// <summary>Opens ciphertext || tag into plaintext; false when the tag does not verify (plaintext is then zeroed).</summary>
    public bool TryOpen(long index, bool final, ReadOnlySpan<byte> sealedChunk, Span<byte> plaintext)
    {
        var length = sealedChunk.Length - ObjectHeader.TagLength;
        SetNonce(index, final);
        try
        {
            _gcm.Decrypt(_nonce, sealedChunk[..length], sealedChunk[length..], plaintext[..length], _aad);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(plaintext[..length]);
            return false;
        }
    }

    private void SetNonce(long index, bool final)
    {
        if ((ulong)index > MaxChunks - 1)
        {
            throw new CryptoIntegrityException(CryptoFailureReason.UsageLimitExceeded, "Object exceeds the maximum number of chunks for one data key.");
        }

        BinaryPrimitives.WriteUInt32BigEndian(_nonce.AsSpan(7), (uint)index);
        _nonce[11] = final ? (byte)1 : (byte)0;
    }

    public void Dispose() => _gcm.Dispose();
}
