using System.Buffers;

namespace Sigill.Crypto;

/// <summary>
/// Random access into a seekable ciphertext: reads only the chunks covering the requested plaintext range, plus
/// the final chunk, which is always authenticated so that the plaintext length it reports cannot be forged by
/// truncating the stream at a chunk boundary.
/// </summary>
internal static class RangeReader
{
    public static (long Chunks, long PlaintextLength) Layout(long ciphertextLength, int chunkSize)
    {
        long sealedChunk = chunkSize + ObjectHeader.TagLength;
        var body = ciphertextLength - ObjectHeader.Length;
        if (body < ObjectHeader.TagLength)
        {
            throw new CryptoIntegrityException(CryptoFailureReason.Truncated, "The encrypted object has no final chunk.");
        }

        var chunks = (body + sealedChunk - 1) / sealedChunk;
        var last = body - ((chunks - 1) * sealedChunk);
        if (last < ObjectHeader.TagLength)
        {
            throw new CryptoIntegrityException(CryptoFailureReason.Truncated, "The encrypted object ends inside a chunk tag.");
        }

        if (chunks > ChunkCipher.MaxChunks)
        {
            throw new CryptoIntegrityException(CryptoFailureReason.Tampered, "The encrypted object has more chunks than the format allows.");
        }

        return (chunks, ((chunks - 1) * chunkSize) + last - ObjectHeader.TagLength);
    }

    public static async Task<long> VerifyFinalChunkAsync(ChunkCipher cipher, Stream source, int chunkSize, CancellationToken ct)
    {
        var (chunks, plaintextLength) = Layout(source.Length, chunkSize);
        var buffer = ArrayPool<byte>.Shared.Rent(chunkSize + ObjectHeader.TagLength);
        var plain = ArrayPool<byte>.Shared.Rent(chunkSize);
        try
        {
            var (offset, length) = SealedExtent(chunks - 1, chunks, source.Length, chunkSize);
            source.Seek(offset, SeekOrigin.Begin);
            await source.ReadExactlyAsync(buffer.AsMemory(0, length), ct);
            if (!cipher.TryOpen(chunks - 1, final: true, buffer.AsSpan(0, length), plain))
            {
                if (length == chunkSize + ObjectHeader.TagLength && cipher.TryOpen(chunks - 1, final: false, buffer.AsSpan(0, length), plain))
                {
                    throw new CryptoIntegrityException(CryptoFailureReason.Truncated, "The encrypted object ends at a chunk boundary without its final chunk.");
                }

                throw new CryptoIntegrityException(CryptoFailureReason.Tampered, $"Chunk {chunks - 1} failed authentication.");
            }

            return plaintextLength;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            ArrayPool<byte>.Shared.Return(plain, clearArray: true);
        }
    }

    public static async Task<byte[]> ReadAsync(ChunkCipher cipher, Stream source, int chunkSize, long offset, int count, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var plaintextLength = await VerifyFinalChunkAsync(cipher, source, chunkSize, ct);
        var (chunks, _) = Layout(source.Length, chunkSize);
        if (offset >= plaintextLength || count == 0)
        {
            return [];
        }

        var end = Math.Min(plaintextLength, offset + count);
        var result = new byte[end - offset];
        var buffer = ArrayPool<byte>.Shared.Rent(chunkSize + ObjectHeader.TagLength);
        var plain = ArrayPool<byte>.Shared.Rent(chunkSize);
        try
        {
            for (var index = offset / chunkSize; index <= (end - 1) / chunkSize; index++)
            {
                var (at, length) = SealedExtent(index, chunks, source.Length, chunkSize);
                source.Seek(at, SeekOrigin.Begin);
                await source.ReadExactlyAsync(buffer.AsMemory(0, length), ct);
                if (!cipher.TryOpen(index, final: index == chunks - 1, buffer.AsSpan(0, length), plain))
                {
                    throw new CryptoIntegrityException(CryptoFailureReason.Tampered, $"Chunk {index} failed authentication.");
                }

                var chunkStart = index * chunkSize;
                var from = Math.Max(offset, chunkStart);
                var to = Math.Min(end, chunkStart + length - ObjectHeader.TagLength);
                plain.AsSpan((int)(from - chunkStart), (int)(to - from)).CopyTo(result.AsSpan((int)(from - offset)));
            }

            return result;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            ArrayPool<byte>.Shared.Return(plain, clearArray: true);
        }
    }

    private static (long Offset, int Length) SealedExtent(long index, long chunks, long ciphertextLength, int chunkSize)
    {
        long sealedChunk = chunkSize + ObjectHeader.TagLength;
        var offset = ObjectHeader.Length + (index * sealedChunk);
        var length = index == chunks - 1 ? ciphertextLength - offset : sealedChunk;
        return (offset, (int)length);
    }
}
