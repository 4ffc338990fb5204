using System.Globalization;
using System.IO.Compression;

namespace Sigill.Pdf.Syntax;

/// <summary>
/// Collects the changes of one appended revision: replaced catalog, page and AcroForm objects
/// (copy-on-write), imported objects from PDFsharp-rendered helper documents, and at most one
/// signature dictionary whose /ByteRange and /Contents are left as fixed-width placeholders.
/// </summary>
internal sealed class RevisionBuilder
{
    // "/ByteRange [" + this many spaces + "]" is later filled with "0 a b c".
    private const int ByteRangeWidth = 4 * 11;

    private readonly PdfFile _file;
    private readonly IncrementalUpdate _update;
    private readonly Dictionary<int, PdfDict> _replaced = [];
    private readonly Dictionary<int, PageInfo> _pages = [];

    public RevisionBuilder(PdfFile file)
    {
        _file = file;
        _update = new IncrementalUpdate(file);
        PageCount = file.PageCount;
    }

    public PdfFile File => _file;

    public int PageCount { get; private set; }

    private PageInfo Page(int index)
    {
        if (index < 0 || index >= PageCount)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"page {index} does not exist ({PageCount} pages)");
        }
        if (!_pages.TryGetValue(index, out var page)) _pages[index] = page = _file.GetPage(index);
        return page;
    }

    /// <summary>Offset (in the final file) of the '[' of the ByteRange placeholder, or -1.</summary>
    public long ByteRangeOffset { get; private set; } = -1;

    /// <summary>Offset of the '&lt;' opening the /Contents placeholder, or -1.</summary>
    public long ContentsOffset { get; private set; } = -1;

    /// <summary>Number of hex digits reserved inside /Contents.</summary>
    public int ContentsHexLength { get; private set; }

    public static int ByteRangePlaceholderLength => ByteRangeWidth + 2;

    private PdfDict Mutable(PdfRef r)
    {
        if (_replaced.TryGetValue(r.Number, out var d)) return d;
        var src = _file.ResolveDict(r) ?? throw new PdfFormatException($"object {r.Number} is not a dictionary");
        if (_file.GetObject(r.Number) is PdfStream) throw new PdfFormatException($"object {r.Number} is a stream");
        d = new PdfDict(src);
        _replaced[r.Number] = d;
        return d;
    }

    private PdfDict PageDict(int pageIndex) => Mutable(Page(pageIndex).Ref);

    /// <summary>The AcroForm, made indirect and mutable, with every existing field name.</summary>
    private PdfDict AcroForm()
    {
        var catalog = Mutable(_file.RootRef);
        switch (catalog.Get("AcroForm"))
        {
            case PdfRef r:
                return Mutable(r);
            case PdfDict inline:
                {
                    var copy = new PdfDict(inline);
                    var n = _update.Allocate();
                    _replaced[n] = copy;
                    catalog.Set("AcroForm", new PdfRef(n, 0));
                    return copy;
                }
            default:
                {
                    var fresh = new PdfDict { ["Fields"] = new PdfArray() };
                    var n = _update.Allocate();
                    _replaced[n] = fresh;
                    catalog.Set("AcroForm", new PdfRef(n, 0));
                    return fresh;
                }
        }
    }

    private HashSet<string> FieldNames(PdfArray fields)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var seen = new HashSet<int>();
        void Walk(object item, string prefix, int depth)
        {
            if (depth > 32) return;
            if (item is PdfRef r && !seen.Add(r.Number)) return;
            var d = _file.ResolveDict(item);
            if (d is null) return;
            var name = d.Get("T") is PdfString t ? t.DecodeText() : null;
            var full = name is null ? prefix : prefix.Length == 0 ? name : prefix + "." + name;
            if (name is not null) names.Add(full);
            if (_file.Resolve(d.Get("Kids")) is PdfArray kids)
            {
                foreach (var k in kids) Walk(k, full, depth + 1);
            }
        }
        foreach (var f in fields) Walk(f, "", 0);
        return names;
    }

    /// <summary>Adds a signature field (invisible widget) and a signature dictionary with placeholders.</summary>
    public void AddSignature(SignatureRequest request, int contentsBytes)
    {
        ArgumentNullException.ThrowIfNull(request);
        AddSignatureField(request.FieldName, request.PageIndex, contentsBytes, () =>
        {
            _update.WriteAscii("<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/M");
            _update.Serialize(PdfString.FromText(PdfDate(request.SigningTime)));
            WriteOptionalText("Name", request.SignerName);
            WriteOptionalText("Reason", request.Reason);
            WriteOptionalText("Location", request.Location);
            WriteOptionalText("ContactInfo", request.ContactInfo);
        });
    }

    /// <summary>
    /// Adds a document timestamp (ISO 32000-2 §12.8.5, PAdES B-LTA): a signature field whose dictionary is
    /// <c>/Type/DocTimeStamp/SubFilter/ETSI.RFC3161</c> and whose /Contents will be a bare RFC 3161 token.
    /// </summary>
    public void AddDocumentTimestamp(string fieldName, int contentsBytes) =>
        AddSignatureField(fieldName, 0, contentsBytes, () => _update.WriteAscii("<</Type/DocTimeStamp/Filter/Adobe.PPKLite/SubFilter/ETSI.RFC3161"));

    /// <summary>The first field name of the form <c>{prefix} {n}</c> not used yet (n from 1).</summary>
    public string FreeFieldName(string prefix)
    {
        var acro = _file.ResolveDict(_file.Catalog.Get("AcroForm"));
        var names = _file.Resolve(acro?.Get("Fields")) is PdfArray fields ? FieldNames(fields) : [];
        for (var n = 1; ; n++)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"{prefix} {n}");
            if (!names.Contains(name)) return name;
        }
    }

    /// <summary>Sets a key of the document catalog in this revision.</summary>
    public void SetCatalogEntry(string key, object value) => Mutable(_file.RootRef).Set(key, value);

    /// <summary>A new indirect object holding <paramref name="value"/>.</summary>
    public PdfRef AddObject(PdfDict value)
    {
        var n = _update.Allocate();
        _replaced[n] = value;
        return new PdfRef(n, 0);
    }

    /// <summary>A new stream object with <paramref name="data"/> (compressed with its Adler-32 when large enough).</summary>
    public PdfRef AddStream(ReadOnlySpan<byte> data)
    {
        var n = _update.Allocate();
        WriteCompressedStream(n, new PdfDict(), data);
        return new PdfRef(n, 0);
    }

    private void AddSignatureField(string fieldName, int pageIndex, int contentsBytes, Action writeHead)
    {
        if (ContentsOffset >= 0) throw new InvalidOperationException("one signature per revision");
        var acro = AcroForm();
        var fields = _file.Resolve(acro.Get("Fields")) is PdfArray existing ? new PdfArray(existing) : new PdfArray();
        if (FieldNames(fields).Contains(fieldName))
        {
            throw new ArgumentException($"a field named '{fieldName}' already exists", nameof(fieldName));
        }
        var pageRef = Page(pageIndex).Ref;
        var page = PageDict(pageIndex);

        var sigNumber = _update.Allocate();
        var widgetNumber = _update.Allocate();
        var widget = new PdfDict
        {
            ["Type"] = new PdfName("Annot"),
            ["Subtype"] = new PdfName("Widget"),
            ["FT"] = new PdfName("Sig"),
            ["T"] = PdfString.FromText(fieldName),
            ["V"] = new PdfRef(sigNumber, 0),
            ["P"] = pageRef,
            ["Rect"] = new PdfArray([new PdfNumber(0), new PdfNumber(0), new PdfNumber(0), new PdfNumber(0)]),
            ["F"] = new PdfNumber(132), // Print | Locked
        };
        _replaced[widgetNumber] = widget;

        var annots = _file.Resolve(page.Get("Annots")) is PdfArray a ? new PdfArray(a) : new PdfArray();
        annots.Add(new PdfRef(widgetNumber, 0));
        page.Set("Annots", annots);
        fields.Add(new PdfRef(widgetNumber, 0));
        acro.Set("Fields", fields);
        acro.Set("SigFlags", new PdfNumber(3)); // SignaturesExist | AppendOnly

        // The signature dictionary is written by hand so the placeholders have known offsets.
        _update.BeginObject(sigNumber);
        writeHead();
        _update.WriteAscii("/ByteRange ");
        ByteRangeOffset = _update.Position;
        _update.WriteAscii("[" + new string(' ', ByteRangeWidth) + "]");
        _update.WriteAscii("/Contents ");
        ContentsOffset = _update.Position;
        ContentsHexLength = contentsBytes * 2;
        var zeros = new byte[ContentsHexLength + 2];
        zeros.AsSpan().Fill((byte)'0');
        zeros[0] = (byte)'<';
        zeros[^1] = (byte)'>';
        _update.WriteRaw(zeros);
        _update.WriteAscii(">>\nendobj\n");
    }

    private void WriteOptionalText(string key, string? value)
    {
        if (string.IsNullOrEmpty(value)) return;
        _update.WriteAscii("/" + key);
        _update.Serialize(PdfString.FromText(value));
    }

    public static string PdfDate(DateTimeOffset time)
    {
        var u = time.ToUniversalTime();
        return "D:" + u.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "+00'00'";
    }

    /// <summary>Appends every page of a helper PDF as new last pages of the document (one /Kids entry each).</summary>
    public void AppendPages(PdfFile source)
    {
        var map = new Dictionary<int, int>();
        var rootPagesRef = _file.Catalog.Get("Pages") as PdfRef? ?? throw new PdfFormatException("no page tree");
        var root = Mutable(rootPagesRef);
        var kids = _file.Resolve(root.Get("Kids")) is PdfArray k ? new PdfArray(k) : new PdfArray();
        var count = (_file.Resolve(root.Get("Count")) as PdfNumber)?.AsLong() ?? PageCount;
        foreach (var srcPage in source.GetPages())
        {
            var page = new PdfDict
            {
                ["Type"] = new PdfName("Page"),
                ["Parent"] = rootPagesRef,
                ["MediaBox"] = Import(source, srcPage.MediaBox ?? new PdfArray([new PdfNumber(0), new PdfNumber(0), new PdfNumber(595), new PdfNumber(842)]), map),
            };
            if (srcPage.Dict.Get("Resources") is { } res) page.Set("Resources", Import(source, res, map));
            if (srcPage.Dict.Get("Contents") is { } contents) page.Set("Contents", Import(source, contents, map));
            var pageNumber = _update.Allocate();
            _replaced[pageNumber] = page;
            kids.Add(new PdfRef(pageNumber, 0));
            count++;
            _pages[PageCount++] = new PageInfo(new PdfRef(pageNumber, 0), page, page.Get("MediaBox") as PdfArray);
        }
        root.Set("Kids", kids);
        root.Set("Count", new PdfNumber(count));
    }

    /// <summary>
    /// Draws the first page of a helper PDF (sized to the stamp) into a rectangle of a page: the helper
    /// becomes a Form XObject, and the page gets two extra content streams that isolate the
    /// existing drawing state ("q" before, "Q … Do" after).
    /// </summary>
    public void AddStamp(int pageIndex, PdfFile source, double x, double yFromTop, double height)
    {
        var page = PageDict(pageIndex);
        var info = Page(pageIndex);
        var box = info.MediaBox?.Select(v => v is PdfNumber n ? n.AsDouble() : 0).ToArray() ?? [0, 0, 612, 792];
        var srcPage = source.GetPages()[0];
        var (w, h) = srcPage.Size;
        var map = new Dictionary<int, int>();

        // Form XObject = the helper page's concatenated content with its resources.
        var content = new MemoryStream();
        var srcContents = source.Resolve(srcPage.Dict.Get("Contents"));
        foreach (var item in srcContents is PdfArray arr ? arr.ToArray() : [srcPage.Dict.Get("Contents")!])
        {
            if (source.Resolve(item) is PdfStream s)
            {
                using var decoded = source.Decode(s);
                content.Write(decoded.Span);
                content.WriteByte((byte)'\n');
            }
        }
        var form = new PdfDict
        {
            ["Type"] = new PdfName("XObject"),
            ["Subtype"] = new PdfName("Form"),
            ["BBox"] = new PdfArray([new PdfNumber(0), new PdfNumber(0), PdfNumber.Of(w), PdfNumber.Of(h)]),
        };
        if (srcPage.Dict.Get("Resources") is { } res) form.Set("Resources", Import(source, res, map));
        var formNumber = _update.Allocate();
        WriteCompressedStream(formNumber, form, content.ToArray());

        // Give this page its own resource dictionary (resources may be shared between pages).
        var resources = _file.ResolveDict(page.Get("Resources")) is { } r ? new PdfDict(r) : new PdfDict();
        var xobjects = _file.ResolveDict(resources.Get("XObject")) is { } xo ? new PdfDict(xo) : new PdfDict();
        var name = "SigillStamp" + formNumber.ToString(CultureInfo.InvariantCulture);
        xobjects.Set(name, new PdfRef(formNumber, 0));
        resources.Set("XObject", xobjects);
        page.Set("Resources", resources);

        var left = box[0] + x;
        var bottom = box[3] - yFromTop - height;
        var before = _update.Allocate();
        var after = _update.Allocate();
        _update.WriteStream(before, new PdfDict(), "q\n"u8);
        var draw = string.Create(CultureInfo.InvariantCulture, $"Q\nq 1 0 0 1 {left:0.###} {bottom:0.###} cm /{name} Do Q\n");
        _update.WriteStream(after, new PdfDict(), System.Text.Encoding.ASCII.GetBytes(draw));
        var existing = _file.Resolve(page.Get("Contents"));
        var list = new PdfArray { new PdfRef(before, 0) };
        if (existing is PdfArray ea) list.AddRange(ea);
        else if (page.Get("Contents") is { } single) list.Add(single);
        list.Add(new PdfRef(after, 0));
        page.Set("Contents", list);
    }

    /// <summary>Deep-copies an object graph from another file, renumbering references (never following /Parent).</summary>
    private object Import(PdfFile source, object value, Dictionary<int, int> map, int depth = 0)
    {
        if (depth > 64) throw new PdfFormatException("imported object graph too deep");
        switch (value)
        {
            case PdfRef r:
                {
                    if (map.TryGetValue(r.Number, out var mapped)) return new PdfRef(mapped, 0);
                    var n = _update.Allocate();
                    map[r.Number] = n;
                    var target = source.GetObject(r.Number);
                    if (target is PdfStream s)
                    {
                        var dict = (PdfDict)Import(source, s.Dict, map, depth + 1);
                        dict.Remove("Length");
                        if (dict.ContainsKey("Filter") || dict.ContainsKey("DecodeParms"))
                        {
                            _update.WriteStream(n, dict, s.RawData.Span);
                        }
                        else
                        {
                            WriteCompressedStream(n, dict, s.RawData.Span);
                        }
                    }
                    else
                    {
                        _update.WriteObject(n, target is null ? PdfKeyword.Null : Import(source, target, map, depth + 1));
                    }
                    return new PdfRef(n, 0);
                }
            case PdfDict d:
                {
                    var copy = new PdfDict();
                    foreach (var (k, v) in d)
                    {
                        if (k == "Parent") continue;
                        copy.Add(k, Import(source, v, map, depth + 1));
                    }
                    return copy;
                }
            case PdfArray a:
                return new PdfArray(a.Select(v => Import(source, v, map, depth + 1)));
            default:
                return value;
        }
    }

    private void WriteCompressedStream(int number, PdfDict dict, ReadOnlySpan<byte> data)
    {
        if (data.Length < 128)
        {
            _update.WriteStream(number, dict, data);
            return;
        }
        // Our own zlib stream (with its Adler-32), so qpdf --check stays quiet.
        using var ms = new MemoryStream();
        using (var z = new ZLibStream(ms, CompressionLevel.Fastest, leaveOpen: true)) z.Write(data);
        var d = new PdfDict(dict) { ["Filter"] = new PdfName("FlateDecode") };
        _update.WriteStream(number, d, ms.GetBuffer().AsSpan(0, (int)ms.Length));
    }

    /// <summary>Writes every replaced object and the cross-reference section; returns the appended bytes.</summary>
    public byte[] Finish()
    {
        foreach (var (number, dict) in _replaced.OrderBy(kv => kv.Key))
        {
            var gen = _file.Xref.TryGetValue(number, out var e) && e.Kind == XrefKind.Offset ? e.Generation : 0;
            _update.WriteObject(number, dict, gen);
        }
        return _update.Finish();
    }
}
