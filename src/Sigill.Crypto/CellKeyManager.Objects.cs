using System.Security.Cryptography;

namespace Sigill.Crypto;

/// <summary>Objects (blobs): streaming encryption, decryption, range reads, rewrap and re-encryption.</summary>
public sealed partial class CellKeyManager
{
    /// <summary>Bytes of the fixed object header that precedes the chunks.</summary>
    public const int ObjectHeaderLength = ObjectHeader.Length;

    /// <summary>Ciphertext length of an object of <paramref name="plaintextLength"/> bytes at the configured chunk size.</summary>
    public long CiphertextLength(long plaintextLength)
    {
        long chunkSize = 1 << _options.ChunkSizeExponent;
        var chunks = Math.Max(1, (plaintextLength + chunkSize - 1) / chunkSize);
        return ObjectHeader.Length + plaintextLength + (chunks * ObjectHeader.TagLength);
    }

    /// <summary>Encrypts <paramref name="plaintext"/> (read to its end) into <paramref name="destination"/> under the organization's current key version.</summary>
    public async Task EncryptAsync(ObjectContext context, Stream plaintext, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        ArgumentNullException.ThrowIfNull(destination);
        ValidateContext(context);
        try
        {
            var (version, key) = await GetKeyForWriteAsync(context.OrganizationId, cancellationToken);
            using var cipher = ObjectEnvelope.Create(_environment, context, key, (uint)version, _options.ChunkSizeExponent, out var header);
            await destination.WriteAsync(header.Bytes, cancellationToken);
            using var sealer = new ObjectSealer(cipher, destination, header.ChunkSize);
            await sealer.CopyFromAsync(plaintext, cancellationToken);
            await sealer.CompleteAsync(cancellationToken);
        }
        catch (CryptoIntegrityException ex)
        {
            Report(ex, context.OrganizationId, context.ObjectId);
            throw;
        }
    }

    /// <summary>
    /// Decrypts <paramref name="source"/> into <paramref name="destination"/> and returns the plaintext length.
    /// Each chunk is authenticated before it is written; if this throws, discard what was written.
    /// </summary>
    public async Task<long> DecryptAsync(ObjectContext context, Stream source, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        ValidateContext(context);
        try
        {
            var header = await ReadHeaderAsync(source, cancellationToken);
            using var cipher = await OpenHeaderAsync(context, header, cancellationToken);
            using var opener = new ObjectOpener(cipher, source, header.ChunkSize);
            while (!opener.IsComplete)
            {
                var chunk = await opener.NextChunkAsync(cancellationToken);
                if (!chunk.IsEmpty)
                {
                    await destination.WriteAsync(chunk, cancellationToken);
                }
            }

            return opener.PlaintextLength;
        }
        catch (CryptoIntegrityException ex)
        {
            Report(ex, context.OrganizationId, context.ObjectId);
            throw;
        }
    }

    /// <summary>
    /// A read-only stream of the plaintext, for serving downloads without buffering. Reading throws
    /// <see cref="CryptoIntegrityException"/> at the first chunk that fails; the consumer must then abort the response.
    /// </summary>
    public async Task<Stream> OpenDecryptStreamAsync(ObjectContext context, Stream source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ValidateContext(context);
        try
        {
            var header = await ReadHeaderAsync(source, cancellationToken);
            var cipher = await OpenHeaderAsync(context, header, cancellationToken);
            return new DecryptingStream(new ObjectOpener(cipher, source, header.ChunkSize), cipher, ex => Report(ex, context.OrganizationId, context.ObjectId));
        }
        catch (CryptoIntegrityException ex)
        {
            Report(ex, context.OrganizationId, context.ObjectId);
            throw;
        }
    }

