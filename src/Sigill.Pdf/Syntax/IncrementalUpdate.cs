using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Sigill.Pdf.Syntax;

/// <summary>
/// Builds one appended revision (ISO 32000-1 §7.5.6): new or replaced objects, then a
/// cross-reference section of the same kind as the file's newest one (a classic table with a
/// trailer, or an xref stream), chained to it with /Prev. The original bytes are never touched.
/// </summary>
internal sealed class IncrementalUpdate
{
    private readonly PdfFile _file;
    private readonly MemoryStream _out = new();
    private readonly SortedDictionary<int, (long Offset, int Generation)> _written = [];
    private readonly long _base;
    private int _nextNumber;

    public IncrementalUpdate(PdfFile file)
    {
        _file = file;
        _nextNumber = Math.Max(file.Size, file.Xref.Count == 0 ? 1 : file.Xref.Keys.Max() + 1);
        var d = file.Data;
        // Start the revision on a fresh line; the byte stays outside every object.
        if (d.Length > 0 && d[^1] != '\n' && d[^1] != '\r') WriteAscii("\n");
        _base = d.Length;
    }

    public PdfFile File => _file;

    /// <summary>Offset in the final file of the next byte written.</summary>
    public long Position => _base + _out.Length;

    public int Allocate() => _nextNumber++;

    public void WriteObject(int number, object value, int generation = 0)
    {
        BeginObject(number, generation);
        Serialize(value);
        WriteAscii("\nendobj\n");
    }

    public void WriteStream(int number, PdfDict dict, ReadOnlySpan<byte> data, int generation = 0)
    {
        var d = new PdfDict(dict);
        d.Set("Length", new PdfNumber(data.Length));
        BeginObject(number, generation);
        Serialize(d);
        WriteAscii("\nstream\n");
        _out.Write(data);
        WriteAscii("\nendstream\nendobj\n");
    }

    public void BeginObject(int number, int generation = 0)
    {
        _written[number] = (Position, generation);
        WriteAscii(string.Create(CultureInfo.InvariantCulture, $"{number} {generation} obj\n"));
    }

    public void WriteAscii(string s)
    {
        Span<byte> buffer = s.Length <= 512 ? stackalloc byte[s.Length] : new byte[s.Length];
        Encoding.Latin1.GetBytes(s, buffer);
        _out.Write(buffer);
    }

    public void WriteRaw(ReadOnlySpan<byte> bytes) => _out.Write(bytes);

