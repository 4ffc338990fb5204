using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Sigill.Crypto;

/// <summary>Creates, opens and rewraps object headers. Opening checks, in order: context hint, data-key unwrap, key commitment.</summary>
internal static class ObjectEnvelope
{
    public static ChunkCipher Create(string environment, in ObjectContext context, ReadOnlySpan<byte> orgKey, uint version, int chunkExponent, out ObjectHeader header)
    {
        // One call to the CSPRNG for salt, nonce prefix, data key and wrap salt: this runs for every object.
        Span<byte> random = stackalloc byte[ObjectHeader.SaltLength + ObjectHeader.NoncePrefixLength + ObjectHeader.KeyLength + ObjectHeader.WrapSaltLength];
        var bytes = new byte[ObjectHeader.Length];
        var span = bytes.AsSpan();
        Span<byte> chunkKey = stackalloc byte[ObjectHeader.KeyLength];
        try
        {
            RandomNumberGenerator.Fill(random);
            var dataKey = random.Slice(ObjectHeader.SaltLength + ObjectHeader.NoncePrefixLength, ObjectHeader.KeyLength);
            ObjectHeader.Magic.CopyTo(span);
            span[4] = ObjectHeader.FormatVersion;
            span[5] = (byte)chunkExponent;
            var encoded = Binding.EncodeObjectContext(environment, context);
            ObjectCrypto.ContextHint(encoded).CopyTo(span[ObjectHeader.HintOffset..]);
            random[..ObjectHeader.SaltLength].CopyTo(span[ObjectHeader.SaltOffset..]);
            random.Slice(ObjectHeader.SaltLength, ObjectHeader.NoncePrefixLength).CopyTo(span[ObjectHeader.NoncePrefixOffset..]);
            header = new ObjectHeader(bytes);

            var digest = ObjectCrypto.HeaderDigest(header.Params, encoded);
            ObjectCrypto.DeriveObjectKeys(dataKey, header.Salt, digest, span.Slice(ObjectHeader.CommitOffset, ObjectHeader.CommitLength), chunkKey);
            WriteKeyBlock(span, orgKey, version, digest, dataKey, random[^ObjectHeader.WrapSaltLength..]);
            return new ChunkCipher(chunkKey, header.NoncePrefix, digest);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(random);
            CryptographicOperations.ZeroMemory(chunkKey);
        }
    }

    public static ChunkCipher Open(ObjectHeader header, string environment, in ObjectContext context, ReadOnlySpan<byte> orgKey)
        => Open(header, Binding.EncodeObjectContext(environment, context), orgKey);

    /// <summary>Opens a header given the already encoded context (see <see cref="CheckContext"/>).</summary>
    public static ChunkCipher Open(ObjectHeader header, byte[] encodedContext, ReadOnlySpan<byte> orgKey, bool contextChecked = false)
    {
        Span<byte> dataKey = stackalloc byte[ObjectHeader.KeyLength];
        Span<byte> chunkKey = stackalloc byte[ObjectHeader.KeyLength];
        try
        {
            var digest = UnwrapAndVerify(header, encodedContext, orgKey, dataKey, chunkKey, contextChecked);
            return new ChunkCipher(chunkKey, header.NoncePrefix, digest);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
            CryptographicOperations.ZeroMemory(chunkKey);
        }
    }

    /// <summary>Returns a new header naming <paramref name="newVersion"/>; P, the commitment and all chunks stay as they are.</summary>
    public static byte[] Rewrap(ObjectHeader header, string environment, in ObjectContext context, ReadOnlySpan<byte> oldOrgKey, ReadOnlySpan<byte> newOrgKey, uint newVersion)
    {
        Span<byte> dataKey = stackalloc byte[ObjectHeader.KeyLength];
        Span<byte> chunkKey = stackalloc byte[ObjectHeader.KeyLength];
        try
        {
            var digest = UnwrapAndVerify(header, CheckContext(header, environment, context), oldOrgKey, dataKey, chunkKey);
            var bytes = (byte[])header.Bytes.Clone();
            WriteKeyBlock(bytes, newOrgKey, newVersion, digest, dataKey, RandomNumberGenerator.GetBytes(ObjectHeader.WrapSaltLength));
            return bytes;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
            CryptographicOperations.ZeroMemory(chunkKey);
        }
    }

    /// <summary>Compares the header's context hint with <paramref name="context"/> (no key needed); returns enc(ctx).</summary>
    public static byte[] CheckContext(ObjectHeader header, string environment, in ObjectContext context)
    {
        var encoded = Binding.EncodeObjectContext(environment, context);
        if (!CryptographicOperations.FixedTimeEquals(ObjectCrypto.ContextHint(encoded), header.Hint))
        {
            throw new CryptoIntegrityException(CryptoFailureReason.WrongContext, "The encrypted object belongs to another context (region, organization, object, version or purpose).");
        }

        return encoded;
    }

    private static void WriteKeyBlock(Span<byte> span, ReadOnlySpan<byte> orgKey, uint version, byte[] digest, ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> freshWrapSalt)
    {
        BinaryPrimitives.WriteUInt32BigEndian(span[ObjectHeader.VersionOffset..], version);
        var wrapSalt = span.Slice(ObjectHeader.WrapSaltOffset, ObjectHeader.WrapSaltLength);
        freshWrapSalt.CopyTo(wrapSalt);
        ObjectCrypto.WrapDataKey(orgKey, version, wrapSalt, digest, dataKey, span.Slice(ObjectHeader.WrappedKeyOffset, ObjectHeader.WrappedKeyLength));
    }

    private static byte[] UnwrapAndVerify(ObjectHeader header, byte[] encoded, ReadOnlySpan<byte> orgKey, Span<byte> dataKey, Span<byte> chunkKey, bool contextChecked = false)
    {
        // contextChecked: the caller has just compared the hint (CheckContext); the digest below binds the context anyway.
        if (!contextChecked && !CryptographicOperations.FixedTimeEquals(ObjectCrypto.ContextHint(encoded), header.Hint))
        {
            throw new CryptoIntegrityException(CryptoFailureReason.WrongContext, "The encrypted object belongs to another context (region, organization, object, version or purpose).");
        }

        var digest = ObjectCrypto.HeaderDigest(header.Params, encoded);
        if (!ObjectCrypto.TryUnwrapDataKey(orgKey, header.OrgKeyVersion, header.WrapSalt, digest, header.WrappedKey, dataKey))
        {
            throw new CryptoIntegrityException(CryptoFailureReason.WrongKey, "The object's data key does not unwrap under the organization key it names.");
        }

        Span<byte> commitment = stackalloc byte[ObjectHeader.CommitLength];
        ObjectCrypto.DeriveObjectKeys(dataKey, header.Salt, digest, commitment, chunkKey);
        if (!CryptographicOperations.FixedTimeEquals(commitment, header.Commitment))
        {
            throw new CryptoIntegrityException(CryptoFailureReason.Tampered, "The object's key commitment does not match.");
        }

        return digest;
    }
}
