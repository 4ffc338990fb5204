using System.Security.Cryptography;
using Sigill.Pdf.Syntax;

namespace Sigill.Pdf.LongTerm;

/// <summary>Certificates and revocation data (DER) to put in a file's DSS.</summary>
public sealed record ValidationData(IReadOnlyList<byte[]> Certificates, IReadOnlyList<byte[]> Crls)
{
    /// <summary>What could not be found (a certificate without revocation data, a CRL that did not verify); empty for complete data.</summary>
    public IReadOnlyList<string> Gaps { get; init; } = [];
}

/// <summary>
/// Appends validation data to a PDF as an unsigned incremental revision holding a new <c>/DSS</c> (PAdES B-LT). The new
/// DSS keeps every entry of the previous one and adds only what is new (by SHA-256), so a renewal grows it rather than
/// replacing it. Being unsigned, this revision must be followed by a document timestamp for the file to stay covered.
/// </summary>
public static class DocumentSecurityStore
{
    /// <summary>The file with a DSS holding <paramref name="data"/> too; the same bytes when there is nothing new.</summary>
    public static byte[] Append(byte[] pdf, ValidationData data)
    {
        ArgumentNullException.ThrowIfNull(pdf);
        ArgumentNullException.ThrowIfNull(data);
        var file = PdfFile.Open(pdf);
        var builder = new RevisionBuilder(file);
        var existing = file.ResolveDict(file.Catalog.Get("DSS"));
        var added = 0;
        PdfArray Merge(string key, IReadOnlyList<byte[]> values)
        {
            var array = file.Resolve(existing?.Get(key)) is PdfArray old ? new PdfArray(old) : new PdfArray();
            var present = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in array)
            {
                if (file.Resolve(item) is PdfStream s)
                {
                    using var decoded = file.Decode(s);
                    present.Add(Convert.ToHexString(SHA256.HashData(decoded.Span)));
                }
            }
            foreach (var v in values)
            {
                if (!present.Add(Convert.ToHexString(SHA256.HashData(v)))) continue;
                array.Add(builder.AddStream(v));
                added++;
            }
            return array;
        }
        var dss = new PdfDict
        {
            ["Certs"] = Merge("Certs", data.Certificates),
            ["CRLs"] = Merge("CRLs", data.Crls),
        };
        if (file.Resolve(existing?.Get("OCSPs")) is PdfArray ocsps) dss.Set("OCSPs", new PdfArray(ocsps));
        if (added == 0 && existing is not null) return pdf;
        builder.SetCatalogEntry("DSS", builder.AddObject(dss));
        var appended = builder.Finish();
        var result = GC.AllocateUninitializedArray<byte>(pdf.Length + appended.Length);
        pdf.CopyTo(result, 0);
        appended.CopyTo(result, pdf.Length);
        return result;
    }
}
