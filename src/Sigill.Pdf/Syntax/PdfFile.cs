using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Sigill.Pdf.Syntax;

internal enum XrefKind { Free, Offset, Compressed }

/// <summary>Type 1: offset of "N G obj". Type 2: object stream number and index in it.</summary>
internal readonly record struct XrefEntry(XrefKind Kind, long Value, int Generation);

/// <summary>
/// An opened PDF: the merged cross-reference of every revision (newest entry wins), the newest
/// trailer, and lazy object access including objects inside object streams. It reads only what
/// is asked for; nothing is parsed up front beyond the xref chain.
/// </summary>
internal sealed class PdfFile
{
    private const int MaxRevisions = 1000;
    private readonly Dictionary<int, object> _cache = [];
    private readonly Dictionary<int, (byte[] Data, int First, Dictionary<int, int> Offsets)> _objectStreams = [];

    private PdfFile(byte[] data) => Data = data;

    public byte[] Data { get; }

    public Dictionary<int, XrefEntry> Xref { get; } = [];

    public PdfDict Trailer { get; private set; } = new();

    /// <summary>Offset named by the final startxref.</summary>
    public long StartXref { get; private set; }

    /// <summary>Whether the newest cross-reference section is an xref stream.</summary>
    public bool XrefIsStream { get; private set; }

    public int Size => (int)((Trailer.Get("Size") as PdfNumber)?.AsLong() ?? 0);

