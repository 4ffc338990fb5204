using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using Sigill.Pdf.Revocation;
using Sigill.Pdf.Timestamps;

namespace Sigill.Pdf.LongTerm;

/// <summary>
/// Gathers what a DSS must hold for every signature and timestamp in a file to be checked without the network
/// later (PAdES B-LT): each signer's and each TSA's certificate path, and for every certificate in those paths
/// but the root a CRL of its issuer, checked against the issuer's key before it is kept.
/// </summary>
public static class LongTermValidation
{
    public static async Task<ValidationData> CollectAsync(byte[] pdf, IRevocationSource revocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pdf);
        ArgumentNullException.ThrowIfNull(revocation);
        var entries = SignatureEntries.Read(pdf);
        var pool = SignatureEntries.Certificates(entries, DssContents.Read(pdf));
        var leaves = SignatureEntries.Signers(entries, pool);
        var certificates = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var crls = new Dictionary<string, byte[]>(StringComparer.Ordinal); // by issuer thumbprint: one CRL covers every certificate it issued
        var gaps = new List<string>();
        foreach (var leaf in leaves)
        {
            var path = SignatureEntries.PathOf(leaf, pool);
            for (var i = 0; i < path.Count; i++)
            {
                certificates.TryAdd(path[i].Thumbprint, path[i].RawData);
                if (i + 1 >= path.Count) break; // the root: anchors are trusted, not revoked
                var issuer = path[i + 1];
                if (crls.ContainsKey(issuer.Thumbprint)) continue;
                var der = await revocation.GetCrlAsync(path[i], issuer, cancellationToken);
                if (der is not null && Crl.TryParse(der) is { } crl && crl.IsSignedBy(issuer))
                {
                    crls[issuer.Thumbprint] = der;
                }
                else
                {
                    gaps.Add(der is null ? $"no CRL could be had for {path[i].Subject}" : $"the CRL fetched for {path[i].Subject} does not verify under {issuer.Subject}");
                }
            }
        }
        return new ValidationData([.. certificates.Values], [.. crls.Values]) { Gaps = gaps.Distinct(StringComparer.Ordinal).ToList() };
    }

    /// <summary>
    /// Makes a file B-LTA: a DSS with the validation data of every signature and timestamp, then a document timestamp
    /// over the whole file. Returns the new file and what the DSS still lacks.
    /// </summary>
    public static async Task<(byte[] Pdf, IReadOnlyList<string> Gaps)> ExtendAsync(byte[] pdf, IRevocationSource revocation, ITimestampAuthority tsa,
        CancellationToken cancellationToken)
    {
        var data = await CollectAsync(pdf, revocation, cancellationToken);
        var withDss = DocumentSecurityStore.Append(pdf, data);
        return (await IncrementalSigner.TimestampDocumentAsync(withDss, tsa, cancellationToken), data.Gaps);
    }

    /// <summary>
    /// The self-signed CA certificates a file carries (signatures, timestamp tokens, DSS): what a verifier without a
    /// pinned root can fall back on, proving integrity but not origin.
    /// </summary>
    public static IReadOnlyList<X509Certificate2> EmbeddedRoots(byte[] pdf)
    {
        ArgumentNullException.ThrowIfNull(pdf);
        return SignatureEntries.Certificates(SignatureEntries.Read(pdf), DssContents.Read(pdf))
            .Where(c => c.SubjectName.RawData.AsSpan().SequenceEqual(c.IssuerName.RawData) && c.Extensions["2.5.29.19"] is X509BasicConstraintsExtension { CertificateAuthority: true })
            .ToList();
    }

    /// <summary>The signers' certificates of the file's CAdES signatures, in signing order.</summary>
    public static IReadOnlyList<X509Certificate2> SignerCertificates(byte[] pdf)
    {
        ArgumentNullException.ThrowIfNull(pdf);
        return SignatureEntries.Read(pdf).Select(e => e.Cms()).OfType<SignedCms>()
            .Where(c => c.SignerInfos.Count == 1 && c.SignerInfos[0].Certificate is not null).Select(c => c.SignerInfos[0].Certificate!).ToList();
    }
}
