using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Xml;

namespace Sigill.Api.Features.BulkSend;

/// <summary>
/// What an .xlsx may cost to read, on top of <see cref="CsvLimits"/>. A ZIP's declared sizes are never trusted: the bytes
/// inflated from every part read are counted as they stream, and a part that inflates more than
/// <see cref="MaxCompressionRatio"/> times its compressed size (past its first MiB) is a ZIP bomb. Shared strings are the
/// one thing held in memory, so their number and their characters are capped (by default 20,000,000 characters, about
/// 40 MB; bulk send allows as many characters as its largest CSV has bytes).
/// </summary>
public sealed record XlsxLimits(long MaxUncompressedBytes = 200L * 1000 * 1000, int MaxEntries = 1000, int MaxCompressionRatio = 200,
    int MaxSharedStrings = 1_000_000, long MaxSharedStringChars = 20_000_000, int MaxXmlRunBytes = 1024 * 1024);

/// <summary>A spreadsheet Sigill does not read: refused with <c>spreadsheet_invalid</c>, its message naming the sheet row, never a cell.</summary>
public sealed class SpreadsheetRejectedException(string message) : CsvRejectedException(message);

/// <summary>
/// Reads the first worksheet of an Office Open XML workbook (.xlsx) as records, the way <see cref="CsvRecordReader"/> reads
/// a CSV: the first non-blank row is the header, blank rows are skipped, every cell is text. Values are what the file
/// stores, never computed: a shared or inline string as written (rich-text runs joined, phonetic hints dropped, Excel's
/// <c>_xHHHH_</c> escapes decoded), a formula's cached result (the formula is never evaluated), a number as written in the
/// file (exponent notation turned into plain decimals), a boolean as <c>TRUE</c>/<c>FALSE</c>, an error as its literal
/// (<c>#N/A</c>). A date is a serial number unless the column is formatted as text (docs/bulk-send.md).
/// Hostile files: XML with a DTD is refused (no entity expansion, no external resource is ever fetched), and the ZIP is
/// bounded by <see cref="XlsxLimits"/>. The stream must be seekable (a ZIP is read from its central directory at the end).
/// </summary>
public sealed class XlsxRecordReader : IRecordReader
{
    private const int MaxSheetRows = 1_048_576, MaxSheetColumns = 16_384;

