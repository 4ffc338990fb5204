using System.Buffers.Binary;
using System.IO.Compression;

namespace Sigill.Pdf.Images;

/// <summary>
/// The strict PNG decoder behind <see cref="PngImage.Decode"/> (PNG, ISO/IEC 15948 / W3C PNG 3rd edition).
///
/// File layout: the 8-byte signature, then chunks of [length: uint32 BE ≤ 2^31-1][type: 4 ASCII letters][data]
/// [CRC-32 of type and data: uint32 BE]. Every chunk's CRC is checked, ancillary ones included. Accepted: IHDR first
/// (exactly once), an optional PLTE before the image data, an optional tRNS, consecutive IDAT chunks, IEND last with
/// nothing after it; other ancillary chunks (lowercase first letter) are skipped, any other critical chunk is refused.
///
/// Supported: colour types 0 (grey, 1/2/4/8/16 bits), 2 (RGB, 8/16), 3 (palette, 1/2/4/8), 4 (grey + alpha, 8/16) and
/// 6 (RGBA, 8/16), which covers what a browser canvas writes (8-bit RGBA) and what image tools usually write.
/// 16-bit samples keep their high byte. Refused: interlaced (Adam7) images, which no signature pad produces.
///
/// Threats and bounds: the file size, the dimensions and the decoded size (RGBA bytes) are checked from IHDR before
/// anything is inflated; the image data is inflated into a buffer of exactly the size IHDR implies, and one byte more
/// than that is an error, so a decompression bomb costs at most that buffer. Every index is checked, so a hostile file
/// ends in <see cref="PngFormatException"/> and nothing else.
/// </summary>
internal static class PngDecoder
{
    public static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private readonly record struct Header(int Width, int Height, int BitDepth, int ColourType)
    {
        public int Channels => ColourType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };

        public int BitsPerPixel => Channels * BitDepth;

        /// <summary>Bytes per row, without the filter-type byte.</summary>
        public long Stride => ((long)Width * BitsPerPixel + 7) / 8;