    /// <summary>
    /// Reads plaintext bytes [offset, offset + count) from a seekable ciphertext, reading only the chunks that cover
    /// them and the final chunk. Returns fewer bytes at the end of the object.
    /// </summary>
    public async Task<byte[]> ReadRangeAsync(ObjectContext context, Stream seekableSource, long offset, int count, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(seekableSource);
        ValidateContext(context);
        try
        {
            seekableSource.Seek(0, SeekOrigin.Begin);
            var header = await ReadHeaderAsync(seekableSource, cancellationToken);
            using var cipher = await OpenHeaderAsync(context, header, cancellationToken);
            return await RangeReader.ReadAsync(cipher, seekableSource, header.ChunkSize, offset, count, cancellationToken);
        }
        catch (CryptoIntegrityException ex)
        {
            Report(ex, context.OrganizationId, context.ObjectId);
            throw;
        }
    }

    /// <summary>Authenticated plaintext length of a seekable ciphertext (checks the header and the final chunk).</summary>
    public async Task<long> GetPlaintextLengthAsync(ObjectContext context, Stream seekableSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(seekableSource);
        ValidateContext(context);
        try
        {
            seekableSource.Seek(0, SeekOrigin.Begin);
            var header = await ReadHeaderAsync(seekableSource, cancellationToken);
            using var cipher = await OpenHeaderAsync(context, header, cancellationToken);
            return await RangeReader.VerifyFinalChunkAsync(cipher, seekableSource, header.ChunkSize, cancellationToken);
        }
        catch (CryptoIntegrityException ex)
        {
            Report(ex, context.OrganizationId, context.ObjectId);
            throw;
        }
    }

    public async Task<byte[]> EncryptBytesAsync(ObjectContext context, ReadOnlyMemory<byte> plaintext, CancellationToken cancellationToken = default)
    {
        using var destination = new MemoryStream((int)Math.Min(int.MaxValue, CiphertextLength(plaintext.Length)));
        using var source = new ReadOnlyMemoryStream(plaintext);
        await EncryptAsync(context, source, destination, cancellationToken);
        return destination.ToArray();
    }

    /// <summary>
    /// Decrypts an object held in memory. Same checks and failures as <see cref="DecryptAsync"/>, without streams or
    /// chunk buffers: chunks are opened straight into the result (the hot path of `audit verify`, one small object per
    /// event). The organization key comes from the cache after the first object of an organization.
    /// </summary>
    public async Task<byte[]> DecryptBytesAsync(ObjectContext context, ReadOnlyMemory<byte> ciphertext, CancellationToken cancellationToken = default)
    {
        ValidateContext(context);
        try
        {
            if (ciphertext.Length < ObjectHeader.Length)
            {
                throw ciphertext.Length >= 4 && ciphertext.Span[..4].SequenceEqual(ObjectHeader.Magic)
                    ? new CryptoIntegrityException(CryptoFailureReason.Truncated, "The encrypted object ends inside its header.")
                    : new CryptoIntegrityException(CryptoFailureReason.UnsupportedFormat, "Not a Sigill encrypted object.");
            }
            var header = ObjectHeader.Parse(ciphertext.Span[..ObjectHeader.Length]);
            using var cipher = await OpenHeaderAsync(context, header, cancellationToken);
            return OpenChunks(cipher, ciphertext.Span[ObjectHeader.Length..], header.ChunkSize);
        }
        catch (CryptoIntegrityException ex)
        {
            Report(ex, context.OrganizationId, context.ObjectId);
            throw;
        }
    }