    private static readonly XmlReaderSettings Xml = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        MaxCharactersFromEntities = 1024,
        CloseInput = true,
    };

    private readonly ZipArchive _zip;
    private readonly CsvLimits _limits;
    private readonly XlsxLimits _xlsx;
    private readonly string?[] _shared;
    private readonly XmlReader _sheet;
    private long _inflated;
    private bool _done;
    private bool _started;
    private int _rows;
    private int _lastRow;
    private int _width;

    public XlsxRecordReader(Stream seekable, CsvLimits limits, XlsxLimits xlsx)
    {
        _limits = limits;
        _xlsx = xlsx;
        if (ZipEntryCount(seekable) is var declared && declared > xlsx.MaxEntries)
        {
            throw Refuse($"The workbook has more than {xlsx.MaxEntries} parts; it is not a spreadsheet Sigill reads.");
        }
        try
        {
            _zip = new ZipArchive(seekable, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException or ArgumentException or IOException)
        {
            throw Refuse("The file starts like an .xlsx but is not a readable ZIP archive (damaged or cut short).");
        }
        try
        {
            if (_zip.Entries.Count > xlsx.MaxEntries) throw Refuse($"The workbook has more than {xlsx.MaxEntries} parts; it is not a spreadsheet Sigill reads.");
            if (Find("xl/workbook.xml") is null) throw Refuse("The file is a ZIP archive but not an Excel workbook (.xlsx): it has no xl/workbook.xml.");
            var relationships = ReadRelationships("xl/_rels/workbook.xml.rels");
            var sheetId = FirstSheetRelationship();
            if (sheetId is null || !relationships.TryGetValue(sheetId, out var sheet)) throw Refuse("The workbook has no worksheet.");
            if (!sheet.Type.EndsWith("/worksheet", StringComparison.Ordinal)) throw Refuse("The first sheet of the workbook is not a worksheet (a chart or dialog sheet); put the rows on the first sheet.");
            var shared = relationships.Values.FirstOrDefault(r => r.Type.EndsWith("/sharedStrings", StringComparison.Ordinal));
            _shared = shared is null ? [] : ReadSharedStrings(PartPath("xl", shared.Target));
            _sheet = Open(PartPath("xl", sheet.Target)) ?? throw Refuse("The workbook's first worksheet is missing from the file.");
            if (!Wrap(() => _sheet.ReadToFollowing("sheetData"))) _done = true;
            else if (_sheet.IsEmptyElement) _done = true;
        }
        catch (Exception e)
        {
            _sheet?.Dispose();
            _zip.Dispose();
            if (e is XmlException or InvalidDataException or IOException) throw Refuse("The workbook's parts cannot be read (damaged, or XML that is not well-formed).");
            throw;
        }
    }

    /// <summary>The sheet row (1-based, as the spreadsheet numbers it) the last record came from, for messages.</summary>
    public int Line { get; private set; }

    /// <summary>Where a refusal happened: near a sheet row, or before the sheet (the workbook's parts, its shared texts).</summary>
    private string Where => Line > 0 ? $"Near sheet row {Line}" : "In the workbook (before its first sheet row)";

    public ValueTask<string[]?> ReadAsync(CancellationToken ct)
    {
        while (!_done)
        {
            ct.ThrowIfCancellationRequested();
            var record = Wrap(ReadRow);
            if (record is null) continue;
            if (_started && ++_rows > _limits.MaxRows)
            {
                throw Refuse($"The sheet has more than {_limits.MaxRows} rows; split it into several bulk sends.");
            }
            if (!_started) _width = record.Length;
            _started = true;
            return ValueTask.FromResult<string[]?>(record);
        }
        return ValueTask.FromResult<string[]?>(null);
    }

    /// <summary>The next row element's cells, null for a blank row (and at the end, with <see cref="_done"/> set).</summary>
    private string[]? ReadRow()
    {
        var r = _sheet;
        while (true)
        {
            if (!r.Read() || (r.NodeType == XmlNodeType.EndElement && r.LocalName == "sheetData"))
            {
                _done = true;
                return null;
            }
            if (r.NodeType == XmlNodeType.Element && r.LocalName == "row") break;
        }
        var number = r.GetAttribute("r") is { } rowText
            ? int.TryParse(rowText, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > _lastRow && n <= MaxSheetRows ? n : throw Refuse($"After sheet row {_lastRow}: a row number that is out of order or not a number.")
            : _lastRow + 1;
        _lastRow = Line = number;
        if (r.IsEmptyElement) return null;
        var cells = new List<(int Column, string Value)>();
        var (column, recordChars, depth) = (-1, 0, r.Depth);
        r.Read();
        while (r.Depth > depth)
        {
            if (r.NodeType != XmlNodeType.Element || r.LocalName != "c")
            {
                if (!r.Read()) break;
                continue;
            }
            var reference = r.GetAttribute("r");
            var at = reference is null ? column + 1 : ColumnOf(reference);
            if (at <= column) throw Refuse($"Sheet row {Line}: cells out of order or a cell reference that is not in this row.");
            column = at;
            var value = ReadCell(r);
            if (value.Length == 0) continue;
            if (column >= _limits.MaxColumns) throw Refuse($"Sheet row {Line}: more than {_limits.MaxColumns} columns.");
            if (value.Length > _limits.MaxCellChars) throw Refuse($"Sheet row {Line}: a cell longer than {_limits.MaxCellChars} characters.");
            if ((recordChars += value.Length) > _limits.MaxRecordChars) throw Refuse($"Sheet row {Line}: a row longer than {_limits.MaxRecordChars} characters.");
            cells.Add((column, value));
        }
        if (cells.Count == 0) return null;
        var record = new string[Math.Max(_started ? _width : 0, cells[^1].Column + 1)];
        Array.Fill(record, "");
        foreach (var (c, v) in cells) record[c] = v;
        return record;

        int ColumnOf(string reference)
        {
            var (index, letters) = (0, 0);
            while (letters < reference.Length && reference[letters] is >= 'A' and <= 'Z')
            {
                index = index * 26 + (reference[letters++] - 'A' + 1);
                if (letters > 3) break;
            }
            var digits = reference.AsSpan(letters);
            if (letters is 0 or > 3 || index > MaxSheetColumns || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var row) || row != Line)
            {
                throw Refuse($"Sheet row {Line}: a cell reference that is not a cell of this row.");
            }
            return index - 1;
        }
    }

    /// <summary>One <c>c</c> element's value as text, the reader left past its end.</summary>
    private string ReadCell(XmlReader r)
    {
        var type = r.GetAttribute("t") ?? "n";
        string? value = null, inline = null;
        if (r.IsEmptyElement)
        {
            r.Read();
            return "";
        }
        var depth = r.Depth;
        r.Read();
        while (r.Depth > depth)
        {
            if (r.NodeType == XmlNodeType.Element && r.LocalName == "v") value = r.ReadElementContentAsString();
            else if (r.NodeType == XmlNodeType.Element && r.LocalName == "is") inline = ReadRichText(r);
            else if (r.NodeType == XmlNodeType.Element) r.Skip(); // a formula, an extension
            else if (!r.Read()) break;
        }
        r.Read(); // past the cell's end
        switch (type)
        {
            case "s":
                if (value is null) return "";
                if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index >= _shared.Length) throw Refuse($"Sheet row {Line}: a cell names a shared string the workbook does not have.");
                return _shared[index] ?? throw Refuse($"Sheet row {Line}: a cell longer than {_limits.MaxCellChars} characters.");
            case "inlineStr": return inline ?? "";
            case "str": return Unescape(value ?? "");
            case "b": return value?.Trim() switch { "1" => "TRUE", "0" => "FALSE", null or "" => "", _ => throw Refuse($"Sheet row {Line}: a boolean cell that is neither 0 nor 1.") };
            case "n": return Number(value?.Trim() ?? "");
            default: return value ?? ""; // "e" (an error literal such as #N/A) and "d" (an ISO 8601 date) as written
        }
    }

    /// <summary>A number as the file writes it; exponent notation (<c>1E-3</c>) becomes a plain decimal when it fits one.</summary>
    internal static string Number(string text)
    {
        if (text.AsSpan().IndexOfAny('E', 'e') < 0) return text;
        if (!decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return text;
        return (d / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture); // drops trailing zeros
    }

    /// <summary>The text of an <c>si</c> or <c>is</c> element (the reader left past it): its <c>t</c>, or its runs' <c>t</c> joined; phonetic runs (<c>rPh</c>) left out.</summary>
    private string ReadRichText(XmlReader r)
    {
        if (r.IsEmptyElement)
        {
            r.Read();
            return "";
        }
        var text = new StringBuilder();
        var depth = r.Depth;
        r.Read();
        while (r.Depth > depth)
        {
            if (r.NodeType == XmlNodeType.Element && r.LocalName == "t")
            {
                text.Append(r.ReadElementContentAsString());
                if (text.Length > _limits.MaxCellChars * 8) throw Refuse($"{Where}: a text longer than {_limits.MaxCellChars} characters.");
            }
            else if (r.NodeType == XmlNodeType.Element && r.LocalName is "rPh" or "phoneticPr") r.Skip();
            else if (!r.Read()) break;
        }
        r.Read(); // past the element's end
        return Unescape(text.ToString());
    }

    private string?[] ReadSharedStrings(string path)
    {
        using var r = Open(path);
        if (r is null) return [];
        var strings = new List<string?>();
        long chars = 0;
        Wrap(() =>
        {
            r.MoveToContent();
            while (!r.EOF)
            {
                if (r.NodeType != XmlNodeType.Element || r.LocalName != "si")
                {
                    r.Read();
                    continue;
                }
                if (strings.Count >= _xlsx.MaxSharedStrings) throw Refuse($"The workbook has more than {_xlsx.MaxSharedStrings} distinct texts.");
                var text = ReadRichText(r);
                if (text.Length > _limits.MaxCellChars)
                {
                    strings.Add(null); // refused only if a cell of the sheet uses it
                    continue;
                }
                if ((chars += text.Length) > _xlsx.MaxSharedStringChars) throw Refuse($"The workbook's texts are longer than {_xlsx.MaxSharedStringChars} characters in all.");
                strings.Add(text);
            }
            return true;
        });
        return [.. strings];
    }

    private sealed record Relationship(string Type, string Target);

    private Dictionary<string, Relationship> ReadRelationships(string path)
    {
        var result = new Dictionary<string, Relationship>(StringComparer.Ordinal);
        using var r = Open(path) ?? throw Refuse("The file is a ZIP archive but not an Excel workbook (.xlsx): it has no workbook relationships.");
        Wrap(() =>
        {
            while (r.Read())
            {
                if (r.NodeType != XmlNodeType.Element || r.LocalName != "Relationship") continue;
                if (r.GetAttribute("Id") is { } id && r.GetAttribute("Type") is { } type && r.GetAttribute("Target") is { } target
                    && r.GetAttribute("TargetMode") is null or "Internal" && result.Count < _xlsx.MaxEntries)
                {
                    result.TryAdd(id, new Relationship(type, target));
                }
            }
            return true;
        });
        return result;
    }

    /// <summary>The relationship id of the workbook's first <c>sheet</c> (its <c>r:id</c>, whichever prefix the file binds).</summary>
    private string? FirstSheetRelationship()
    {
        using var r = Open("xl/workbook.xml")!;
        return Wrap(() =>
        {
            while (r.Read())
            {
                if (r.NodeType != XmlNodeType.Element || r.LocalName != "sheet") continue;
                for (var more = r.MoveToFirstAttribute(); more; more = r.MoveToNextAttribute())
                {
                    if (r.LocalName == "id" && r.NamespaceURI.Contains("relationships", StringComparison.Ordinal)) return r.Value;
                }
                return null;
            }
            return null;
        });
    }

    /// <summary>A part's path in the ZIP from a relationship's target: relative to <paramref name="folder"/>, or absolute from the package root.</summary>
    internal static string PartPath(string folder, string target)
    {
        if (target.StartsWith('/')) return target[1..];
        var parts = folder.Split('/', StringSplitOptions.RemoveEmptyEntries).ToList();
        foreach (var p in target.Split('/'))
        {
            if (p == "..") { if (parts.Count > 0) parts.RemoveAt(parts.Count - 1); }
            else if (p is not ("." or "")) parts.Add(p);
        }
        return string.Join('/', parts);
    }

    private ZipArchiveEntry? Find(string path) =>
        _zip.GetEntry(path) ?? _zip.Entries.FirstOrDefault(e => string.Equals(e.FullName, path, StringComparison.OrdinalIgnoreCase));

    private XmlReader? Open(string path)
    {
        if (Find(path) is not { } entry) return null;
        Stream inflated;
        try
        {
            inflated = entry.Open();
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException or IOException)
        {
            throw Refuse("A part of the workbook cannot be unpacked (damaged, or compressed or encrypted in a way Sigill does not read).");
        }
        return XmlReader.Create(new GuardedStream(inflated, entry.CompressedLength, this), Xml);
    }

    /// <summary>Runs XML reading, turning what a broken or hostile file throws into a refusal.</summary>
    private T Wrap<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (XmlException)
        {
            throw Refuse($"{Where}: the XML is not well-formed or declares a DTD, which Sigill never reads.");
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw Refuse($"{Where}: a part of the file cannot be unpacked (damaged).");
        }
    }

    /// <summary>Excel writes characters XML cannot hold as <c>_xHHHH_</c> (and a literal <c>_x</c> as <c>_x005F_x</c>).</summary>
    private string Unescape(string text)
    {
        if (!text.Contains("_x", StringComparison.Ordinal)) return text;
        var result = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '_' && i + 6 < text.Length && text[i + 1] == 'x' && text[i + 6] == '_'
                && ushort.TryParse(text.AsSpan(i + 2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code) && !char.IsSurrogate((char)code))
            {
                if (code == 0) throw Refuse($"{Where}: a NUL character in a text.");
                result.Append((char)code);
                i += 6;
            }
            else
            {
                result.Append(text[i]);
            }
        }
        return result.ToString();
    }

    /// <summary>The entry count an End Of Central Directory record declares, read before the archive is (so a million entries never become objects).</summary>
    private static int ZipEntryCount(Stream stream)
    {
        var tail = (int)Math.Min(stream.Length, 22 + 65_535);
        var buffer = new byte[tail];
        stream.Position = stream.Length - tail;
        stream.ReadExactly(buffer);
        stream.Position = 0;
        for (var i = tail - 22; i >= 0; i--)
        {
            if (buffer[i] == 0x50 && buffer[i + 1] == 0x4B && buffer[i + 2] == 0x05 && buffer[i + 3] == 0x06)
            {
                var count = buffer[i + 10] | (buffer[i + 11] << 8);
                return count == 0xFFFF ? int.MaxValue : count; // ZIP64: more entries than any workbook needs
            }
        }
        return 0; // no record: ZipArchive refuses the file
    }

    private static SpreadsheetRejectedException Refuse(string message) => new(message);

    public void Dispose()
    {
        _sheet?.Dispose();
        _zip.Dispose();
    }

    /// <summary>
    /// The inflated bytes of one part: counted into the workbook's total, checked against the part's compressed size, and
    /// watched for a run without <c>&lt;</c> longer than <see cref="XlsxLimits.MaxXmlRunBytes"/> (so no single text or
    /// attribute value the XML reader materializes is large).
    /// </summary>
    private sealed class GuardedStream(Stream inner, long compressed, XlsxRecordReader owner) : Stream
    {
        private long _read;
        private long _run;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = inner.Read(buffer);
            var x = owner._xlsx;
            _read += n;
            if ((owner._inflated += n) > x.MaxUncompressedBytes) throw Refuse($"The workbook unpacks to more than {x.MaxUncompressedBytes} bytes.");
            if (_read > 1024 * 1024 && _read > compressed * x.MaxCompressionRatio) throw Refuse($"A part of the workbook unpacks to more than {x.MaxCompressionRatio} times its size (a ZIP bomb).");
            for (var rest = (ReadOnlySpan<byte>)buffer[..n]; ; )
            {
                var tag = rest.IndexOf((byte)'<');
                _run += tag < 0 ? rest.Length : tag;
                if (_run > x.MaxXmlRunBytes) throw Refuse($"{owner.Where}: a text or attribute in the XML longer than {x.MaxXmlRunBytes} bytes.");
                if (tag < 0) break;
                _run = 0;
                rest = rest[(tag + 1)..];
            }
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
