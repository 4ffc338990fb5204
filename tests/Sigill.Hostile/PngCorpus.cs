using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Sigill.Hostile;

public static partial class HostileCorpus
{
    /// <summary>The code a refused drawn signature answers with (HTTP 400).</summary>
    public const string SignatureImageInvalid = "signature_image_invalid";

    /// <summary>Drawn-signature PNGs that are broken or too expensive to decode.</summary>
    public static IEnumerable<HostileCase> Pngs() =>
    [
        // Structure
        Png("png-wrong-signature", () => Replace(PngBuilder.Rgba(16, 8), 1, (byte)'J')),
        Png("png-truncated-file", () => PngBuilder.Rgba(32, 32)[..^30]),
        Png("png-no-iend", () => PngBuilder.Build(PngBuilder.Header(8, 8, 8, 6), PngBuilder.ImageData(8, 8, 4))),
        Png("png-chunk-after-iend", () => [.. PngBuilder.Rgba(8, 8), .. PngBuilder.Chunk("tEXt", "After\0end"u8)]),
        Png("png-garbage-after-iend", () => [.. PngBuilder.Rgba(8, 8), 0, 0, 0, 0]),
        Png("png-no-ihdr", () => PngBuilder.Build(PngBuilder.ImageData(8, 8, 4), PngBuilder.End())),
        Png("png-idat-before-ihdr", () => PngBuilder.Build(PngBuilder.ImageData(8, 8, 4), PngBuilder.Header(8, 8, 8, 6), PngBuilder.End())),
        Png("png-two-ihdr", () => PngBuilder.Build(PngBuilder.Header(8, 8, 8, 6), PngBuilder.Header(8, 8, 8, 6), PngBuilder.ImageData(8, 8, 4), PngBuilder.End())),
        Png("png-no-idat", () => PngBuilder.Build(PngBuilder.Header(8, 8, 8, 6), PngBuilder.End())),
        Png("png-idat-runs-split", () => PngBuilder.Build(PngBuilder.Header(8, 8, 8, 6), PngBuilder.Chunk("IDAT", PngBuilder.Zlib(PngBuilder.Rows(8, 4, 4))[..10]),
            PngBuilder.Chunk("tEXt", "Split\0run"u8), PngBuilder.Chunk("IDAT", PngBuilder.Zlib(PngBuilder.Rows(8, 4, 4))[10..]), PngBuilder.End())),
        Png("png-unknown-critical-chunk", () => PngBuilder.Build(PngBuilder.Header(8, 8, 8, 6), PngBuilder.Chunk("ZZZZ", [1, 2, 3]), PngBuilder.ImageData(8, 8, 4), PngBuilder.End())),
        Png("png-chunk-type-not-letters", () => PngBuilder.Build(PngBuilder.Header(8, 8, 8, 6), PngBuilder.Chunk("a\0b1", [1]), PngBuilder.ImageData(8, 8, 4), PngBuilder.End())),
        Png("png-chunk-length-past-the-end", () => Overwrite(PngBuilder.Rgba(8, 8), 33, [0x7F, 0xFF, 0xFF, 0xF0])),
        Png("png-ihdr-too-short", () => PngBuilder.Build(PngBuilder.Chunk("IHDR", PngBuilder.Header(8, 8, 8, 6).AsSpan(8, 12)), PngBuilder.ImageData(8, 8, 4), PngBuilder.End())),

        // Checksums
        Png("png-bad-crc-ihdr", () => Replace(PngBuilder.Rgba(16, 8), 29, 0x00, flip: true)),
        Png("png-bad-crc-idat", () => BreakLastCrcBefore(PngBuilder.Rgba(16, 8), "IEND")),
        Png("png-bad-crc-ancillary", () => PngBuilder.Build(PngBuilder.Header(8, 8, 8, 6), PngBuilder.Chunk("tEXt", "Comment\0x"u8, breakCrc: true), PngBuilder.ImageData(8, 8, 4), PngBuilder.End())),
        Png("png-bad-adler32", () => PngBuilder.Build(PngBuilder.Header(8, 8, 8, 6), PngBuilder.Chunk("IDAT", Replace(PngBuilder.Zlib(PngBuilder.Rows(8, 8, 4)), -1, 0, flip: true)), PngBuilder.End())),

        // Header values
        Png("png-zero-width", () => PngBuilder.Build(PngBuilder.Header(0, 8, 8, 6), PngBuilder.ImageData(1, 8, 4), PngBuilder.End())),
        Png("png-zero-height", () => PngBuilder.Build(PngBuilder.Header(8, 0, 8, 6), PngBuilder.ImageData(8, 1, 4), PngBuilder.End())),
        Png("png-huge-dimensions", () => PngBuilder.Build(PngBuilder.Header(100_000, 100_000, 8, 6), PngBuilder.ImageData(8, 8, 4), PngBuilder.End())),
        Png("png-negative-width", () => PngBuilder.Build(PngBuilder.Header(-1, 8, 8, 6), PngBuilder.ImageData(8, 8, 4), PngBuilder.End())),
        Png("png-over-the-decoded-budget", () => PngBuilder.Build(PngBuilder.Header(4000, 4000, 8, 6), PngBuilder.ImageData(8, 8, 4), PngBuilder.End())),
        Png("png-invalid-colour-type", () => PngBuilder.Build(PngBuilder.Header(8, 8, 8, 5), PngBuilder.ImageData(8, 8, 4), PngBuilder.End())),
        Png("png-invalid-bit-depth", () => PngBuilder.Build(PngBuilder.Header(8, 8, 4, 2), PngBuilder.ImageData(8, 8, 2), PngBuilder.End())),
        Png("png-compression-method-1", () => PngBuilder.Build(PngBuilder.Header(8, 8, 8, 6, compression: 1), PngBuilder.ImageData(8, 8, 4), PngBuilder.End())),
        Png("png-filter-method-1", () => PngBuilder.Build(PngBuilder.Header(8, 8, 8, 6, filterMethod: 1), PngBuilder.ImageData(8, 8, 4), PngBuilder.End())),
        Png("png-interlaced", () => PngBuilder.Build(PngBuilder.Header(8, 8, 8, 6, interlace: 1), PngBuilder.ImageData(8, 8, 4), PngBuilder.End())),
        Png("png-interlace-method-7", () => PngBuilder.Build(PngBuilder.Header(8, 8, 8, 6, interlace: 7), PngBuilder.ImageData(8, 8, 4), PngBuilder.End())),

        // Palettes and transparency
        Png("png-palette-without-plte", () => PngBuilder.Build(PngBuilder.Header(8, 8, 8, 3), PngBuilder.ImageData(8, 8, 1), PngBuilder.End())),
        Png("png-palette-index-out-of-range", () => PngBuilder.Build(PngBuilder.Header(8, 8, 8, 3), PngBuilder.Chunk("PLTE", [0, 0, 0, 255, 255, 255]),
            PngBuilder.Chunk("IDAT", PngBuilder.Zlib(PngBuilder.Rows(8, 8, 1, value: 7))), PngBuilder.End())),
        Png("png-plte-length-not-triplets", () => PngBuilder.Build(PngBuilder.Header(8, 8, 8, 3), PngBuilder.Chunk("PLTE", [0, 0, 0, 255]), PngBuilder.ImageData(8, 8, 1), PngBuilder.End())),
        Png("png-plte-too-long", () => PngBuilder.Build(PngBuilder.Header(8, 8, 1, 3), PngBuilder.Chunk("PLTE", new byte[9]), PngBuilder.ImageData(1, 8, 1), PngBuilder.End())),
        Png("png-plte-in-greyscale", () => PngBuilder.Build(PngBuilder.Header(8, 8, 8, 0), PngBuilder.Chunk("PLTE", [0, 0, 0]), PngBuilder.ImageData(8, 8, 1), PngBuilder.End())),
        Png("png-plte-after-idat", () => PngBuilder.Build(PngBuilder.Header(8, 8, 8, 2), PngBuilder.ImageData(8, 8, 3), PngBuilder.Chunk("PLTE", [0, 0, 0]), PngBuilder.End())),
        Png("png-trns-on-rgba", () => PngBuilder.Build(PngBuilder.Header(8, 8, 8, 6), PngBuilder.Chunk("tRNS", [0, 0, 0, 0, 0, 0]), PngBuilder.ImageData(8, 8, 4), PngBuilder.End())),
        Png("png-trns-longer-than-palette", () => PngBuilder.Build(PngBuilder.Header(8, 8, 8, 3), PngBuilder.Chunk("PLTE", [0, 0, 0]), PngBuilder.Chunk("tRNS", [0, 0]),
            PngBuilder.Chunk("IDAT", PngBuilder.Zlib(PngBuilder.Rows(8, 8, 1, value: 0))), PngBuilder.End())),

        // Image data
        Png("png-truncated-idat", () => PngBuilder.Build(PngBuilder.Header(32, 32, 8, 6), PngBuilder.Chunk("IDAT", PngBuilder.Zlib(PngBuilder.Rows(32, 32, 4, noise: true))[..200]), PngBuilder.End())),
        Png("png-fewer-rows-than-declared", () => PngBuilder.Build(PngBuilder.Header(8, 8, 8, 6), PngBuilder.ImageData(8, 5, 4), PngBuilder.End())),
        Png("png-more-rows-than-declared", () => PngBuilder.Build(PngBuilder.Header(8, 8, 8, 6), PngBuilder.ImageData(8, 9, 4), PngBuilder.End())),
        Png("png-not-zlib", () => PngBuilder.Build(PngBuilder.Header(8, 8, 8, 6), PngBuilder.Chunk("IDAT", Encoding.ASCII.GetBytes("this is not deflate data at all")), PngBuilder.End())),
        Png("png-unknown-filter-type", () => PngBuilder.Build(PngBuilder.Header(8, 8, 8, 6), PngBuilder.Chunk("IDAT", PngBuilder.Zlib(PngBuilder.Rows(8, 8, 4, filter: 5))), PngBuilder.End())),
        Png("png-decompression-bomb", () => PngBuilder.Build(PngBuilder.Header(64, 64, 8, 6), PngBuilder.Chunk("IDAT", PngBuilder.ZlibZeros(256L * 1024 * 1024)), PngBuilder.End())),
        Png("png-decompression-bomb-at-the-budget", () => PngBuilder.Build(PngBuilder.Header(2048, 2048, 8, 6), PngBuilder.Chunk("IDAT", PngBuilder.ZlibZeros(256L * 1024 * 1024)), PngBuilder.End())),
        Png("png-over-the-byte-limit", () => PngBuilder.Build(PngBuilder.Header(8, 8, 8, 6), PngBuilder.Chunk("zPad", new byte[520 * 1024]), PngBuilder.ImageData(8, 8, 4), PngBuilder.End())),
    ];

