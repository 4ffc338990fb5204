using System.Buffers.Binary;

namespace Sigill.Pdf.Images;

/// <summary>
/// A strict structural check of a JPEG file (ITU T.81 with JFIF or Exif), for signers' attachments: Sigill has no JPEG
/// pixel decoder of its own and never renders an attachment, so the file is walked marker by marker instead, and held to
/// the same limits as a PNG (<see cref="PngLimits"/>: file size, sides, decoded size).
/// <list type="bullet">
/// <item>SOI first; every segment's length inside the file; only baseline, extended or progressive Huffman frames (SOF0,
/// SOF1, SOF2) of 8-bit samples with 1, 3 or 4 components, exactly one frame, before the first scan, with both sides
/// given (no DNL) and within the limits; tables, restart intervals, application segments and comments besides.</item>
/// <item>Refused: lossless, hierarchical and arithmetic-coded frames (rare, and what decoders get wrong), any other
/// marker, a scan before the frame, and anything after EOI (a polyglot: a JPEG with a ZIP or PDF appended).</item>
/// </list>
/// A hostile file ends in <see cref="PngFormatException"/> (its message is safe to show), never anything else.
/// </summary>
public static class JpegCheck
{
    /// <summary>The image's width and height, or throws <see cref="PngFormatException"/> naming the problem.</summary>
    public static (int Width, int Height) Check(ReadOnlySpan<byte> jpeg, PngLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (jpeg.Length > limits.MaxBytes) throw Fail($"The image is {jpeg.Length} bytes; at most {limits.MaxBytes} are accepted.");
        if (jpeg.Length < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8) throw Fail("The data is not a JPEG image (it does not start with SOI).");
        var position = 2;
        (int Width, int Height)? frame = null;
        var scans = 0;
        var tables = false;
        while (true)
        {
            if (position >= jpeg.Length || jpeg[position] != 0xFF) throw Fail("The image is damaged: a marker was expected.");
            while (position < jpeg.Length && jpeg[position] == 0xFF) position++; // fill bytes
            if (position >= jpeg.Length) throw Fail("The image is truncated: it ends before its EOI marker.");
            var marker = jpeg[position++];
            if (marker == 0xD9)
            {
                if (frame is null || scans == 0) throw Fail("The image ends before it has a frame and a scan.");
                if (position != jpeg.Length) throw Fail($"The image has {jpeg.Length - position} bytes after its end (EOI).");
                return frame.Value;
            }
            if (marker is 0x00 or 0x01 or >= 0xD0 and <= 0xD8) throw Fail($"The image has a misplaced marker 0x{marker:X2}.");
            if (jpeg.Length - position < 2) throw Fail("The image is truncated inside a segment.");
            var length = BinaryPrimitives.ReadUInt16BigEndian(jpeg[position..]);
            if (length < 2 || length > jpeg.Length - position) throw Fail($"The image is truncated: segment 0x{marker:X2} claims {length} bytes.");
            var data = jpeg.Slice(position + 2, length - 2);
            position += length;
            switch (marker)
            {
                case 0xC0 or 0xC1 or 0xC2:
                    if (frame is not null) throw Fail("The image has more than one frame (SOF).");
                    frame = Frame(data, limits);
                    break;
                case 0xDA:
                    if (frame is null || !tables) throw Fail("The image has a scan before its frame and tables.");
                    if (data.Length < 1 || data[0] is 0 or > 4 || data.Length != 4 + 2 * data[0]) throw Fail("The image has a malformed scan header (SOS).");
                    scans++;
                    position = SkipEntropyData(jpeg, position);
                    break;
                case 0xDB or 0xC4:
                    tables = true;
                    break;
                case 0xDD or 0xFE or >= 0xE0 and <= 0xEF:
                    break; // restart interval, comment, application data (JFIF, Exif, ICC): skipped
                default:
                    throw Fail(marker is 0xC3 or >= 0xC5 and <= 0xCF
                        ? "The image uses a lossless, hierarchical or arithmetic-coded JPEG frame, which is not accepted: save it as a baseline or progressive JPEG."
                        : $"The image has an unsupported marker 0x{marker:X2}.");
            }
        }
    }

    private static (int, int) Frame(ReadOnlySpan<byte> data, PngLimits limits)
    {
        if (data.Length < 6) throw Fail("The image has a malformed frame header (SOF).");
        var precision = data[0];
        var height = BinaryPrimitives.ReadUInt16BigEndian(data[1..]);
        var width = BinaryPrimitives.ReadUInt16BigEndian(data[3..]);
        var components = data[5];
        if (precision != 8) throw Fail($"The image has {precision}-bit samples; only 8-bit JPEG is accepted.");
        if (components is not (1 or 3 or 4) || data.Length != 6 + 3 * components) throw Fail("The image has a malformed frame header (SOF).");
        if (width == 0 || height == 0) throw Fail($"The image is {width}x{height} pixels: a side of zero (or one given later, DNL) is not accepted.");
        if (width > limits.MaxDimension || height > limits.MaxDimension)
        {
            throw Fail($"The image is {width}x{height} pixels; at most {limits.MaxDimension}x{limits.MaxDimension} are accepted.");
        }
        if ((long)width * height * 4 > limits.MaxDecodedBytes)
        {
            throw Fail($"The image is {width}x{height} pixels, {(long)width * height * 4} bytes decoded; at most {limits.MaxDecodedBytes} are accepted.");
        }
        return (width, height);
    }

    /// <summary>The position of the marker after a scan's entropy-coded data (0xFF 0x00 is a stuffed byte, 0xFF 0xD0-D7 a restart).</summary>
    private static int SkipEntropyData(ReadOnlySpan<byte> jpeg, int position)
    {
        while (true)
        {
            var next = jpeg[position..].IndexOf((byte)0xFF);
            if (next < 0 || position + next + 1 >= jpeg.Length) throw Fail("The image is truncated inside its image data.");
            position += next;
            var after = jpeg[position + 1];
            if (after == 0x00 || after is >= 0xD0 and <= 0xD7)
            {
                position += 2;
                continue;
            }
            if (after == 0xFF)
            {
                position++; // a fill byte before the marker
                continue;
            }
            return position;
        }
    }

    private static PngFormatException Fail(string message) => new(message);
}
