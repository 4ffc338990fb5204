using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Sigill.Api.Features.Backups;

/// <summary>
/// The plaintext header of a backup archive (docs/formats/backup-archive.md): who can open it (region,
/// environment, backup key id) and the data key wrapped under that key. It is authenticated by every chunk
/// (its SHA-256 is in each chunk's associated data) and by the key wrap (region, environment, time).
/// </summary>
public sealed record ArchiveHeader(string Region, string Environment, DateTimeOffset CreatedAt, string BackupKeyId, byte[] WrappedDataKey, int ChunkSizeExponent)
{
    public static ReadOnlySpan<byte> Magic => "SGBKUP\r\n"u8;
    public const byte FormatVersion = 1;
    public const int DefaultChunkSizeExponent = 20;

    public int ChunkSize => 1 << ChunkSizeExponent;

    /// <summary>Associated data of the data-key wrap: binds the key to this archive's region, environment and time.</summary>
    public byte[] WrapAssociatedData() =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"sigill-backup-v1\0{Region}\0{Environment}\0{CreatedAt.ToUnixTimeMilliseconds()}"));

    public byte[] ToBytes()
    {
        var region = Encoding.ASCII.GetBytes(Region);
        var environment = Encoding.ASCII.GetBytes(Environment);
        var keyId = Encoding.UTF8.GetBytes(BackupKeyId);
        var bytes = new byte[8 + 4 + 8 + 1 + region.Length + 1 + environment.Length + 2 + keyId.Length + 2 + WrappedDataKey.Length];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        span[8] = FormatVersion;
        span[9] = (byte)ChunkSizeExponent;
        BinaryPrimitives.WriteInt64BigEndian(span[12..], CreatedAt.ToUnixTimeMilliseconds());
        var at = 20;
        span[at++] = (byte)region.Length;
        region.CopyTo(span[at..]);
        at += region.Length;
        span[at++] = (byte)environment.Length;
        environment.CopyTo(span[at..]);
        at += environment.Length;
        BinaryPrimitives.WriteUInt16BigEndian(span[at..], (ushort)keyId.Length);
        keyId.CopyTo(span[(at + 2)..]);
        at += 2 + keyId.Length;
        BinaryPrimitives.WriteUInt16BigEndian(span[at..], (ushort)WrappedDataKey.Length);
        WrappedDataKey.CopyTo(span[(at + 2)..]);
        return bytes;
    }

    /// <summary>Reads the header and returns it with its exact bytes (for the chunks' associated data).</summary>
    private const long MaxUnixMilliseconds = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z, the last instant DateTimeOffset holds

    public static async Task<(ArchiveHeader Header, byte[] Bytes)> ReadAsync(Stream stream, CancellationToken ct)
    {
        var fixedPart = new byte[21];
        await ReadExactAsync(stream, fixedPart, ct, "the header");
        if (!fixedPart.AsSpan(0, 8).SequenceEqual(Magic))
        {
            throw new BackupException("not a Sigill backup archive (wrong magic bytes)");
        }
        if (fixedPart[8] != FormatVersion)
        {
            throw new BackupException($"unsupported backup archive format version {fixedPart[8]} (this sigill reads version {FormatVersion})");
        }
        var exponent = fixedPart[9];
        if (exponent is < 12 or > 24)
        {
            throw new BackupException("corrupt archive header (chunk size)");
        }
        var createdMs = BinaryPrimitives.ReadInt64BigEndian(fixedPart.AsSpan(12));
        if (createdMs is < 0 or > MaxUnixMilliseconds)
        {
            throw new BackupException("corrupt archive header (creation time)"); // found by bench/fuzz.sh: it escaped as an ArgumentOutOfRangeException
        }
        var created = DateTimeOffset.FromUnixTimeMilliseconds(createdMs);
        var all = new MemoryStream();
        all.Write(fixedPart);
        var region = await ReadFieldAsync(stream, all, fixedPart[20], ct);
        var environmentLength = new byte[1];
        await ReadExactAsync(stream, environmentLength, ct, "the header");
        all.Write(environmentLength);
        var environment = await ReadFieldAsync(stream, all, environmentLength[0], ct);
        var keyId = await ReadFieldAsync(stream, all, await ReadLengthAsync(stream, all, ct), ct);
        var wrapped = await ReadFieldAsync(stream, all, await ReadLengthAsync(stream, all, ct), ct);
        var header = new ArchiveHeader(Encoding.ASCII.GetString(region), Encoding.ASCII.GetString(environment), created, Encoding.UTF8.GetString(keyId), wrapped, exponent);
        if (!Platform.Cells.RegionName.IsWellFormed(header.Region) || header.Environment.Length == 0)
        {
            throw new BackupException("corrupt archive header (region or environment)");
        }
        return (header, all.ToArray());
    }

    private static async Task<int> ReadLengthAsync(Stream stream, MemoryStream all, CancellationToken ct)
    {
        var length = new byte[2];
        await ReadExactAsync(stream, length, ct, "the header");
        all.Write(length);
        return BinaryPrimitives.ReadUInt16BigEndian(length);
    }

    private static async Task<byte[]> ReadFieldAsync(Stream stream, MemoryStream all, int length, CancellationToken ct)
    {
        var field = new byte[length];
        await ReadExactAsync(stream, field, ct, "the header");
        all.Write(field);
        return field;
    }

    internal static async Task ReadExactAsync(Stream stream, Memory<byte> buffer, CancellationToken ct, string what)
    {
        try
        {
            await stream.ReadExactlyAsync(buffer, ct);
        }
        catch (EndOfStreamException e)
        {
            throw new BackupException($"the archive is truncated (it ends inside {what})", e);
        }
    }

    /// <summary>SHA-256 of the header bytes: part of every chunk's associated data.</summary>
    public static byte[] Digest(byte[] headerBytes) => SHA256.HashData(headerBytes);
}