    /// <summary>The chunks after the header, opened in order into one array (the rules of <see cref="ObjectOpener"/>).</summary>
    private static byte[] OpenChunks(ChunkCipher cipher, ReadOnlySpan<byte> chunks, int chunkSize)
    {
        int sealedLength = chunkSize + ObjectHeader.TagLength;
        // Every chunk but the last is full; the last holds at least its tag.
        long count = Math.Max(1, (chunks.Length + sealedLength - 1) / sealedLength);
        if (chunks.Length < ObjectHeader.TagLength || chunks.Length - ((count - 1) * sealedLength) < ObjectHeader.TagLength)
        {
            throw new CryptoIntegrityException(CryptoFailureReason.Truncated, $"The encrypted object ends inside or before chunk {count - 1}.");
        }
        var plain = GC.AllocateUninitializedArray<byte>((int)(chunks.Length - (count * ObjectHeader.TagLength)));
        long index = 0;
        int read = 0, written = 0;
        while (chunks.Length - read > sealedLength)
        {
            if (!cipher.TryOpen(index, final: false, chunks.Slice(read, sealedLength), plain.AsSpan(written)))
            {
                CryptographicOperations.ZeroMemory(plain);
                throw new CryptoIntegrityException(CryptoFailureReason.Tampered, $"Chunk {index} failed authentication.");
            }
            read += sealedLength;
            written += chunkSize;
            index++;
        }
        var last = chunks[read..];
        if (cipher.TryOpen(index, final: true, last, plain.AsSpan(written)))
        {
            return plain;
        }
        CryptographicOperations.ZeroMemory(plain);
        // A full chunk that verifies as non-final means the object was cut at a chunk boundary.
        if (last.Length == sealedLength)
        {
            var scratch = new byte[chunkSize];
            var truncated = cipher.TryOpen(index, final: false, last, scratch);
            CryptographicOperations.ZeroMemory(scratch);
            if (truncated)
            {
                throw new CryptoIntegrityException(CryptoFailureReason.Truncated, $"The encrypted object ends after chunk {index} without its final chunk.");
            }
        }
        throw new CryptoIntegrityException(CryptoFailureReason.Tampered, $"Chunk {index} failed authentication.");
    }

    /// <summary>The organization-key version an object's header names, read without any key (for re-encryption jobs).</summary>
    public static int ReadObjectKeyVersion(ReadOnlySpan<byte> header)
    {
        var version = ObjectHeader.ReadOrgKeyVersion(header);
        return version is 0 or > int.MaxValue
            ? throw new CryptoIntegrityException(CryptoFailureReason.UnknownVersion, "The object header names an invalid key version.")
            : (int)version;
    }

    /// <summary>Reads the header at the stream's position and returns the key version it names.</summary>
    public static async Task<int> ReadObjectKeyVersionAsync(Stream source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var header = await ReadHeaderAsync(source, cancellationToken);
        return ReadObjectKeyVersion(header.Bytes);
    }

    /// <summary>
    /// Full re-encryption: a new data key under the current version. Returns the versions involved; when the object
    /// already uses the current version it is still rewritten (callers skip such objects using <see cref="ReadObjectKeyVersionAsync"/>).
    /// </summary>
    public async Task<ReencryptionResult> ReencryptAsync(ObjectContext context, Stream source, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        ValidateContext(context);
        try
        {
            var oldHeader = await ReadHeaderAsync(source, cancellationToken);
            using var oldCipher = await OpenHeaderAsync(context, oldHeader, cancellationToken);
            using var opener = new ObjectOpener(oldCipher, source, oldHeader.ChunkSize);
            var (version, key) = await GetKeyForWriteAsync(context.OrganizationId, cancellationToken);
            using var cipher = ObjectEnvelope.Create(_environment, context, key, (uint)version, _options.ChunkSizeExponent, out var header);
            await destination.WriteAsync(header.Bytes, cancellationToken);
            using var sealer = new ObjectSealer(cipher, destination, header.ChunkSize);
            while (!opener.IsComplete)
            {
                await sealer.WriteAsync(await opener.NextChunkAsync(cancellationToken), cancellationToken);
            }

            await sealer.CompleteAsync(cancellationToken);
            return new ReencryptionResult((int)oldHeader.OrgKeyVersion, version, opener.PlaintextLength);
        }
        catch (CryptoIntegrityException ex)
        {
            Report(ex, context.OrganizationId, context.ObjectId);
            throw;
        }
    }

