using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace Sigill.Pdf.LongTerm;

/// <summary>Where the revocation data of a certificate comes from when Sigill gathers validation data.</summary>
public interface IRevocationSource
{
    /// <summary>A DER CRL of <paramref name="issuer"/> that covers <paramref name="certificate"/>, or null when this source has none.</summary>
    Task<byte[]?> GetCrlAsync(X509Certificate2 certificate, X509Certificate2 issuer, CancellationToken cancellationToken);
}

/// <summary>
/// Fetches a certificate's CRL from the http(s) addresses of its CRL distribution points (RFC 5280 §4.2.1.13), the way
/// an external TSA publishes its own. Bounded in time and size; a CRL is only ever used after it verifies under the
/// issuer's key (<see cref="LongTermValidation"/> checks), so a tampered download is dropped, not embedded.
/// </summary>
public sealed class HttpCrlSource(HttpClient http, TimeSpan timeout, int maxBytes = 4 * 1024 * 1024) : IRevocationSource
{
    public async Task<byte[]?> GetCrlAsync(X509Certificate2 certificate, X509Certificate2 issuer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        foreach (var url in DistributionPoints(certificate))
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(timeout);
            try
            {
                using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, limit.Token);
                if (!response.IsSuccessStatusCode || response.Content.Headers.ContentLength > maxBytes) continue;
                await using var stream = await response.Content.ReadAsStreamAsync(limit.Token);
                using var buffer = new MemoryStream();
                var chunk = new byte[81920];
                int read;
                while ((read = await stream.ReadAsync(chunk, limit.Token)) > 0)
                {
                    buffer.Write(chunk, 0, read);
                    if (buffer.Length > maxBytes) break;
                }
                if (buffer.Length <= maxBytes) return buffer.ToArray();
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Too slow: the next address, or no data (a gap the caller reports).
            }
            catch (HttpRequestException)
            {
                // Unreachable: as above.
            }
        }
        return null;
    }

    // CRLDistributionPoints ::= SEQUENCE OF DistributionPoint
    // DistributionPoint ::= SEQUENCE { distributionPoint [0] CHOICE { fullName [0] GeneralNames, … } OPTIONAL, … }
    // GeneralName uniformResourceIdentifier [6] IA5String
    public static IReadOnlyList<Uri> DistributionPoints(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var result = new List<Uri>();
        if (certificate.Extensions["2.5.29.31"] is not { } ext) return result;
        try
        {
            var points = new AsnReader(ext.RawData, AsnEncodingRules.DER).ReadSequence();
            while (points.HasData)
            {
                var point = points.ReadSequence();
                if (!point.HasData || !point.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0, true))) continue;
                var name = point.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true));
                if (!name.HasData || !name.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0, true))) continue;
                var full = name.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true));
                while (full.HasData)
                {
                    var tag = full.PeekTag();
                    if (tag.HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 6)))
                    {
                        var text = full.ReadCharacterString(UniversalTagNumber.IA5String, new Asn1Tag(TagClass.ContextSpecific, 6));
                        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)) result.Add(uri);
                    }
                    else
                    {
                        full.ReadEncodedValue();
                    }
                }
            }
        }
        catch (AsnContentException)
        {
            // A malformed extension: no addresses.
        }
        return result;
    }
}

/// <summary>
/// CRLs Sigill holds itself (the region CA's current CRL, built on the spot): the one signed by the issuer, if any.
/// Needs no network, so a region's own certificates always get their revocation data.
/// </summary>
public sealed class CrlSetSource(IEnumerable<byte[]> crls) : IRevocationSource
{
    private readonly List<Revocation.Crl> _crls = crls.Select(c => Revocation.Crl.TryParse(c)).OfType<Revocation.Crl>().ToList();

    public Task<byte[]?> GetCrlAsync(X509Certificate2 certificate, X509Certificate2 issuer, CancellationToken cancellationToken) =>
        Task.FromResult(_crls.FirstOrDefault(c => c.IsSignedBy(issuer))?.Der);
}

/// <summary>Asks each source in order; the first CRL wins (local ones first, then the network).</summary>
public sealed class FirstRevocationSource(params IRevocationSource[] sources) : IRevocationSource
{
    public async Task<byte[]?> GetCrlAsync(X509Certificate2 certificate, X509Certificate2 issuer, CancellationToken cancellationToken)
    {
        foreach (var s in sources)
        {
            if (await s.GetCrlAsync(certificate, issuer, cancellationToken) is { } der) return der;
        }
        return null;
    }
}
