using System.Globalization;
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
/// <summary>
/// An opened PDF: the merged cross-reference of every revision (newest entry wins), the newest
/// trailer, and lazy object access including objects inside object streams. It reads only what
/// is asked for; nothing is parsed up front beyond the xref chain.
/// <para>
/// Every decode and every parsed value is charged to one <see cref="ReadBudget"/> for the file. Decoded
/// object streams are kept only up to <see cref="MaxHeldObjectStreamBytes"/> together (older ones are
/// dropped and decoded again, at a charge, if asked for), and nothing outlives the instance.
/// </para>
/// </summary>
internal sealed class PdfFile
{
    /// <summary>Highest object number (ISO 32000-1 Annex C, the implementation limit for indirect objects).</summary>
    public const int MaxObjectNumber = 8_388_607;

    /// <summary>Most cross-reference entries one file may have; memory grows with each.</summary>
    public const int MaxObjects = 500_000;

    /// <summary>Decoded object streams kept for reuse, at most this many bytes together.</summary>
    public const long MaxHeldObjectStreamBytes = 16L * 1024 * 1024;

    private const int MaxRevisions = 1000;

    /// <summary>How many objects may be loading at once: /Length and object-stream references nest.</summary>
    private const int MaxNestedLoads = 16;

    private readonly Dictionary<int, object>? _cache;
    private readonly Dictionary<int, ObjectStream> _objectStreams = [];
    private readonly HashSet<int> _loading = [];
    private long _heldBytes;

    private PdfFile(byte[] data, ReadBudget budget, bool cacheObjects)
    {
        Data = data;
        Budget = budget;
        _cache = cacheObjects ? [] : null;
    }

    public byte[] Data { get; }

    public ReadBudget Budget { get; }

    public Dictionary<int, XrefEntry> Xref { get; } = [];

    public PdfDict Trailer { get; private set; } = new();

    /// <summary>Offset named by the final startxref.</summary>
    public long StartXref { get; private set; }

    /// <summary>Whether the newest cross-reference section is an xref stream.</summary>
    public bool XrefIsStream { get; private set; }

    public int Size => (int)Math.Clamp((Trailer.Get("Size") as PdfNumber)?.AsLong() ?? 0, 0, MaxObjectNumber + 1);