    /// <summary>
    /// Cheap rotation of one object: returns a new header whose data key is wrapped under the current version; the
    /// chunks after the header stay valid unchanged (the data key itself is kept). Use <see cref="ReencryptAsync"/>
    /// when data keys themselves must change.
    /// </summary>
    public async Task<byte[]> RewrapHeaderAsync(ObjectContext context, ReadOnlyMemory<byte> header, CancellationToken cancellationToken = default)
    {
        ValidateContext(context);
        try
        {
            var parsed = ObjectHeader.Parse(header.Span);
            ObjectEnvelope.CheckContext(parsed, _environment, context);
            var oldKey = await GetKeyAsync(context.OrganizationId, OrgKeyKind.Content, ReadObjectKeyVersion(parsed.Bytes), cancellationToken);
            var (version, key) = await GetKeyForWriteAsync(context.OrganizationId, cancellationToken);
            return ObjectEnvelope.Rewrap(parsed, _environment, context, oldKey, key, (uint)version);
        }
        catch (CryptoIntegrityException ex)
        {
            Report(ex, context.OrganizationId, context.ObjectId);
            throw;
        }
    }

    /// <summary>Rewraps the header of a seekable, writable ciphertext in place. Returns false if it already used the current version.</summary>
    public async Task<bool> RewrapInPlaceAsync(ObjectContext context, Stream ciphertext, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        ciphertext.Seek(0, SeekOrigin.Begin);
        var header = await ReadHeaderAsync(ciphertext, cancellationToken);
        if (header.OrgKeyVersion == (uint)await GetCurrentVersionAsync(context.OrganizationId, cancellationToken))
        {
            return false;
        }

        var rewrapped = await RewrapHeaderAsync(context, header.Bytes, cancellationToken);
        ciphertext.Seek(0, SeekOrigin.Begin);
        await ciphertext.WriteAsync(rewrapped, cancellationToken);
        await ciphertext.FlushAsync(cancellationToken);
        return true;
    }

    private async Task<ChunkCipher> OpenHeaderAsync(ObjectContext context, ObjectHeader header, CancellationToken ct)
    {
        // Context first: a misrouted object is reported as such before any key is looked up.
        var encoded = ObjectEnvelope.CheckContext(header, _environment, context);
        var key = await GetKeyAsync(context.OrganizationId, OrgKeyKind.Content, ReadObjectKeyVersion(header.Bytes), ct);
        return ObjectEnvelope.Open(header, encoded, key, contextChecked: true);
    }

    private static async Task<ObjectHeader> ReadHeaderAsync(Stream source, CancellationToken ct)
    {
        var buffer = new byte[ObjectHeader.Length];
        var n = await source.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct);
        if (n < buffer.Length)
        {
            // Too short to be anything: say "not ours" for an empty or alien stream, "truncated" for a cut header.
            throw n >= 4 && buffer.AsSpan(0, 4).SequenceEqual(ObjectHeader.Magic)
                ? new CryptoIntegrityException(CryptoFailureReason.Truncated, "The encrypted object ends inside its header.")
                : new CryptoIntegrityException(CryptoFailureReason.UnsupportedFormat, "Not a Sigill encrypted object.");
        }

        return ObjectHeader.Parse(buffer);
    }

    private void ValidateContext(in ObjectContext context)
    {
        if (!string.Equals(context.Region, _region, StringComparison.Ordinal))
        {
            var ex = new CryptoIntegrityException(CryptoFailureReason.WrongContext, $"Object of region '{context.Region}' handed to the key manager of region '{_region}'.");
            Report(ex, context.OrganizationId ?? string.Empty, context.ObjectId ?? string.Empty);
            throw ex;
        }

        KeyIds.ValidateOrganizationId(context.OrganizationId, nameof(context));
        Binding.ValidateIdentifier(context.ObjectId, nameof(context));
        Binding.ValidateIdentifier(context.Purpose, nameof(context));
    }
}
