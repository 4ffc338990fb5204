using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Sigill.Hostile;

/// <summary>
/// Writes a PDF byte by byte for the hostile corpus: objects are given as PDF syntax, streams as bytes,
/// and the cross-reference lists exactly what it is told to (a classic table, or a cross-reference
/// stream when objects sit in object streams), so a case can leave objects out of it, point it anywhere
/// or break it.
/// </summary>
public sealed class PdfBytes
{
    private readonly MemoryStream _out = new();
    private readonly SortedDictionary<int, long> _offsets = [];
    private readonly SortedDictionary<int, (int Stream, int Index)> _compressed = [];
    private int _next = 1;

    public PdfBytes() => Raw("%PDF-1.7\n%\u00E2\u00E3\u00CF\u00D3\n");

    public long Position => _out.Length;

    /// <summary>The next free object number.</summary>
    public int Reserve() => _next++;

    public PdfBytes Raw(string latin1) => Raw(Encoding.Latin1.GetBytes(latin1));

    public PdfBytes Raw(byte[] bytes)
    {
        _out.Write(bytes);
        return this;
    }

    /// <summary>Writes "N 0 obj body endobj"; listed in the cross-reference unless <paramref name="listed"/> is false.</summary>
    public int Object(string body, int? number = null, bool listed = true)
    {
        var n = Number(number);
        if (listed) _offsets[n] = _out.Length;
        Raw(string.Create(CultureInfo.InvariantCulture, $"{n} 0 obj\n{body}\nendobj\n"));
        return n;
    }

    /// <summary>Writes a stream object; <paramref name="dict"/> is the dictionary's inside, /Length is added.</summary>
    public int Stream(string dict, byte[] data, int? number = null, bool listed = true)
    {
        var n = Number(number);
        if (listed) _offsets[n] = _out.Length;
        Raw(string.Create(CultureInfo.InvariantCulture, $"{n} 0 obj\n<<{dict}/Length {data.Length}>>\nstream\n"));
        Raw(data);
        Raw("\nendstream\nendobj\n");
        return n;
    }

    /// <summary>An object stream holding the given objects (Flate-compressed); listed objects get compressed entries.</summary>
    public int ObjectStream(IReadOnlyList<(int Number, string Body)> objects, bool listed = true, string extra = "")
    {
        var header = new StringBuilder();
        var body = new StringBuilder();
        foreach (var (number, text) in objects)
        {
            header.Append(CultureInfo.InvariantCulture, $"{number} {body.Length} ");
            body.Append(text).Append('\n');
        }
        var first = header.Length;
        var n = Stream($"/Type/ObjStm/N {objects.Count}/First {first}/Filter/FlateDecode{extra}",
            Deflate(Encoding.Latin1.GetBytes(header.ToString() + body)), listed: listed);
        if (listed)
        {
            for (var i = 0; i < objects.Count; i++) _compressed[objects[i].Number] = (n, i);
        }
        return n;
    }

    /// <summary>Lists <paramref name="number"/> as object <paramref name="index"/> of object stream <paramref name="stream"/>.</summary>
    public void Compressed(int number, int stream, int index) => _compressed[number] = (stream, index);

    /// <summary>Lists <paramref name="number"/> at a byte offset of one's choosing.</summary>
    public void Listed(int number, long offset) => _offsets[number] = offset;

    /// <summary>The bytes written so far, for cases that end the file themselves.</summary>
    public byte[] ToArray() => _out.ToArray();

    /// <summary>Ends the file with a cross-reference section for the listed objects and a trailer.</summary>
    public byte[] Finish(int root, string trailerExtra = "", bool xrefStream = false)
    {
        if (xrefStream || _compressed.Count > 0) return FinishWithXrefStream(root, trailerExtra);
        var size = Math.Max(_next, _offsets.Count == 0 ? 1 : _offsets.Keys.Max() + 1);
        var xref = _out.Length;
        var sb = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"xref\n0 {size}\n"));
        for (var i = 0; i < size; i++)
        {
            sb.Append(_offsets.TryGetValue(i, out var o)
                ? string.Create(CultureInfo.InvariantCulture, $"{o:D10} 00000 n \n")
                : "0000000000 65535 f \n");
        }
        sb.Append(CultureInfo.InvariantCulture, $"trailer\n<</Size {size}/Root {root} 0 R{trailerExtra}>>\nstartxref\n{xref}\n%%EOF\n");
        Raw(sb.ToString());
        return _out.ToArray();
    }

    private byte[] FinishWithXrefStream(int root, string trailerExtra)
    {
        var self = Reserve();
        var xref = _out.Length;
        _offsets[self] = xref;
        var size = Math.Max(_next, Math.Max(_offsets.Keys.Max(), _compressed.Count == 0 ? 0 : _compressed.Keys.Max()) + 1);
        var rows = new byte[size * 7];
        for (var i = 0; i < size; i++)
        {
            var row = rows.AsSpan(i * 7, 7);
            if (_offsets.TryGetValue(i, out var o))
            {
                row[0] = 1;
                Write(row[1..5], o);
            }
            else if (_compressed.TryGetValue(i, out var c))
            {
                row[0] = 2;
                Write(row[1..5], c.Stream);
                Write(row[5..7], c.Index);
            }
        }
        Stream(string.Create(CultureInfo.InvariantCulture, $"/Type/XRef/Size {size}/W[1 4 2]/Root {root} 0 R{trailerExtra}"), rows, self, listed: false);
        Raw(string.Create(CultureInfo.InvariantCulture, $"startxref\n{xref}\n%%EOF\n"));
        return _out.ToArray();
    }

    private static void Write(Span<byte> field, long value)
    {
        for (var i = field.Length - 1; i >= 0; i--, value >>= 8) field[i] = (byte)value;
    }

    private int Number(int? number)
    {
        if (number is not { } n) return _next++;
        _next = Math.Max(_next, n + 1);
        return n;
    }

    /// <summary>zlib (RFC 1950) compression, as /FlateDecode expects.</summary>
    public static byte[] Deflate(byte[] data)
    {
        using var output = new MemoryStream();
        using (var z = new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true)) z.Write(data);
        return output.ToArray();
    }

    /// <summary>
    /// zlib data that inflates to <paramref name="prefix"/> followed by <paramref name="zeros"/> zero bytes
    /// (zero is white space in PDF syntax), written a megabyte at a time: a gigabyte compresses to about
    /// a megabyte in a fraction of a second.
    /// </summary>
    public static byte[] DeflateZeros(long zeros, byte[]? prefix = null)
    {
        using var output = new MemoryStream();
        using (var z = new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            if (prefix is not null) z.Write(prefix);
            var block = new byte[1 << 20];
            for (var left = zeros; left > 0; left -= block.Length) z.Write(block, 0, (int)Math.Min(left, block.Length));
        }
        return output.ToArray();
    }
}