    /// <summary>
    /// Opens a file by its cross-reference chain. Without a budget the default limits apply, so no use of
    /// this class decodes without bounds; <paramref name="cacheObjects"/> false keeps no parsed object
    /// (for reading a file once, whose objects may be large).
    /// </summary>
    public static PdfFile Open(byte[] data, ReadBudget? budget = null, bool cacheObjects = true)
    {
        var file = new PdfFile(data, budget ?? new ReadBudget(PdfLimits.Default, data.Length), cacheObjects);
        file.ReadXrefChain();
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
        if (offset < 0 || offset >= Data.Length) throw new PdfFormatException("cross-reference offset outside the file");
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
                    !int.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out var count) ||
                    (long)startNum + count - 1 > MaxObjectNumber)
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
                    Add(startNum + i, kind == "n" ? new XrefEntry(XrefKind.Offset, o, g) : new XrefEntry(XrefKind.Free, 0, g));
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
        // The standard requires every entry of a cross-reference stream's dictionary to be direct.
        if (dict.Get("W") is not PdfArray { Count: 3 } w || w.Any(x => x is not PdfNumber))
        {
            throw new PdfFormatException("xref stream without a valid /W");
        }
        var widths = w.Select(x => ((PdfNumber)x).AsLong()).ToArray();
        var rowLength = (int)widths.Sum(x => x is < 0 or > 8 ? throw new PdfFormatException("xref stream /W out of range") : x);
        if (rowLength == 0) throw new PdfFormatException("xref stream /W gives rows no bytes");
        var size = dict.Get("Size") is PdfNumber sz ? sz.AsLong() : throw new PdfFormatException("xref stream without /Size");
        if (size is < 0 or > MaxObjectNumber + 1L) throw new PdfFormatException("xref stream /Size out of range");
        long[] index = dict.Get("Index") switch
        {
            null => [0, size],
            PdfArray { Count: > 0 } idx when idx.Count % 2 == 0 && idx.All(x => x is PdfNumber) => idx.Select(x => ((PdfNumber)x).AsLong()).ToArray(),
            _ => throw new PdfFormatException("xref stream /Index is not pairs of numbers"),
        };
        long rows = 0;
        for (var s = 0; s < index.Length; s += 2)
        {
            if (index[s] < 0 || index[s + 1] < 0 || index[s] + index[s + 1] - 1 > MaxObjectNumber)
            {
                throw new PdfFormatException("xref stream /Index out of range");
            }
            rows += index[s + 1];
        }
        using var held = Decode(stream, resolveFilters: false);
        var data = held.Array;
        if (rows * rowLength > held.Length) throw new PdfFormatException("xref stream shorter than its /Index");
        var pos = 0;
        for (var s = 0; s < index.Length; s += 2)
        {
            for (var i = 0; i < index[s + 1]; i++)
            {
                var type = widths[0] == 0 ? 1 : ReadField(data, pos, (int)widths[0]);
                var f2 = ReadField(data, pos + (int)widths[0], (int)widths[1]);
                var f3 = ReadField(data, pos + (int)(widths[0] + widths[1]), (int)widths[2]);
                pos += rowLength;
                var num = (int)(index[s] + i);
                Add(num, type switch
                {
                    0 => new XrefEntry(XrefKind.Free, 0, 0),
                    1 => new XrefEntry(XrefKind.Offset, f2, (int)Math.Min(f3, int.MaxValue)),
                    2 when f2 is >= 0 and <= MaxObjectNumber => new XrefEntry(XrefKind.Compressed, f2, (int)Math.Min(f3, int.MaxValue)),
                    2 => throw new PdfFormatException($"object {num} is in an object stream numbered out of range"),
                    _ => new XrefEntry(XrefKind.Free, 0, 0),
                });
            }
        }
        return (dict, true);
    }

    /// <summary>Adds an entry unless a newer revision already gave one (sections are read newest first).</summary>
    private void Add(int number, XrefEntry entry)
    {
        if (Xref.ContainsKey(number)) return;
        if (Xref.Count >= MaxObjects) throw PdfRejectedException.TooComplex($"The PDF has more than {MaxObjects} objects.");
        Xref[number] = entry;
    }

    /// <summary>A big-endian field of 0–8 bytes; 8-byte values that do not fit a long are saturated.</summary>
    private static long ReadField(byte[] data, int pos, int width)
    {
        ulong v = 0;
        for (var i = 0; i < width; i++) v = (v << 8) | data[pos + i];
        return v > long.MaxValue ? long.MaxValue : (long)v;
    }

    /// <summary>Reads "N G obj … endobj" at an offset.</summary>
    public (PdfRef Ref, object Value) ReadIndirectAt(long offset) => ReadIndirectAt(offset, out _);

    /// <summary>
    /// Reads "N G obj … endobj" at an offset; <paramref name="end"/> is where the object (its stream data
    /// included) ends or, if it cannot be read, how far reading it went: the caller counts that work.
    /// </summary>
    public (PdfRef Ref, object Value) ReadIndirectAt(long offset, out int end)
    {
        if (offset < 0 || offset >= Data.Length) throw new PdfFormatException($"object offset {offset} is outside the file");
        var lexer = new PdfLexer(Data, (int)offset, budget: Budget);
        end = (int)offset;
        try
        {
            var result = ReadIndirect(lexer, offset, ref end);
            end = Math.Max(end, lexer.Position);
            return result;
        }
        catch (PdfFormatException)
        {
            end = Math.Max(end, lexer.Position);
            throw;
        }
    }

    private (PdfRef Ref, object Value) ReadIndirect(PdfLexer lexer, long offset, ref int end)
    {
        if (!lexer.TryReadUnsigned(out var n) || !lexer.TryReadUnsigned(out var g))
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
                long length = dict.Get("Length") switch
                {
                    PdfNumber len => len.AsLong(),
                    PdfRef r when r.Number != n && Resolve(r) is PdfNumber len => len.AsLong(),
                    _ => -1,
                };
                if (length < 0 || length > Data.Length - p || !FollowedByEndstream(p + (int)length))
                {
                    // A wrong /Length: the data ends at the next "endstream", as readers that repair files assume.
                    var e = IndexOf(Data, "endstream"u8, p, Data.Length - p);
                    if (e < 0)
                    {
                        end = Data.Length;
                        throw new PdfFormatException($"stream of object {n} has no end");
                    }
                    length = e - p;
                    while (length > 0 && Data[p + length - 1] is 10 or 13) length--;
                }
                end = p + (int)length;
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
        if (_cache is not null && _cache.TryGetValue(number, out var cached)) return cached;
        if (!Xref.TryGetValue(number, out var entry)) return null;
        // An object whose reading needs itself (a /Length or an object stream that refers back) would
        // otherwise recurse until the stack is gone.
        if (!_loading.Add(number)) throw new PdfFormatException($"object {number} is defined through itself");
        try
        {
            if (_loading.Count > MaxNestedLoads) throw new PdfFormatException("objects refer to each other too deeply");
            object? value = entry.Kind switch
            {
                XrefKind.Offset => ReadIndirectAt(entry.Value).Value,
                XrefKind.Compressed => ReadFromObjectStream((int)entry.Value, number),
                _ => null,
            };
            if (value is not null) _cache?.Add(number, value);
            return value;
        }
        finally
        {
            _loading.Remove(number);
        }
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

    private object? ReadFromObjectStream(int streamNumber, int number)
    {
        if (!_objectStreams.TryGetValue(streamNumber, out var os))
        {
            if (!Xref.TryGetValue(streamNumber, out var se) || se.Kind != XrefKind.Offset)
            {
                throw new PdfFormatException($"object stream {streamNumber} is missing or inside an object stream");
            }
            if (GetObject(streamNumber) is not PdfStream stream || stream.Dict.GetName("Type") != "ObjStm")
            {
                throw new PdfFormatException($"object {streamNumber} is not an object stream");
            }
            os = ObjectStream.Parse(stream.Dict, Decode(stream), Budget);
            if (_heldBytes + os.Length > MaxHeldObjectStreamBytes)
            {
                foreach (var old in _objectStreams.Values) old.Dispose();
                _objectStreams.Clear();
                _heldBytes = 0;
            }
            _objectStreams[streamNumber] = os;
            _heldBytes += os.Length;
        }
        return os.Find(number);
    }

    /// <summary>Decodes a stream Sigill parses (object streams, its own helpers' content), charged to this file's budget; the caller disposes it.</summary>
    public HeldBytes Decode(PdfStream stream) => Decode(stream, resolveFilters: true);

    private HeldBytes Decode(PdfStream stream, bool resolveFilters) => StreamDecoder.Decode(stream, resolveFilters ? this : null, Budget);

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