    public static PdfFile Open(byte[] data)
    {
        var file = new PdfFile(data);
        try
        {
            file.ReadXrefChain();
        }
        catch (PdfFormatException)
        {
            throw;
        }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or InvalidDataException or OverflowException or FormatException)
        {
            throw new PdfFormatException("the cross-reference data is damaged", e);
        }
        return file;
    }

    private void ReadXrefChain()
    {
        if (Data.Length < 16 || IndexOf(Data, "%PDF-"u8, 0, Math.Min(Data.Length, 1024)) < 0)
        {
            throw new PdfFormatException("not a PDF file (no %PDF- header)");
        }
        var tailStart = Math.Max(0, Data.Length - 2048);
        var sx = LastIndexOf(Data, "startxref"u8, tailStart);
        if (sx < 0) throw new PdfFormatException("no startxref");
        var lexer = new PdfLexer(Data, sx + 9);
        var offsetToken = lexer.ReadRegular();
        if (!long.TryParse(offsetToken, NumberStyles.None, CultureInfo.InvariantCulture, out var startXref) || startXref >= Data.Length)
        {
            throw new PdfFormatException("startxref points outside the file");
        }
        StartXref = startXref;

        var visited = new HashSet<long>();
        long? next = startXref;
        var first = true;
        while (next is { } offset)
        {
            if (!visited.Add(offset) || visited.Count > MaxRevisions) throw new PdfFormatException("cross-reference chain loops");
            if (offset < 0 || offset >= Data.Length) throw new PdfFormatException("cross-reference offset outside the file");
            var (trailer, isStream) = ReadXrefSection(offset);
            if (first)
            {
                Trailer = trailer;
                XrefIsStream = isStream;
                first = false;
            }
            if (!isStream && trailer.Get("XRefStm") is PdfNumber hybrid && visited.Add(hybrid.AsLong()))
            {
                ReadXrefSection(hybrid.AsLong());
            }
            next = trailer.Get("Prev") is PdfNumber prev ? prev.AsLong() : null;
        }
        if (Trailer.Get("Root") is not PdfRef) throw new PdfFormatException("the trailer has no /Root");
    }

    private (PdfDict Trailer, bool IsStream) ReadXrefSection(long offset)
    {
        var lexer = new PdfLexer(Data, (int)offset);
        if (lexer.TryReadKeyword("xref"))
        {
            while (true)
            {
                var save = lexer.Position;
                var a = lexer.ReadRegular();
                if (a == "trailer") break;
                var b = lexer.ReadRegular();
                if (!int.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out var startNum) ||
                    !int.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 0)
                {
                    throw new PdfFormatException($"bad xref subsection header at offset {save}");
                }
                for (var i = 0; i < count; i++)
                {
                    var off = lexer.ReadRegular();
                    var gen = lexer.ReadRegular();
                    var kind = lexer.ReadRegular();
                    if (!long.TryParse(off, NumberStyles.None, CultureInfo.InvariantCulture, out var o) ||
                        !int.TryParse(gen, NumberStyles.None, CultureInfo.InvariantCulture, out var g) || kind is not ("n" or "f"))
                    {
                        throw new PdfFormatException($"bad xref entry near offset {lexer.Position}");
                    }
                    var num = startNum + i;
                    if (!Xref.ContainsKey(num))
                    {
                        Xref[num] = kind == "n" ? new XrefEntry(XrefKind.Offset, o, g) : new XrefEntry(XrefKind.Free, 0, g);
                    }
                }
            }
            if (lexer.ReadObject() is not PdfDict trailer) throw new PdfFormatException("trailer is not a dictionary");
            return (trailer, false);
        }

        var (_, obj) = ReadIndirectAt(offset);
        if (obj is not PdfStream stream || stream.Dict.GetName("Type") != "XRef")
        {
            throw new PdfFormatException("startxref does not point to a cross-reference section");
        }
        var dict = stream.Dict;
        var data = DecodeStream(stream);
        if (dict.Get("W") is not PdfArray w || w.Count != 3) throw new PdfFormatException("xref stream without /W");
        var widths = w.Select(x => (int)((PdfNumber)x).AsLong()).ToArray();
        if (widths.Any(x => x is < 0 or > 8)) throw new PdfFormatException("xref stream /W out of range");
        var rowLength = widths.Sum();
        var size = (int)((dict.Get("Size") as PdfNumber)?.AsLong() ?? 0);
        var index = dict.Get("Index") is PdfArray idx
            ? idx.Select(x => (int)((PdfNumber)x).AsLong()).ToArray()
            : [0, size];
        var pos = 0;
        for (var s = 0; s + 1 < index.Length; s += 2)
        {
            for (var i = 0; i < index[s + 1]; i++)
            {
                if (pos + rowLength > data.Length) throw new PdfFormatException("xref stream shorter than its /Index");
                var type = widths[0] == 0 ? 1 : ReadField(data, pos, widths[0]);
                var f2 = ReadField(data, pos + widths[0], widths[1]);
                var f3 = ReadField(data, pos + widths[0] + widths[1], widths[2]);
                pos += rowLength;
                var num = index[s] + i;
                if (Xref.ContainsKey(num)) continue;
                Xref[num] = type switch
                {
                    0 => new XrefEntry(XrefKind.Free, 0, (int)f3),
                    1 => new XrefEntry(XrefKind.Offset, f2, (int)f3),
                    2 => new XrefEntry(XrefKind.Compressed, f2, (int)f3),
                    _ => new XrefEntry(XrefKind.Free, 0, 0),
                };
            }
        }
        return (dict, true);
    }

    private static long ReadField(byte[] data, int pos, int width)
    {
        long v = 0;
        for (var i = 0; i < width; i++) v = (v << 8) | data[pos + i];
        return v;
    }

    /// <summary>Reads "N G obj … endobj" at an offset.</summary>
    public (PdfRef Ref, object Value) ReadIndirectAt(long offset)
    {
        var lexer = new PdfLexer(Data, (int)offset);
        var num = lexer.ReadRegular();
        var gen = lexer.ReadRegular();
        if (!int.TryParse(num, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ||
            !int.TryParse(gen, NumberStyles.None, CultureInfo.InvariantCulture, out var g))
        {
            throw new PdfFormatException($"no object header at offset {offset}");
        }
        lexer.ExpectKeyword("obj");
        var value = lexer.ReadObject();
        if (value is PdfDict dict)
        {
            var save = lexer.Position;
            if (lexer.TryReadKeyword("stream"))
            {
                var p = lexer.Position;
                if (p < Data.Length && Data[p] == '\r') p++;
                if (p < Data.Length && Data[p] == '\n') p++;
                var length = dict.Get("Length") switch
                {
                    PdfNumber len => len.AsLong(),
                    PdfRef r when r.Number != n && Resolve(r) is PdfNumber len => len.AsLong(),
                    _ => -1,
                };
                if (length < 0 || p + length > Data.Length || !FollowedByEndstream(p + (int)length))
                {
                    var e = IndexOf(Data, "endstream"u8, p, Data.Length - p);
                    if (e < 0) throw new PdfFormatException($"stream of object {n} has no end");
                    length = e - p;
                    while (length > 0 && Data[p + length - 1] is 10 or 13) length--;
                }
                return (new PdfRef(n, g), new PdfStream(dict, Data, p, (int)length));
            }
            lexer.Position = save;
        }
        return (new PdfRef(n, g), value);
    }

    private bool FollowedByEndstream(int p)
    {
        while (p < Data.Length && PdfLexer.IsWhite(Data[p])) p++;
        return p + 9 <= Data.Length && Data.AsSpan(p, 9).SequenceEqual("endstream"u8);
    }

    public object? GetObject(int number)
    {
        if (_cache.TryGetValue(number, out var cached)) return cached;
        if (!Xref.TryGetValue(number, out var entry)) return null;
        object? value = entry.Kind switch
        {
            XrefKind.Offset => ReadIndirectAt(entry.Value).Value,
            XrefKind.Compressed => ReadFromObjectStream((int)entry.Value, entry.Generation, number),
            _ => null,
        };
        if (value is not null) _cache[number] = value;
        return value;
    }

    public object? Resolve(object? value, int depth = 0)
    {
        while (value is PdfRef r)
        {
            if (++depth > 32) throw new PdfFormatException("reference chain too long");
            value = GetObject(r.Number);
        }
        return value;
    }

    public PdfDict? ResolveDict(object? value) => Resolve(value) switch
    {
        PdfDict d => d,
        PdfStream s => s.Dict,
        _ => null,
    };

    private object? ReadFromObjectStream(int streamNumber, int index, int number)
    {
        if (!_objectStreams.TryGetValue(streamNumber, out var os))
        {
            if (Xref.TryGetValue(streamNumber, out var se) && se.Kind != XrefKind.Offset)
            {
                throw new PdfFormatException("object stream inside an object stream");
            }
            if (GetObject(streamNumber) is not PdfStream stream || stream.Dict.GetName("Type") != "ObjStm")
            {
                throw new PdfFormatException($"object {streamNumber} is not an object stream");
            }
            var data = DecodeStream(stream);
            var n = (int)((stream.Dict.Get("N") as PdfNumber)?.AsLong() ?? 0);
            var first = (int)((stream.Dict.Get("First") as PdfNumber)?.AsLong() ?? 0);
            var lexer = new PdfLexer(data, 0, Math.Min(first, data.Length));
            var offsets = new Dictionary<int, int>();
            for (var i = 0; i < n; i++)
            {
                var num = int.Parse(lexer.ReadRegular(), NumberStyles.None, CultureInfo.InvariantCulture);
                var off = int.Parse(lexer.ReadRegular(), NumberStyles.None, CultureInfo.InvariantCulture);
                offsets.TryAdd(num, off);
            }
            os = (data, first, offsets);
            _objectStreams[streamNumber] = os;
        }
        if (!os.Offsets.TryGetValue(number, out var offset)) return null;
        return new PdfLexer(os.Data, os.First + offset).ReadObject();
    }

    /// <summary>Decodes FlateDecode (with PNG predictors) or unfiltered streams; enough for xref and object streams.</summary>
    public static byte[] DecodeStream(PdfStream stream, long maxOutput = 256L * 1024 * 1024)
    {
        var filter = stream.Dict.Get("Filter");
        if (filter is PdfArray fa) filter = fa.Count switch { 0 => null, 1 => fa[0], _ => throw new PdfFormatException("chained filters are not supported here") };
        byte[] data;
        if (filter is null)
        {
            data = stream.RawData.ToArray();
        }
        else if (filter is PdfName { Value: "FlateDecode" })
        {
            using var input = new MemoryStream(stream.RawData.ToArray(), writable: false);
            using var z = new ZLibStream(input, CompressionMode.Decompress);
            using var output = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while ((read = z.Read(buffer)) > 0)
            {
                output.Write(buffer, 0, read);
                if (output.Length > maxOutput) throw new PdfFormatException("stream expands beyond the limit");
            }
            data = output.ToArray();
        }
        else
        {
            throw new PdfFormatException($"unsupported filter {filter}");
        }
        if (stream.Dict.Get("DecodeParms") is PdfDict parms && parms.Get("Predictor") is PdfNumber pred && pred.AsLong() >= 10)
        {
            var columns = (int)((parms.Get("Columns") as PdfNumber)?.AsLong() ?? 1);
            data = PngUnpredict(data, columns);
        }
        return data;
    }

    private static byte[] PngUnpredict(byte[] data, int columns)
    {
        if (columns <= 0) throw new PdfFormatException("bad predictor columns");
        var rows = data.Length / (columns + 1);
        var result = new byte[rows * columns];
        var prev = new byte[columns];
        for (var r = 0; r < rows; r++)
        {
            var type = data[r * (columns + 1)];
            var row = result.AsSpan(r * columns, columns);
            data.AsSpan(r * (columns + 1) + 1, columns).CopyTo(row);
            for (var i = 0; i < columns; i++)
            {
                var left = i > 0 ? row[i - 1] : 0;
                var up = prev[i];
                var upLeft = i > 0 ? prev[i - 1] : 0;
                row[i] = type switch
                {
                    0 => row[i],
                    1 => (byte)(row[i] + left),
                    2 => (byte)(row[i] + up),
                    3 => (byte)(row[i] + ((left + up) >> 1)),
                    4 => (byte)(row[i] + Paeth(left, up, upLeft)),
                    _ => throw new PdfFormatException("bad PNG predictor"),
                };
            }
            row.CopyTo(prev);
        }
        return result;
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        var pa = Math.Abs(p - a);
        var pb = Math.Abs(p - b);
        var pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    public PdfRef RootRef => (PdfRef)Trailer["Root"];

    public PdfDict Catalog => ResolveDict(RootRef) ?? throw new PdfFormatException("the catalog is missing");

    /// <summary>Every page in order, with its inherited MediaBox.</summary>
    public List<PageInfo> GetPages()
    {
        var pages = new List<PageInfo>();
        if (Catalog.Get("Pages") is not PdfRef root) throw new PdfFormatException("the catalog has no page tree");
        var seen = new HashSet<int>();
        Walk(root, null, 0);
        return pages;

        void Walk(PdfRef node, PdfArray? inheritedBox, int depth)
        {
            if (depth > 64 || !seen.Add(node.Number)) throw new PdfFormatException("the page tree loops");
            var dict = ResolveDict(node) ?? throw new PdfFormatException($"page tree node {node.Number} is missing");
            var box = Resolve(dict.Get("MediaBox")) as PdfArray ?? inheritedBox;
            if (dict.GetName("Type") == "Pages" || dict.ContainsKey("Kids"))
            {
                if (Resolve(dict.Get("Kids")) is not PdfArray kids) throw new PdfFormatException("page tree node without /Kids");
                foreach (var kid in kids)
                {
                    if (kid is PdfRef k) Walk(k, box, depth + 1);
                }
            }
            else
            {
                pages.Add(new PageInfo(node, dict, box));
            }
        }
    }

    /// <summary>Number of pages, from the root node's /Count.</summary>
    public int PageCount
    {
        get
        {
            var root = ResolveDict(Catalog.Get("Pages")) ?? throw new PdfFormatException("the catalog has no page tree");
            return (int)((Resolve(root.Get("Count")) as PdfNumber)?.AsLong() ?? throw new PdfFormatException("the page tree has no /Count"));
        }
    }

    /// <summary>
    /// One page by zero-based index, descending by each node's /Count so only the nodes on the
    /// way are parsed (a 500-page flat tree costs one page object, not 500).
    /// </summary>
    public PageInfo GetPage(int index)
    {
        if (Catalog.Get("Pages") is not PdfRef node) throw new PdfFormatException("the catalog has no page tree");
        PdfArray? box = null;
        var remaining = index;
        for (var depth = 0; depth < 64; depth++)
        {
            var dict = ResolveDict(node) ?? throw new PdfFormatException($"page tree node {node.Number} is missing");
            box = Resolve(dict.Get("MediaBox")) as PdfArray ?? box;
            if (Resolve(dict.Get("Kids")) is not PdfArray kids) throw new PdfFormatException("page tree node without /Kids");
            PdfRef? next = null;
            foreach (var kid in kids)
            {
                if (kid is not PdfRef k) continue;
                var kd = ResolveDict(k) ?? throw new PdfFormatException($"page {k.Number} is missing");
                if (kd.GetName("Type") == "Pages" || kd.ContainsKey("Kids"))
                {
                    var count = (int)((Resolve(kd.Get("Count")) as PdfNumber)?.AsLong() ?? 0);
                    if (remaining < count) { next = k; break; }
                    remaining -= count;
                }
                else if (remaining-- == 0)
                {
                    return new PageInfo(k, kd, Resolve(kd.Get("MediaBox")) as PdfArray ?? box);
                }
            }
            node = next ?? throw new ArgumentOutOfRangeException(nameof(index), $"page {index} does not exist");
        }
        throw new PdfFormatException("the page tree is too deep");
    }

    public static int IndexOf(byte[] data, ReadOnlySpan<byte> pattern, int start, int count)
    {
        var i = data.AsSpan(start, count).IndexOf(pattern);
        return i < 0 ? -1 : start + i;
    }

    public static int LastIndexOf(byte[] data, ReadOnlySpan<byte> pattern, int start)
    {
        var i = data.AsSpan(start).LastIndexOf(pattern);
        return i < 0 ? -1 : start + i;
    }

    public static string Ascii(ReadOnlySpan<byte> bytes) => Encoding.ASCII.GetString(bytes);
}

internal sealed record PageInfo(PdfRef Ref, PdfDict Dict, PdfArray? MediaBox)
{
    public (double Width, double Height) Size
    {
        get
        {
            if (MediaBox is not { Count: 4 }) return (612, 792);
            var v = MediaBox.Select(x => x is PdfNumber n ? n.AsDouble() : 0).ToArray();
            return (Math.Abs(v[2] - v[0]), Math.Abs(v[3] - v[1]));
        }
    }
}