        /// <summary>The filters' "bpp": bytes per complete pixel, at least one.</summary>
        public int FilterDistance => Math.Max(1, BitsPerPixel / 8);
    }

    public static PngImage Decode(ReadOnlySpan<byte> png, PngLimits limits)
    {
        if (png.Length > limits.MaxBytes) throw Fail($"The image is {png.Length} bytes; at most {limits.MaxBytes} are accepted.");
        if (png.Length < Signature.Length || !png[..Signature.Length].SequenceEqual(Signature)) throw Fail("The data is not a PNG image (its signature is wrong).");

        Header? header = null;
        byte[]? palette = null; // RGB triplets
        byte[]? transparency = null;
        using var imageData = new MemoryStream();
        var idatState = 0; // 0 none yet, 1 inside the run of IDAT chunks, 2 after it
        var position = Signature.Length;
        var ended = false;
        while (!ended)
        {
            if (png.Length - position < 12) throw Fail("The image is truncated: it ends before its IEND chunk.");
            var length = BinaryPrimitives.ReadUInt32BigEndian(png[position..]);
            var type = png.Slice(position + 4, 4);
            var name = ChunkName(type);
            if (length > int.MaxValue || length > png.Length - position - 12) throw Fail($"The image is truncated: chunk {name} claims {length} bytes.");
            var data = png.Slice(position + 8, (int)length);
            if (BinaryPrimitives.ReadUInt32BigEndian(png[(position + 8 + (int)length)..]) != Crc(type, data)) throw Fail($"Chunk {name} has a wrong CRC (the file is damaged).");
            position += 12 + (int)length;

            if (header is null && !type.SequenceEqual("IHDR"u8)) throw Fail("The image does not start with an IHDR chunk.");
            if (idatState == 1 && !type.SequenceEqual("IDAT"u8)) idatState = 2;
            switch (name)
            {
                case "IHDR":
                    if (header is not null) throw Fail("The image has more than one IHDR chunk.");
                    header = ReadHeader(data, limits);
                    break;
                case "PLTE":
                    if (palette is not null || idatState != 0) throw Fail("PLTE must come once, before the image data.");
                    if (header!.Value.ColourType is 0 or 4) throw Fail("A greyscale image cannot have a palette (PLTE).");
                    if (length == 0 || length % 3 != 0 || length / 3 > 256 || (header.Value.ColourType == 3 && length / 3 > 1 << header.Value.BitDepth))
                    {
                        throw Fail($"The palette (PLTE) has an invalid length of {length} bytes.");
                    }
                    palette = data.ToArray();
                    break;
                case "tRNS":
                    if (transparency is not null || idatState != 0) throw Fail("tRNS must come once, before the image data.");
                    transparency = ReadTransparency(header!.Value, palette, data);
                    break;
                case "IDAT":
                    if (idatState == 2) throw Fail("The image data (IDAT) must be in consecutive chunks.");
                    if (header!.Value.ColourType == 3 && palette is null) throw Fail("A palette image has no palette (PLTE chunk missing).");
                    idatState = 1;
                    imageData.Write(data);
                    break;
                case "IEND":
                    if (length != 0) throw Fail("IEND must be empty.");
                    if (position != png.Length) throw Fail($"The image has {png.Length - position} bytes after its IEND chunk.");
                    ended = true;
                    break;
                default:
                    // Bit 5 of the first byte set (a lowercase letter) marks an ancillary chunk, safe to skip.
                    if ((type[0] & 0x20) == 0) throw Fail($"The image has an unsupported critical chunk {name}.");
                    break;
            }
        }
        if (idatState == 0) throw Fail("The image has no image data (IDAT chunk missing).");
        var h = header!.Value;
        var raw = Inflate(imageData, h);
        Unfilter(raw, h);
        return new PngImage(h.Width, h.Height, ToRgba(raw, h, palette, transparency));
    }

    private static Header ReadHeader(ReadOnlySpan<byte> data, PngLimits limits)
    {
        if (data.Length != 13) throw Fail("IHDR must be 13 bytes.");
        var width = BinaryPrimitives.ReadUInt32BigEndian(data);
        var height = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
        if (width == 0 || height == 0) throw Fail($"The image is {width}x{height} pixels: a side of zero is not an image.");
        if (width > limits.MaxDimension || height > limits.MaxDimension)
        {
            throw Fail($"The image is {width}x{height} pixels; at most {limits.MaxDimension}x{limits.MaxDimension} are accepted.");
        }
        if ((long)width * height * 4 > limits.MaxDecodedBytes)
        {
            throw Fail($"The image is {width}x{height} pixels, {(long)width * height * 4} bytes decoded; at most {limits.MaxDecodedBytes} are accepted.");
        }
        int bitDepth = data[8], colourType = data[9];
        var allowed = colourType switch
        {
            0 => bitDepth is 1 or 2 or 4 or 8 or 16,
            2 or 4 or 6 => bitDepth is 8 or 16,
            3 => bitDepth is 1 or 2 or 4 or 8,
            _ => false,
        };
        if (!allowed) throw Fail($"Colour type {colourType} with bit depth {bitDepth} is not a valid PNG combination.");
        if (data[10] != 0 || data[11] != 0) throw Fail("The compression or filter method is not 0, the only one PNG defines.");
        if (data[12] == 1) throw Fail("Interlaced (Adam7) images are not supported; save the image without interlacing.");
        if (data[12] != 0) throw Fail($"Interlace method {data[12]} does not exist.");
        return new Header((int)width, (int)height, bitDepth, colourType);
    }

    private static byte[] ReadTransparency(Header header, byte[]? palette, ReadOnlySpan<byte> data)
    {
        var valid = header.ColourType switch
        {
            0 => data.Length == 2,
            2 => data.Length == 6,
            3 => palette is not null && data.Length <= palette.Length / 3,
            _ => false, // types 4 and 6 carry alpha already
        };
        if (!valid) throw Fail("The transparency chunk (tRNS) does not fit the image's colour type or palette.");
        return data.ToArray();
    }

    /// <summary>Inflates exactly the bytes the header implies (rows with their filter bytes): fewer or more is an error.</summary>
    private static byte[] Inflate(MemoryStream compressed, Header header)
    {
        var expected = header.Height * (header.Stride + 1); // ≤ 2 × MaxDecodedBytes + height, checked from IHDR
        var raw = new byte[expected];
        compressed.Position = 0;
        try
        {
            using var z = new ZLibStream(compressed, CompressionMode.Decompress);
            var read = z.ReadAtLeast(raw, raw.Length, throwOnEndOfStream: false);
            if (read < raw.Length) throw Fail($"The image data is truncated: {read} of {expected} bytes.");
            if (z.Read(new byte[1]) != 0) throw Fail($"The image data holds more than the {expected} bytes its header declares.");
        }
        catch (Exception e) when (e is InvalidDataException or IOException) // zlib errors; the stream is in memory, so no other I/O fails here
        {
            throw new PngFormatException("The image data is not a valid zlib stream (damaged or truncated).", e);
        }
        return raw;
    }

    /// <summary>Undoes the per-row filters in place (PNG §9: None, Sub, Up, Average, Paeth).</summary>
    private static void Unfilter(byte[] raw, Header header)
    {
        var stride = (int)header.Stride;
        var bpp = header.FilterDistance;
        for (var y = 0; y < header.Height; y++)
        {
            var start = y * (stride + 1);
            var filter = raw[start];
            var row = raw.AsSpan(start + 1, stride);
            var above = y == 0 ? default : raw.AsSpan(start - stride, stride);
            switch (filter)
            {
                case 0:
                    break;
                case 1:
                    for (var i = bpp; i < stride; i++) row[i] += row[i - bpp];
                    break;
                case 2:
                    if (y > 0) for (var i = 0; i < stride; i++) row[i] += above[i];
                    break;
                case 3:
                    for (var i = 0; i < stride; i++)
                    {
                        var left = i >= bpp ? row[i - bpp] : 0;
                        var up = y > 0 ? above[i] : 0;
                        row[i] += (byte)((left + up) >> 1);
                    }
                    break;
                case 4:
                    for (var i = 0; i < stride; i++)
                    {
                        int a = i >= bpp ? row[i - bpp] : 0, b = y > 0 ? above[i] : 0, c = i >= bpp && y > 0 ? above[i - bpp] : 0;
                        row[i] += Paeth(a, b, c);
                    }
                    break;
                default:
                    throw Fail($"Row {y} has filter type {filter}; PNG defines 0 to 4.");
            }
        }
    }

    private static byte Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return (byte)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
    }

    private static byte[] ToRgba(byte[] raw, Header header, byte[]? palette, byte[]? transparency)
    {
        var (width, height, depth) = (header.Width, header.Height, header.BitDepth);
        var stride = (int)header.Stride;
        var rgba = new byte[width * height * 4];
        var max = (1 << Math.Min(depth, 8)) - 1;
        for (var y = 0; y < height; y++)
        {
            var row = raw.AsSpan(y * (stride + 1) + 1, stride);
            var output = rgba.AsSpan(y * width * 4, width * 4);
            for (var x = 0; x < width; x++)
            {
                byte r, g, b, a = 255;
                switch (header.ColourType)
                {
                    case 0:
                        var grey = Sample(row, x, depth);
                        r = g = b = depth == 16 ? row[x * 2] : (byte)(grey * 255 / max);
                        if (transparency is not null && grey == BinaryPrimitives.ReadUInt16BigEndian(transparency)) a = 0;
                        break;
                    case 2:
                        var s = depth / 8 * 3;
                        r = row[x * s];
                        g = row[x * s + s / 3];
                        b = row[x * s + 2 * s / 3];
                        if (transparency is not null && ColourKeyMatches(row.Slice(x * s, s), transparency, depth)) a = 0;
                        break;
                    case 3:
                        var index = Sample(row, x, depth);
                        if (index * 3 >= palette!.Length) throw Fail($"Pixel ({x}, {y}) uses palette entry {index}; the palette has {palette.Length / 3}.");
                        (r, g, b) = (palette[index * 3], palette[index * 3 + 1], palette[index * 3 + 2]);
                        if (transparency is not null && index < transparency.Length) a = transparency[index];
                        break;
                    case 4:
                        var ga = depth / 8;
                        r = g = b = row[x * 2 * ga];
                        a = row[x * 2 * ga + ga];
                        break;
                    default:
                        var c = depth / 8;
                        (r, g, b, a) = (row[x * 4 * c], row[x * 4 * c + c], row[x * 4 * c + 2 * c], row[x * 4 * c + 3 * c]);
                        break;
                }
                output[x * 4] = r;
                output[x * 4 + 1] = g;
                output[x * 4 + 2] = b;
                output[x * 4 + 3] = a;
            }
        }
        return rgba;
    }

    /// <summary>Sample <paramref name="x"/> of a one-channel row (grey or palette index) at its own bit depth.</summary>
    private static int Sample(ReadOnlySpan<byte> row, int x, int depth) => depth switch
    {
        16 => BinaryPrimitives.ReadUInt16BigEndian(row[(x * 2)..]),
        8 => row[x],
        _ => (row[x * depth / 8] >> (8 - depth - x * depth % 8)) & ((1 << depth) - 1),
    };

    /// <summary>tRNS for RGB: three 16-bit values; an 8-bit image compares their low bytes.</summary>
    private static bool ColourKeyMatches(ReadOnlySpan<byte> pixel, ReadOnlySpan<byte> key, int depth)
    {
        for (var channel = 0; channel < 3; channel++)
        {
            var value = depth == 16 ? BinaryPrimitives.ReadUInt16BigEndian(pixel[(channel * 2)..]) : pixel[channel];
            if (value != BinaryPrimitives.ReadUInt16BigEndian(key[(channel * 2)..])) return false;
        }
        return true;
    }

    private static string ChunkName(ReadOnlySpan<byte> type)
    {
        foreach (var b in type)
        {
            if (b is not (>= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z')) throw Fail("A chunk type is not four ASCII letters (the file is damaged).");
        }
        return string.Create(4, type.ToArray(), static (chars, bytes) => { for (var i = 0; i < 4; i++) chars[i] = (char)bytes[i]; });
    }

    private static PngFormatException Fail(string message) => new(message);

    private static readonly uint[] CrcTable = BuildCrcTable();

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }

    /// <summary>CRC-32 (ISO 3309, the one PNG and zlib use) over a chunk's type and data.</summary>
    public static uint Crc(ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        var c = 0xFFFFFFFFu;
        foreach (var b in type) c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        foreach (var b in data) c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }
}
