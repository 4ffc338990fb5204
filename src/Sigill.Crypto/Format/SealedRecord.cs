using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Sigill.Crypto;

/// <summary>
/// Sealed records: small values written and read in bulk (audit events), one AEAD call each.
/// <code>
/// record = "SGLR" || 0x01 || uint32(version) || commitment (16) || nonce (12) || ciphertext || tag (16)
/// okm    = HKDF-Expand(PRK = organization content key of `version`,
///                      "sigill/record/v1/key" || str(env) || str(region) || str(org) || str(purpose), 48)
/// key    = okm[0..32];  commitment = okm[32..48]
/// ciphertext || tag = AES-256-GCM(key, nonce (random), plaintext, AAD = record[0..37] || enc(env, ctx))
/// </code>
/// Unlike objects and field tokens there is no per-record key: the record key is derived once per organization-key
/// version and purpose and cached with the organization key, so opening a record costs one GCM call instead of two
/// HMAC-derived keys and two AES key schedules. Nonces are random (96 bits) under that key; the organization key's
/// usage bound (<see cref="CellKeyManagerOptions.MaxUsesPerKeyVersion"/>, 2^32 by default, the NIST SP 800-38D
/// bound for random nonces) counts every record sealed. The commitment makes the record key-committing: a record
/// handed to another organization, purpose or key version is refused before GCM runs.
/// </summary>
internal sealed class SealedRecord
{
    public const int HeaderLength = 4 + 1 + 4 + CommitmentLength + NonceLength;
    public const int Overhead = HeaderLength + TagLength;
    private const byte FormatVersion = 1;
    private const int CommitmentLength = 16;
    private const int NonceLength = 12;
    private const int TagLength = 16;
    private const int PoolLimit = 64;
    private const int StackAad = 512;

    public static ReadOnlySpan<byte> Magic => "SGLR"u8;

    private readonly byte[] _key;
    private readonly byte[] _commitment;
    private readonly ConcurrentQueue<AesGcm> _pool = new();
    private int _pooled;

    private SealedRecord(byte[] source, ReadOnlySpan<byte> okm)
    {
        Source = source;
        _key = GC.AllocateUninitializedArray<byte>(32, pinned: true);
        okm[..32].CopyTo(_key);
        _commitment = okm[32..48].ToArray();
    }

    /// <summary>The organization key this record key was derived from (a refreshed cache entry is a new array).</summary>
    public byte[] Source { get; }

    public static SealedRecord Derive(string environment, string region, string organizationId, string purpose, byte[] orgKey)
    {
        var info = Binding.Build("sigill/record/v1/key", environment, region, organizationId, purpose);
        Span<byte> okm = stackalloc byte[48];
        try
        {
            ObjectCrypto.ExpandSha256(orgKey, info, okm);
            return new SealedRecord(orgKey, okm);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(okm);
        }
    }

    /// <summary>The content-key version a record names; throws for anything that is not a record.</summary>
    public static int ReadVersion(ReadOnlySpan<byte> record)
    {
        if (record.Length < 5 || !record[..4].SequenceEqual(Magic))
        {
            throw new CryptoIntegrityException(CryptoFailureReason.UnsupportedFormat, "Not a Sigill sealed record.");
        }

        if (record[4] != FormatVersion)
        {
            throw new CryptoIntegrityException(CryptoFailureReason.UnsupportedFormat, $"Sealed record format {record[4]} is not supported.");
        }

        if (record.Length < Overhead)
        {
            throw new CryptoIntegrityException(CryptoFailureReason.Truncated, "The sealed record is shorter than its header and tag.");
        }

        var version = BinaryPrimitives.ReadUInt32BigEndian(record[5..]);
        return version is 0 or > int.MaxValue
            ? throw new CryptoIntegrityException(CryptoFailureReason.UnknownVersion, "The sealed record names an invalid key version.")
            : (int)version;
    }

    public byte[] Seal(string environment, in ObjectContext context, int version, ReadOnlySpan<byte> plaintext)
    {
        var record = new byte[Overhead + plaintext.Length];
        var span = record.AsSpan();
        Magic.CopyTo(span);
        span[4] = FormatVersion;
        BinaryPrimitives.WriteUInt32BigEndian(span[5..], (uint)version);
        _commitment.CopyTo(span[9..]);
        RandomNumberGenerator.Fill(span.Slice(9 + CommitmentLength, NonceLength));
        int aadLength = HeaderLength + Binding.ObjectContextLength(environment, context);
        Span<byte> aad = aadLength <= StackAad ? stackalloc byte[StackAad] : new byte[aadLength];
        aad = Aad(span[..HeaderLength], environment, context, aad[..aadLength]);
        var gcm = Rent();
        try
        {
            gcm.Encrypt(span.Slice(9 + CommitmentLength, NonceLength), plaintext, span.Slice(HeaderLength, plaintext.Length), span[^TagLength..], aad);
        }
        finally
        {
            Return(gcm);
        }

        return record;
    }

    /// <summary>Opens a record whose version <see cref="ReadVersion"/> read and whose key this is into <paramref name="destination"/>; returns the plaintext length.</summary>
    public int Open(string environment, in ObjectContext context, ReadOnlySpan<byte> record, Span<byte> destination)
    {
        int length = record.Length - Overhead;
        if (destination.Length < length)
        {
            throw new ArgumentException($"The destination holds {destination.Length} bytes; the record has {length}.", nameof(destination));
        }

        if (!CryptographicOperations.FixedTimeEquals(record.Slice(9, CommitmentLength), _commitment))
        {
            throw new CryptoIntegrityException(CryptoFailureReason.WrongKey, "The sealed record does not belong to this key, organization or purpose.");
        }

        var plaintext = destination[..length];
        int aadLength = HeaderLength + Binding.ObjectContextLength(environment, context);
        Span<byte> aad = aadLength <= StackAad ? stackalloc byte[StackAad] : new byte[aadLength];
        aad = Aad(record[..HeaderLength], environment, context, aad[..aadLength]);
        var gcm = Rent();
        try
        {
            gcm.Decrypt(record.Slice(9 + CommitmentLength, NonceLength), record[HeaderLength..^TagLength], record[^TagLength..], plaintext, aad);
            return length;
        }
        catch (AuthenticationTagMismatchException ex)
        {
            CryptographicOperations.ZeroMemory(plaintext);
            throw new CryptoIntegrityException(CryptoFailureReason.Tampered, "The sealed record failed authentication (altered, or moved to another object).", ex);
        }
        finally
        {
            Return(gcm);
        }
    }

    /// <summary>AAD = record header || enc(env, ctx), written into <paramref name="destination"/> (no allocation: this runs per audit event).</summary>
    private static Span<byte> Aad(ReadOnlySpan<byte> header, string environment, in ObjectContext context, Span<byte> destination)
    {
        header.CopyTo(destination);
        return destination[..(header.Length + Binding.WriteObjectContext(environment, context, destination[header.Length..]))];
    }

    // AesGcm instances are not safe for concurrent use; a small pool keeps their key schedules for reuse.
    private AesGcm Rent()
    {
        if (_pool.TryDequeue(out var gcm))
        {
            Interlocked.Decrement(ref _pooled);
            return gcm;
        }

        return new AesGcm(_key, TagLength);
    }

    private void Return(AesGcm gcm)
    {
        if (Interlocked.Increment(ref _pooled) <= PoolLimit)
        {
            _pool.Enqueue(gcm);
            return;
        }

        Interlocked.Decrement(ref _pooled);
        gcm.Dispose();
    }
}
