using System.Buffers.Binary;
using System.IO.Compression;

namespace Sigill.Pdf.Images;

/// <summary>What a PNG may cost before it is decoded. The defaults fit a drawn signature with room to spare.</summary>
public sealed record PngLimits
{
    public static readonly PngLimits Default = new();

    /// <summary>Largest accepted file, in bytes (default 512 KiB).</summary>
    public int MaxBytes { get; init; } = 512 * 1024;

    /// <summary>Widest and tallest accepted image, in pixels (default 4000 each).</summary>
    public int MaxDimension { get; init; } = 4000;

    /// <summary>
    /// The decoded image (width × height × 4 bytes of RGBA) may be at most this large (default 16 MiB, about 4 million
    /// pixels). Checked from the header before anything is inflated, so a small file cannot claim a huge canvas.
    /// </summary>
    public long MaxDecodedBytes { get; init; } = 16L * 1024 * 1024;
}

/// <summary>A PNG was refused; the message names the problem and is safe to show (it never quotes the input).</summary>
public sealed class PngFormatException : Exception
{
    public PngFormatException() : this("The image is not a valid PNG.") { }

    public PngFormatException(string message) : base(message) { }

    public PngFormatException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// A decoded image: 8-bit RGBA pixels, row by row from the top-left corner. <see cref="Decode"/> is Sigill's own
/// strict PNG decoder, the boundary for images that people upload (drawn signatures): whatever the bytes, it either
/// returns pixels or throws <see cref="PngFormatException"/>, and its memory is bounded by <see cref="PngLimits"/>
/// before any data is inflated. What reaches a PDF library is <see cref="ToPng"/>, a PNG written here from those pixels,
/// never the uploaded bytes.
/// </summary>
public sealed class PngImage
{
    private readonly byte[] _rgba;

    internal PngImage(int width, int height, byte[] rgba)
    {
        Width = width;
        Height = height;
        _rgba = rgba;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Width × Height × 4 bytes: red, green, blue, alpha.</summary>
    public ReadOnlySpan<byte> Rgba => _rgba;

    /// <summary>Decodes <paramref name="png"/> or throws <see cref="PngFormatException"/> naming what is wrong.</summary>
    public static PngImage Decode(ReadOnlySpan<byte> png, PngLimits? limits = null) => PngDecoder.Decode(png, limits ?? PngLimits.Default);

    /// <summary>
    /// The pixels as a canonical PNG: 8-bit RGB when every pixel is opaque, else RGBA; not interlaced, no ancillary
    /// chunks, one IDAT, filter type 0 on every row.
    /// </summary>
    public byte[] ToPng()
    {
        var opaque = true;
        for (var i = 3; i < _rgba.Length && opaque; i += 4) opaque = _rgba[i] == 255;
        var channels = opaque ? 3 : 4;
        using var raw = new MemoryStream(Height * (Width * channels + 1));
        for (var y = 0; y < Height; y++)
        {
            raw.WriteByte(0); // filter type None
            var row = _rgba.AsSpan(y * Width * 4, Width * 4);
            if (opaque)
            {
                for (var x = 0; x < Width; x++) raw.Write(row.Slice(x * 4, 3));
            }
            else
            {
                raw.Write(row);
            }
        }
        using var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            z.Write(raw.GetBuffer(), 0, (int)raw.Length);
        }
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, Width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), Height);
        header[8] = 8; // bit depth
        header[9] = (byte)(opaque ? 2 : 6); // colour type RGB or RGBA; compression, filter and interlace methods stay 0
        using var png = new MemoryStream();
        png.Write(PngDecoder.Signature);
        WriteChunk(png, "IHDR"u8, header);
        WriteChunk(png, "IDAT"u8, compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
        WriteChunk(png, "IEND"u8, []);
        return png.ToArray();
    }

    private static void WriteChunk(Stream png, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        png.Write(type);
        png.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, PngDecoder.Crc(type, data));
        png.Write(word);
    }
}