    private static HostileCase Png(string name, Func<byte[]> payload) => new(name, HostileTarget.DrawnSignaturePng, 400, SignatureImageInvalid, payload);

    private static byte[] Replace(byte[] bytes, int index, byte value, bool flip = false)
    {
        var copy = (byte[])bytes.Clone();
        var i = index < 0 ? copy.Length + index : index;
        copy[i] = flip ? (byte)(copy[i] ^ 0xFF) : value;
        return copy;
    }

    private static byte[] Overwrite(byte[] bytes, int index, byte[] values)
    {
        var copy = (byte[])bytes.Clone();
        values.CopyTo(copy, index);
        return copy;
    }

    /// <summary>Flips a byte in the CRC of the chunk just before the first <paramref name="type"/> chunk.</summary>
    private static byte[] BreakLastCrcBefore(byte[] png, string type)
    {
        var at = png.AsSpan().IndexOf(Encoding.ASCII.GetBytes(type)) - 4; // the chunk's length field
        return Replace(png, at - 1, 0, flip: true);
    }
}

/// <summary>Writes PNG files byte by byte, so that each hostile case says exactly what is wrong with it.</summary>
public static class PngBuilder
{
    public static readonly byte[] Signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>A valid 8-bit RGBA image (what a browser canvas writes): a dark stroke on transparent ground.</summary>
    public static byte[] Rgba(int width, int height) =>
        Build(Header(width, height, 8, 6), Chunk("IDAT", Zlib(Stroke(width, height))), End());

