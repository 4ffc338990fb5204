using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Sigill.Pdf;
using Sigill.Pdf.LongTerm;
using Sigill.Pdf.Revocation;
using Sigill.Tests.Infrastructure;
using Sigill.Tests.Support;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Documents;

/// <summary>
/// Timestamps, B-LTA seals, the region CRL and revocation through the real hosts, with OpenSSL as the TSA, on both backends.
/// Each test has its own app: each has its own TSA (whose requests it counts).
/// </summary>
public sealed class LongTermSigningTests : IDisposable
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(90);
    private readonly OpenSslTsa _tsa = new();
    private readonly string _anchors = Path.Combine(Path.GetTempPath(), $"sigill-tsa-roots-{Guid.NewGuid():N}.pem");

    public LongTermSigningTests() => File.WriteAllText(_anchors, _tsa.Root.ExportCertificatePem());

    private Task<SigillApp> StartAsync(Backend backend) => SigillApp.StartAsync(backend, JsonSerializer.Serialize(new
    {
        Timestamps = new { Servers = new[] { new { Url = _tsa.Url.AbsoluteUri } }, TrustAnchorsFile = _anchors, PublicBaseUrl = "https://sign.example.test", TimeoutSeconds = 5 },
    }));

    /// <summary>A sent document with one signer; returns its id and the signer's link.</summary>
    private static async Task<(string Id, string Link)> SentAsync(SigillApp app, HttpClient sender, string email)
    {
        var doc = await UploadOkAsync(sender, "Lease " + email, SamplePdf("Long-term lease", pages: 1));
        var id = doc.GetProperty("id").GetString()!;
        var recipient = await AddRecipientAsync(sender, id, "Long Term Signer", email);
        await AddFieldAsync(sender, id, recipient, "signature", 100);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { message = "Please sign", expiresInDays = 7 });
        return (id, LinkFor(app.DataDirectory, "eu", email));
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_completed_document_is_sealed_at_b_lta_and_its_certificates_point_at_the_crl_the_web_tier_serves(Backend backend)
    {
        await using var app = await StartAsync(backend);
        var org = await app.SetUpOrganizationAsync("Archive AB", "eu");
        using var sender = app.Web(org.ApiToken);
        var (id, link) = await SentAsync(app, sender, "archive.signer@example.test");

        var signed = await SignAsync(app, link, new { typedName = "Long Term Signer" });

        Assert.Equal("completed", signed.GetProperty("documentStatus").GetString());
        var pdf = await sender.GetByteArrayAsync($"/api/v1/documents/{id}/sealed.pdf");
        using var root = X509Certificate2.CreateFromPem(await app.Web().GetStringAsync("/api/v1/pki/eu/root.pem"));
        var report = PdfSignatureVerifier.Verify(pdf, [root], [_tsa.Root]);
        Assert.True(report.IsValid, string.Join("; ", report.Signatures.SelectMany(s => s.Problems.Concat(s.LevelGaps))));
        Assert.Equal("B-LTA", report.Level);
        Assert.Equal(["signature", "signature", "document timestamp"], report.Signatures.Select(s => s.Kind));
        Assert.Equal(4, _tsa.Requests); // the signer's, the seal's, the document timestamp, and the CRL of the TSA's root

        // The organization's certificate names the CRL at the public host; the web tier serves that CRL, signed by the root.
        var leaf = PdfSignatureVerifierTestAccess.SignerCertificates(pdf).First();
        Assert.Equal(["https://sign.example.test/pki/eu/ca.crl"], HttpCrlSource.DistributionPoints(leaf).Select(u => u.AbsoluteUri));
        using var crlResponse = await app.Web().GetAsync("/pki/eu/ca.crl");
        Assert.Equal(HttpStatusCode.OK, crlResponse.StatusCode);
        Assert.Equal("application/pkix-crl", crlResponse.Content.Headers.ContentType?.MediaType);
        var crl = Crl.TryParse(await crlResponse.Content.ReadAsByteArrayAsync());
        Assert.True(crl is not null && crl.IsSignedBy(root));
        Assert.Null(crl.RevokedAt(leaf.SerialNumberBytes.Span));
        Assert.Equal(root.RawData, await app.Web().GetByteArrayAsync("/pki/eu/ca.cer"));
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_tsa_that_is_down_refuses_the_signature_and_stores_nothing_until_it_answers_again(Backend backend)
    {
        await using var app = await StartAsync(backend);
        var org = await app.SetUpOrganizationAsync("Patient GmbH", "eu");
        using var sender = app.Web(org.ApiToken);
        var (id, link) = await SentAsync(app, sender, "patient.signer@example.test");
        _tsa.Fault = TsaFault.Down;

        using var recipient = app.Web();
        await recipient.GetAsync($"/api/v1/signing/{link}/document.pdf");
        await PostJsonAsync(recipient, $"/api/v1/signing/{link}/consent", new { accept = true });
        using var refused = await PostJsonAsync(recipient, $"/api/v1/signing/{link}/sign", new { typedName = "Long Term Signer" });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("timestamp_unavailable", await ProblemCodeAsync(refused));
        var view = JsonDocument.Parse(await sender.GetStringAsync($"/api/v1/documents/{id}")).RootElement;
        Assert.Equal("sent", view.GetProperty("status").GetString());
        Assert.NotEqual("signed", view.GetProperty("recipients")[0].GetProperty("status").GetString());

        _tsa.Fault = TsaFault.None;
        using var accepted = await PostJsonAsync(recipient, $"/api/v1/signing/{link}/sign", new { typedName = "Long Term Signer" });
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var pdf = await sender.GetByteArrayAsync($"/api/v1/documents/{id}/sealed.pdf");
        using var root = X509Certificate2.CreateFromPem(await app.Web().GetStringAsync("/api/v1/pki/eu/root.pem"));
        Assert.Equal("B-LTA", PdfSignatureVerifier.Verify(pdf, [root], [_tsa.Root]).Level);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_revoked_organization_certificate_is_on_the_next_crl_refuses_later_signatures_and_verify_flags_its_documents(Backend backend)
    {
        await using var app = await StartAsync(backend);
        var org = await app.SetUpOrganizationAsync("Revoked Oy", "eu");
        using var sender = app.Web(org.ApiToken);
        var (first, firstLink) = await SentAsync(app, sender, "first.signer@example.test");
        await SignAsync(app, firstLink, new { typedName = "Long Term Signer" });
        var (_, secondLink) = await SentAsync(app, sender, "second.signer@example.test");

        var revoke = await SigillProcess.RunAsync(Generous, "keys", "revoke-signing", "--data", app.DataDirectory, "--config", app.ConfigFile!, "--org", org.OrganizationId);

        Assert.True(revoke.ExitCode == 0, revoke.Stderr);
        Assert.Contains("revoked; it is on the CRL at /pki/eu/ca.crl", revoke.Stdout, StringComparison.Ordinal);
        using var root = X509Certificate2.CreateFromPem(await app.Web().GetStringAsync("/api/v1/pki/eu/root.pem"));
        var crl = Crl.TryParse(await app.Web().GetByteArrayAsync("/pki/eu/ca.crl"))!;
        Assert.True(crl.IsSignedBy(root));
        var sealedPdf = await sender.GetByteArrayAsync($"/api/v1/documents/{first}/sealed.pdf");
        var leaf = PdfSignatureVerifierTestAccess.SignerCertificates(sealedPdf).First();
        Assert.NotNull(crl.RevokedAt(leaf.SerialNumberBytes.Span));

        using var recipient = app.Web();
        await recipient.GetAsync($"/api/v1/signing/{secondLink}/document.pdf");
        await PostJsonAsync(recipient, $"/api/v1/signing/{secondLink}/consent", new { accept = true });
        using var refused = await PostJsonAsync(recipient, $"/api/v1/signing/{secondLink}/sign", new { typedName = "Long Term Signer" });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("signing_certificate_revoked", await ProblemCodeAsync(refused));

        // The sealed file's own DSS predates the revocation: renewing it embeds the new CRL, and verify then flags the
        // revocation; the signatures stay valid, since their timestamps prove they were made before it.
        var renew = await SigillProcess.RunAsync(Generous, "pdf", "renew", "--data", app.DataDirectory, "--config", app.ConfigFile!, "--document", first);
        Assert.True(renew.ExitCode == 0, renew.Stdout + renew.Stderr);
        Assert.Contains("region eu: 1 of 1 completed documents renewed", renew.Stdout, StringComparison.Ordinal);
        var renewed = await sender.GetByteArrayAsync($"/api/v1/documents/{first}/sealed.pdf");
        Assert.Equal(sealedPdf, renewed.AsSpan(0, sealedPdf.Length).ToArray());
        var path = Path.Combine(app.DataDirectory, "..", "renewed.pdf");
        await File.WriteAllBytesAsync(path, renewed);
        var rootPath = Path.Combine(app.DataDirectory, "..", "root.pem");
        await File.WriteAllTextAsync(rootPath, root.ExportCertificatePem());
        var verify = await SigillProcess.RunAsync(Generous, "pdf", "verify", path, "--root", rootPath, "--tsa-root", _anchors);
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        Assert.True(verify.Stdout.Contains("note: CN=Revoked Oy", StringComparison.Ordinal), verify.Stdout);
        Assert.Contains("after the timestamped time", verify.Stdout, StringComparison.Ordinal);
        Assert.Contains("level: B-LTA", verify.Stdout, StringComparison.Ordinal);
        var activity = await sender.GetStringAsync($"/api/v1/documents/{first}/activity");
        Assert.Contains("document.timestamp_renewed", activity, StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> PostJsonAsync(HttpClient client, string path, object body) =>
        client.PostAsync(path, new StringContent(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json"));

    public void Dispose()
    {
        _tsa.Dispose();
        File.Delete(_anchors);
    }
}

/// <summary>The signers' certificates of a PDF, in signing order (through the library's own reader).</summary>
internal static class PdfSignatureVerifierTestAccess
{
    public static IReadOnlyList<X509Certificate2> SignerCertificates(byte[] pdf) => LongTermValidation.SignerCertificates(pdf);
}