    /// <summary>Writes the cross-reference section and trailer; returns the appended bytes.</summary>
    public byte[] Finish()
    {
        var trailer = new PdfDict();
        var prev = _file.StartXref;
        if (_file.XrefIsStream)
        {
            var xrefNumber = Allocate();
            var xrefOffset = Position;
            _written[xrefNumber] = (xrefOffset, 0);
            var size = Math.Max(_nextNumber, _file.Size);
            // Fixed widths: type (1 byte), offset (4 or 8 bytes), generation (2 bytes).
            var offsetWidth = xrefOffset > uint.MaxValue ? 8 : 4;
            var rowLength = 1 + offsetWidth + 2;
            var rows = new byte[_written.Count * rowLength];
            var index = new PdfArray();
            var i = 0;
            foreach (var (start, count) in Runs())
            {
                index.Add(new PdfNumber(start));
                index.Add(new PdfNumber(count));
                for (var n = start; n < start + count; n++)
                {
                    var (off, gen) = _written[n];
                    var row = rows.AsSpan(i++ * rowLength, rowLength);
                    row[0] = 1;
                    if (offsetWidth == 4) BinaryPrimitives.WriteUInt32BigEndian(row[1..], (uint)off);
                    else BinaryPrimitives.WriteInt64BigEndian(row[1..], off);
                    BinaryPrimitives.WriteUInt16BigEndian(row[(1 + offsetWidth)..], (ushort)gen);
                }
            }
            trailer.Set("Type", new PdfName("XRef"));
            trailer.Set("Size", new PdfNumber(size));
            trailer.Set("Index", index);
            trailer.Set("W", new PdfArray([new PdfNumber(1), new PdfNumber(offsetWidth), new PdfNumber(2)]));
            CopyTrailerKeys(trailer);
            trailer.Set("Prev", new PdfNumber(prev));
            trailer.Set("Length", new PdfNumber(rows.Length));
            WriteAscii(string.Create(CultureInfo.InvariantCulture, $"{xrefNumber} 0 obj\n"));
            Serialize(trailer);
            WriteAscii("\nstream\n");
            _out.Write(rows);
            WriteAscii("\nendstream\nendobj\n");
            WriteAscii(string.Create(CultureInfo.InvariantCulture, $"startxref\n{xrefOffset}\n%%EOF\n"));
        }
        else
        {
            var xrefOffset = Position;
            var sb = new StringBuilder("xref\n");
            foreach (var (start, count) in Runs())
            {
                sb.Append(CultureInfo.InvariantCulture, $"{start} {count}\n");
                for (var n = start; n < start + count; n++)
                {
                    var (off, gen) = _written[n];
                    // Exactly 20 bytes per entry (§7.5.4).
                    sb.Append(CultureInfo.InvariantCulture, $"{off:D10} {gen:D5} n \n");
                }
            }
            WriteAscii(sb.ToString());
            trailer.Set("Size", new PdfNumber(Math.Max(_nextNumber, _file.Size)));
            CopyTrailerKeys(trailer);
            trailer.Set("Prev", new PdfNumber(prev));
            WriteAscii("trailer\n");
            Serialize(trailer);
            WriteAscii(string.Create(CultureInfo.InvariantCulture, $"\nstartxref\n{xrefOffset}\n%%EOF\n"));
        }
        return _out.ToArray();
    }

    private void CopyTrailerKeys(PdfDict trailer)
    {
        foreach (var key in (string[])["Root", "Info", "ID"])
        {
            if (_file.Trailer.Get(key) is { } v) trailer.Set(key, v);
        }
    }

    private IEnumerable<(int Start, int Count)> Runs()
    {
        int? start = null;
        var count = 0;
        foreach (var n in _written.Keys)
        {
            if (start is { } s && n == s + count) { count++; continue; }
            if (start is { } s2) yield return (s2, count);
            start = n;
            count = 1;
        }
        if (start is { } last) yield return (last, count);
    }

    public void Serialize(object? value)
    {
        switch (value)
        {
            case null:
                WriteAscii("null");
                break;
            case PdfName name:
                WriteName(name.Value);
                break;
            case PdfRef r:
                WriteAscii(string.Create(CultureInfo.InvariantCulture, $"{r.Number} {r.Generation} R"));
                break;
            case PdfNumber n:
                WriteAscii(n.Raw);
                break;
            case PdfString s:
                _out.Write(s.Raw);
                break;
            case PdfKeyword k:
                WriteAscii(k.Value);
                break;
            case PdfArray a:
                WriteAscii("[");
                for (var i = 0; i < a.Count; i++)
                {
                    if (i > 0) WriteAscii(" ");
                    Serialize(a[i]);
                }
                WriteAscii("]");
                break;
            case PdfDict d:
                WriteAscii("<<");
                foreach (var (key, v) in d)
                {
                    WriteName(key);
                    WriteAscii(" ");
                    Serialize(v);
                }
                WriteAscii(">>");
                break;
            default:
                throw new InvalidOperationException($"cannot serialise {value.GetType().Name}");
        }
    }

    private void WriteName(string name)
    {
        var sb = new StringBuilder(name.Length + 1).Append('/');
        foreach (var c in name)
        {
            if (c is < '!' or > '~' or '#' || PdfLexer.IsDelimiter((byte)c)) sb.Append('#').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            else sb.Append(c);
        }
        WriteAscii(sb.ToString());
    }
}