    /// <summary>The signature, then the chunks in order.</summary>
    public static byte[] Build(params byte[][] chunks) => [.. Signature, .. chunks.SelectMany(c => c)];

    public static byte[] Chunk(string type, ReadOnlySpan<byte> data, bool breakCrc = false)
    {
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(chunk, data.Length);
        Encoding.Latin1.GetBytes(type, chunk.AsSpan(4, 4));
        data.CopyTo(chunk.AsSpan(8));
        var crc = Crc(chunk.AsSpan(4, 4 + data.Length));
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), breakCrc ? ~crc : crc);
        return chunk;
    }

    public static byte[] Header(int width, int height, byte bitDepth, byte colourType, byte compression = 0, byte filterMethod = 0, byte interlace = 0)
    {
        var data = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(data, width);
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(4), height);
        (data[8], data[9], data[10], data[11], data[12]) = (bitDepth, colourType, compression, filterMethod, interlace);
        return Chunk("IHDR", data);
    }

    public static byte[] End() => Chunk("IEND", []);

    /// <summary>An IDAT chunk of <paramref name="height"/> rows of <paramref name="width"/> pixels of <paramref name="bytesPerPixel"/> bytes.</summary>
    public static byte[] ImageData(int width, int height, int bytesPerPixel) => Chunk("IDAT", Zlib(Rows(width, height, bytesPerPixel)));

    /// <summary>Raw scanlines: each a filter-type byte and the pixel bytes (a fixed value, or noise that compresses badly).</summary>
    public static byte[] Rows(int width, int height, int bytesPerPixel, byte filter = 0, byte value = 0x40, bool noise = false)
    {
#pragma warning disable SCS0005 // seeded noise keeps the corpus reproducible; nothing secret is drawn
        var random = new Random(14);
        var rows = new byte[height * (width * bytesPerPixel + 1)];
        for (var y = 0; y < height; y++)
        {
            var start = y * (width * bytesPerPixel + 1);
            rows[start] = filter;
            for (var i = 1; i <= width * bytesPerPixel; i++) rows[start + i] = noise ? (byte)random.Next(256) : value;
        }
#pragma warning restore SCS0005
        return rows;
    }

    public static byte[] Zlib(byte[] data)
    {
        using var output = new MemoryStream();
        using (var z = new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true)) z.Write(data);
        return output.ToArray();
    }

    /// <summary>A zlib stream of <paramref name="count"/> zero bytes, compressed about a thousandfold (a decompression bomb).</summary>
    public static byte[] ZlibZeros(long count)
    {
        var zeros = new byte[1024 * 1024];
        using var output = new MemoryStream();
        using (var z = new ZLibStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            for (var written = 0L; written < count; written += zeros.Length) z.Write(zeros, 0, (int)Math.Min(zeros.Length, count - written));
        }
        return output.ToArray();
    }

    private static byte[] Stroke(int width, int height)
    {
        var rows = new byte[height * (width * 4 + 1)];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                if (Math.Abs(x * height / width - y) > 1) continue; // transparent
                var at = y * (width * 4 + 1) + 1 + x * 4;
                (rows[at], rows[at + 1], rows[at + 2], rows[at + 3]) = ((byte)0x10, (byte)0x21, (byte)0x3A, (byte)255);
            }
        }
        return rows;
    }

    public static uint Crc(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }
}
