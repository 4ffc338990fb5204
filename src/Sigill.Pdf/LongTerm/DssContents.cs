using Sigill.Pdf.Syntax;

namespace Sigill.Pdf.LongTerm;

/// <summary>
/// The document security store of a file's newest revision (ETSI EN 319 142-1 §5.4, ISO 32000-2 §12.8.4.3):
/// <c>/DSS &lt;&lt;/Certs [streams of DER certificates] /CRLs [streams of DER CRLs] /OCSPs [...]&gt;&gt;</c> in the catalog.
/// </summary>
internal sealed record DssContents(List<byte[]> Certificates, List<byte[]> Crls, List<byte[]> Ocsps, long Offset)
{
    public static readonly DssContents Empty = new([], [], [], -1);

    public static DssContents Read(PdfFile file)
    {
        var dssValue = file.Catalog.Get("DSS");
        if (file.ResolveDict(dssValue) is not { } dss) return Empty;
        var offset = dssValue is PdfRef r && file.Xref.TryGetValue(r.Number, out var e) && e.Kind == XrefKind.Offset ? e.Value : -1;
        return new DssContents(Streams(file, dss, "Certs"), Streams(file, dss, "CRLs"), Streams(file, dss, "OCSPs"), offset);
    }

    public static DssContents Read(byte[] pdf)
    {
        try
        {
            return Read(PdfFile.Open(pdf));
        }
        catch (Exception e) when (e is PdfFormatException or PdfRejectedException)
        {
            return Empty;
        }
    }

    private static List<byte[]> Streams(PdfFile file, PdfDict dss, string key)
    {
        var result = new List<byte[]>();
        if (file.Resolve(dss.Get(key)) is not PdfArray items) return result;
        foreach (var item in items)
        {
            if (file.Resolve(item) is PdfStream s)
            {
                using var data = file.Decode(s);
                result.Add(data.Span.ToArray());
            }
        }
        return result;
    }
}
