namespace Sigill.Pdf.Syntax.Filters;

/// <summary>
/// Undoes a Flate or LZW predictor (ISO 32000-1 §7.4.4.4): TIFF predictor 2 for 8-bit samples, or PNG
/// predictors (10–15), where every row starts with its own filter type byte. Used only for streams Sigill
/// parses, whose data is already in memory and bounded; the row length is checked against that data
/// before anything is allocated, so <c>/Columns 2147483647</c> is a format error, not an allocation.
/// </summary>
internal static class Predictors
{
    public static HeldBytes Undo(HeldBytes data, PdfDict parms)
    {
        var predictor = Number(parms, "Predictor", 1);
        if (predictor == 1) return data;
        var colors = Number(parms, "Colors", 1);
        var bits = Number(parms, "BitsPerComponent", 8);
        var columns = Number(parms, "Columns", 1);
        if (colors is < 1 or > 32 || bits is not (1 or 2 or 4 or 8 or 16) || columns < 1)
        {
            throw new PdfFormatException("invalid predictor parameters");
        }
        if (columns > (long)data.Length * 8) throw new PdfFormatException("the predictor's row is longer than the stream's data");
        var rowBits = colors * bits * columns;
        var rowLength = (rowBits + 7) / 8;
        if (rowLength > data.Length) throw new PdfFormatException("the predictor's row is longer than the stream's data");
        var pixel = (int)Math.Max(1, colors * bits / 8);
        var result = predictor switch
        {
            2 when bits == 8 => Tiff(data.Span, (int)rowLength, pixel),
            >= 10 and <= 15 => Png(data.Span, (int)rowLength, pixel),
            _ => throw new PdfFormatException("unsupported predictor"),
        };
        data.Dispose();
        return result;
    }

    private static long Number(PdfDict parms, string key, long fallback) => parms.Get(key) switch
    {
        PdfNumber n => n.AsLong(),
        null => fallback,
        _ => throw new PdfFormatException($"/{key} is not a number"),
    };

    private static HeldBytes Tiff(ReadOnlySpan<byte> data, int rowLength, int pixel)
    {
        var held = new HeldBytes(data.Length);
        held.Append(data);
        var result = held.Array;
        for (var row = 0; row + rowLength <= held.Length; row += rowLength)
        {
            for (var i = pixel; i < rowLength; i++) result[row + i] += result[row + i - pixel];
        }
        return held;
    }

    private static HeldBytes Png(ReadOnlySpan<byte> data, int rowLength, int pixel)
    {
        var rows = data.Length / (rowLength + 1);
        var held = HeldBytes.Zeroed(rows * rowLength);
        var previous = new byte[rowLength];
        for (var r = 0; r < rows; r++)
        {
            var type = data[r * (rowLength + 1)];
            var row = held.Array.AsSpan(r * rowLength, rowLength);
            data.Slice(r * (rowLength + 1) + 1, rowLength).CopyTo(row);
            for (var i = 0; i < rowLength; i++)
            {
                var left = i >= pixel ? row[i - pixel] : 0;
                var up = previous[i];
                var upLeft = i >= pixel ? previous[i - pixel] : 0;
                row[i] = type switch
                {
                    0 => row[i],
                    1 => (byte)(row[i] + left),
                    2 => (byte)(row[i] + up),
                    3 => (byte)(row[i] + ((left + up) >> 1)),
                    4 => (byte)(row[i] + Paeth(left, up, upLeft)),
                    _ => throw Invalid(held),
                };
            }
            row.CopyTo(previous);
        }
        return held;
    }

    private static PdfFormatException Invalid(HeldBytes held)
    {
        held.Dispose();
        return new PdfFormatException("invalid PNG predictor row type");
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        var pa = Math.Abs(p - a);
        var pb = Math.Abs(p - b);
        var pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
