using System.Buffers.Binary;

namespace Sigill.Pdf.Syntax.Filters;

/// <summary>
/// What an image codec (DCTDecode, JPXDecode, JBIG2Decode, CCITTFaxDecode) would make a viewer allocate.
/// Sigill never runs these decoders; it reads the size the image declares, taking the larger of the
/// image dictionary's /Width and /Height and the codec's own header (a JPEG's frame header, a JPEG 2000
/// SIZ marker), because a viewer believes the codec.
/// </summary>
internal static class ImageCodecs
{
    public static readonly IReadOnlySet<string> Names = new HashSet<string>(StringComparer.Ordinal)
    {
        "DCTDecode", "JPXDecode", "JBIG2Decode", "CCITTFaxDecode",
    };

    /// <summary>How much of the codec's input is read to find its header.</summary>
    public const int HeaderWindow = 1 << 20;

    /// <summary>Decoded size in bytes of the image the codec declares (saturating, never negative).</summary>
    public static long DeclaredBytes(string codec, ReadOnlySpan<byte> head, PdfDict dict, PdfDict? parms, PdfFile? file)
    {
        var width = Integer(file, dict.Get("Width"));
        var height = Integer(file, dict.Get("Height"));
        long bitsPerPixel;
        switch (codec)
        {
            case "DCTDecode" when JpegFrame(head) is { } jpeg:
                width = Math.Max(width, jpeg.Width);
                height = Math.Max(height, jpeg.Height);
                bitsPerPixel = jpeg.Bits;
                break;
            case "JPXDecode" when Jpeg2000Size(head) is { } jpx:
                width = Math.Max(width, jpx.Width);
                height = Math.Max(height, jpx.Height);
                bitsPerPixel = jpx.Bits;
                break;
            case "JBIG2Decode":
                bitsPerPixel = 1;
                break;
            case "CCITTFaxDecode":
                width = Math.Max(width, parms?.Get("Columns") is { } columns ? Integer(file, columns) : 1728);
                height = Math.Max(height, Integer(file, parms?.Get("Rows")));
                bitsPerPixel = 1;
                break;
            default:
                // A codec without a readable header: what the dictionary says, assuming 8 bits when it says nothing.
                var bitsPerComponent = Integer(file, dict.Get("BitsPerComponent"));
                bitsPerPixel = dict.Get("ImageMask") is PdfKeyword { Value: "true" }
                    ? 1
                    : Components(file, dict.Get("ColorSpace")) * (bitsPerComponent is > 0 and <= 32 ? bitsPerComponent : 8);
                break;
        }
        if (width <= 0 || height <= 0) return 0;
        // Saturate rather than overflow: anything this large is over every limit.
        if (width > int.MaxValue || height > int.MaxValue || bitsPerPixel > 1024) return long.MaxValue;
        var pixels = width * height;
        return pixels > long.MaxValue / 8 / bitsPerPixel ? long.MaxValue : (pixels * bitsPerPixel + 7) / 8;
    }

    private static long Integer(PdfFile? file, object? value) =>
        (file is null ? value : file.Resolve(value)) is PdfNumber n ? Math.Max(0, n.AsLong()) : 0;

    private static long Components(PdfFile? file, object? colorSpace)
    {
        var cs = file is null ? colorSpace : file.Resolve(colorSpace);
        var name = cs switch
        {
            PdfName n => n.Value,
            PdfArray { Count: > 0 } a when a[0] is PdfName n => n.Value,
            _ => null,
        };
        return name switch
        {
            "DeviceGray" or "G" or "CalGray" or "Indexed" or "I" or "Separation" => 1,
            "DeviceRGB" or "RGB" or "CalRGB" or "Lab" => 3,
            "ICCBased" when cs is PdfArray { Count: > 1 } a && file?.ResolveDict(a[1]) is { } icc && icc.Get("N") is PdfNumber n && n.AsLong() is >= 1 and <= 4 => n.AsLong(),
            "DeviceN" when cs is PdfArray { Count: > 1 } a && (file is null ? a[1] : file.Resolve(a[1])) is PdfArray names => Math.Max(1, names.Count),
            _ => 4,
        };
    }

    /// <summary>A JPEG's frame header (SOFn): walks the marker segments up to the first scan.</summary>
    private static (long Width, long Height, long Bits)? JpegFrame(ReadOnlySpan<byte> data)
    {
        if (data.Length < 4 || data[0] != 0xFF || data[1] != 0xD8) return null;
        var i = 2;
        while (i + 4 <= data.Length)
        {
            if (data[i] != 0xFF) return null;
            var marker = data[i + 1];
            if (marker == 0xFF) { i++; continue; }
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7)) { i += 2; continue; }
            if (marker is 0xDA or 0xD9) return null;
            var length = BinaryPrimitives.ReadUInt16BigEndian(data[(i + 2)..]);
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                if (i + 10 > data.Length) return null;
                var precision = data[i + 4];
                var height = BinaryPrimitives.ReadUInt16BigEndian(data[(i + 5)..]);
                var width = BinaryPrimitives.ReadUInt16BigEndian(data[(i + 7)..]);
                var components = data[i + 9];
                return (width, height, (long)components * Math.Max((byte)1, precision));
            }
            i += 2 + length;
        }
        return null;
    }

    /// <summary>SOC then SIZ: the first two markers of every JPEG 2000 codestream.</summary>
    private static ReadOnlySpan<byte> CodestreamStart => [0xFF, 0x4F, 0xFF, 0x51];

    /// <summary>A JPEG 2000 codestream's SIZ marker segment (FF4F FF51), raw or inside a JP2 file.</summary>
    private static (long Width, long Height, long Bits)? Jpeg2000Size(ReadOnlySpan<byte> data)
    {
        var at = data.IndexOf(CodestreamStart);
        if (at < 0 || at + 42 > data.Length) return null;
        var siz = data[(at + 4)..];
        long xsiz = BinaryPrimitives.ReadUInt32BigEndian(siz[4..]);
        long ysiz = BinaryPrimitives.ReadUInt32BigEndian(siz[8..]);
        long xo = BinaryPrimitives.ReadUInt32BigEndian(siz[12..]);
        long yo = BinaryPrimitives.ReadUInt32BigEndian(siz[16..]);
        int components = BinaryPrimitives.ReadUInt16BigEndian(siz[36..]);
        long bits = 0;
        for (var c = 0; c < components && 38 + 3 * c < siz.Length; c++) bits += (siz[38 + 3 * c] & 0x7F) + 1;
        return (Math.Max(0, xsiz - xo), Math.Max(0, ysiz - yo), Math.Max(1, bits));
    }
}
