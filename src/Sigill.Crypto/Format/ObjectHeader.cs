using System.Buffers.Binary;

namespace Sigill.Crypto;

/// <summary>
/// The fixed 156-byte header of an encrypted object (docs/formats/encrypted-object.md has the table).
/// <code>
///   0   4  magic "SGLE"
///   4   1  format version (1)
///   5   1  log2(chunk size), 12..24
///   6   2  reserved, zero
///   8   8  context hint: SHA-256("sigill/object/v1/context-hint" || enc(ctx))[0..8]
///  16  32  object salt (random)
///  48   7  nonce prefix (random)
///  55   1  reserved, zero
///  --- bytes 0..56 are the "parameters" P, bound into every chunk through the header digest D
///  56  32  key commitment
///  88   4  organization-key version (uint32, big-endian)
///  92  16  wrap salt (random, fresh at every wrap)
/// 108  48  wrapped data key: AES-256-GCM ciphertext (32) || tag (16)
/// </code>
/// The key block (88..156) is not part of P: it can be rewritten (rewrap under a new organization-key
/// version) without touching the chunks, because the commitment ties the data key to P and the context.
/// </summary>
internal sealed class ObjectHeader
{
    public const int Length = 156;
    public const int ParamsLength = 56;
    public const byte FormatVersion = 1;
    public const int MinChunkExponent = 12;
    public const int MaxChunkExponent = 24;
    public const int TagLength = 16;
    public const int KeyLength = 32;

    public const int HintOffset = 8;
    public const int HintLength = 8;
    public const int SaltOffset = 16;
    public const int SaltLength = 32;
    public const int NoncePrefixOffset = 48;
    public const int NoncePrefixLength = 7;
    public const int CommitOffset = 56;
    public const int CommitLength = 32;
    public const int VersionOffset = 88;
    public const int WrapSaltOffset = 92;
    public const int WrapSaltLength = 16;
    public const int WrappedKeyOffset = 108;
    public const int WrappedKeyLength = KeyLength + TagLength;

    public static ReadOnlySpan<byte> Magic => "SGLE"u8;

    public ObjectHeader(byte[] bytes)
    {
        Bytes = bytes;
    }

    public byte[] Bytes { get; }

    public int ChunkSize => 1 << Bytes[5];

    public uint OrgKeyVersion => BinaryPrimitives.ReadUInt32BigEndian(Bytes.AsSpan(VersionOffset));

    public ReadOnlySpan<byte> Params => Bytes.AsSpan(0, ParamsLength);

    public ReadOnlySpan<byte> Hint => Bytes.AsSpan(HintOffset, HintLength);

    public ReadOnlySpan<byte> Salt => Bytes.AsSpan(SaltOffset, SaltLength);

    public ReadOnlySpan<byte> NoncePrefix => Bytes.AsSpan(NoncePrefixOffset, NoncePrefixLength);

    public ReadOnlySpan<byte> Commitment => Bytes.AsSpan(CommitOffset, CommitLength);

    public ReadOnlySpan<byte> WrapSalt => Bytes.AsSpan(WrapSaltOffset, WrapSaltLength);

    public ReadOnlySpan<byte> WrappedKey => Bytes.AsSpan(WrappedKeyOffset, WrappedKeyLength);

    /// <summary>Checks the fixed fields; cryptographic checks happen when the header is opened.</summary>
    public static ObjectHeader Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < Length)
        {
            throw new CryptoIntegrityException(CryptoFailureReason.Truncated, "The encrypted object is shorter than its header.");
        }

        if (!bytes[..4].SequenceEqual(Magic))
        {
            throw new CryptoIntegrityException(CryptoFailureReason.UnsupportedFormat, "Not a Sigill encrypted object (bad magic).");
        }

        if (bytes[4] != FormatVersion)
        {
            throw new CryptoIntegrityException(CryptoFailureReason.UnsupportedFormat, $"Unsupported encrypted-object format version {bytes[4]}.");
        }

        if (bytes[5] is < MinChunkExponent or > MaxChunkExponent || bytes[6] != 0 || bytes[7] != 0 || bytes[55] != 0)
        {
            throw new CryptoIntegrityException(CryptoFailureReason.Tampered, "The encrypted object's header has invalid fixed fields.");
        }

        return new ObjectHeader(bytes[..Length].ToArray());
    }

    public static uint ReadOrgKeyVersion(ReadOnlySpan<byte> header) => Parse(header).OrgKeyVersion;
}
