using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Sigill.Api.Features.Signing;
using Sigill.Api.Features.Timestamps;
using Sigill.Api.Platform.Jobs;
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

    /// <param name="crlFromLoopback">Open loopback to the CRL fetches, where the test TSA publishes its root's CRL.</param>
    private Task<SigillApp> StartAsync(Backend backend, bool crlFromLoopback = true) => SigillApp.StartAsync(backend, JsonSerializer.Serialize(new
    {
        Timestamps = new
        {
            Servers = new[] { new { Url = _tsa.Url.AbsoluteUri } }, TrustAnchorsFile = _anchors, PublicBaseUrl = "https://sign.example.test", TimeoutSeconds = 5,
            CrlAllowedNetworks = crlFromLoopback ? new[] { "127.0.0.1/32" } : [],
        },
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

    [Fact]
    public async Task A_crl_address_in_the_tsa_certificate_that_points_into_the_installation_network_is_not_fetched()
    {
        // The TSA's root names http://127.0.0.1:…/root.crl: from a certificate, so behind the SSRF guard like a webhook.
        await using var app = await StartAsync(Backend.Sqlite, crlFromLoopback: false);
        var org = await app.SetUpOrganizationAsync("Guarded AB", "eu");
        using var sender = app.Web(org.ApiToken);
        var (id, link) = await SentAsync(app, sender, "guarded.signer@example.test");

        var signed = await SignAsync(app, link, new { typedName = "Long Term Signer" });

        Assert.Equal("completed", signed.GetProperty("documentStatus").GetString());
        Assert.Equal(3, _tsa.Requests); // the three tokens, and no CRL request
        var pdf = await sender.GetByteArrayAsync($"/api/v1/documents/{id}/sealed.pdf");
        using var root = X509Certificate2.CreateFromPem(await app.Web().GetStringAsync("/api/v1/pki/eu/root.pem"));
        var report = PdfSignatureVerifier.Verify(pdf, [root], [_tsa.Root]);
        Assert.True(report.IsValid);
        Assert.Equal("B-T", report.Level); // the seal completes; the DSS says what it lacks
        Assert.Contains(report.Signatures.SelectMany(s => s.LevelGaps), g => g.Contains("has no CRL of " + _tsa.Root.Subject, StringComparison.Ordinal));
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

    [Fact]
    public async Task A_seal_whose_tsa_is_down_waits_unless_the_organization_allows_level_b_which_is_recorded_and_shown()
    {
        await using var app = await StartAsync(Backend.Sqlite);
        var org = await app.SetUpOrganizationAsync("Impatient AB", "eu");
        using var sender = app.Web(org.ApiToken);

        // Off by default: the signer's timestamp comes back, the seal's does not, and the document waits for a retry.
        var (waiting, waitingLink) = await SentAsync(app, sender, "waiting.signer@example.test");
        _tsa.AnswerOnly(1);
        var signed = await SignAsync(app, waitingLink, new { typedName = "Long Term Signer" });
        Assert.NotEqual("completed", signed.GetProperty("documentStatus").GetString());
        using (var notYet = await sender.GetAsync($"/api/v1/documents/{waiting}/sealed.pdf"))
        {
            Assert.NotEqual(HttpStatusCode.OK, notYet.StatusCode);
        }

        // The organization allows level B: the next document seals at once, at B, and says so.
        var settings = await OkJsonAsync(await sender.PatchAsJsonAsync("/api/v1/organizations/current", new { sealWithoutTimestamp = true }));
        Assert.True(settings.GetProperty("sealWithoutTimestamp").GetBoolean());
        var (id, link) = await SentAsync(app, sender, "impatient.signer@example.test");
        _tsa.AnswerOnly(1);
        signed = await SignAsync(app, link, new { typedName = "Long Term Signer" });

        Assert.Equal("completed", signed.GetProperty("documentStatus").GetString());
        var pdf = await sender.GetByteArrayAsync($"/api/v1/documents/{id}/sealed.pdf");
        using var root = X509Certificate2.CreateFromPem(await app.Web().GetStringAsync("/api/v1/pki/eu/root.pem"));
        var report = PdfSignatureVerifier.Verify(pdf, [root], [_tsa.Root]);
        Assert.True(report.IsValid);
        Assert.Equal("B", report.Level);
        var activity = await sender.GetStringAsync($"/api/v1/documents/{id}/activity");
        Assert.Contains("document.sealed_without_timestamp", activity, StringComparison.Ordinal); // the page reads "Sealed without a trusted timestamp"
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

    [Fact]
    public async Task The_daily_renewal_job_re_timestamps_a_due_document_once_and_a_tsa_outage_fails_the_job_without_touching_the_file()
    {
        await using var app = await StartAsync(Backend.Sqlite);
        var org = await app.SetUpOrganizationAsync("Archive Daily AB", "eu");
        using var sender = app.Web(org.ApiToken);
        var (id, link) = await SentAsync(app, sender, "daily.signer@example.test");
        await SignAsync(app, link, new { typedName = "Long Term Signer" });
        var sealedPdf = await sender.GetByteArrayAsync($"/api/v1/documents/{id}/sealed.pdf");
        await app.StopServerAsync();

        // As an API node runs it: the scheduler enqueues one job per cell per day, a worker runs it on a fake clock.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var cells = TestCells.Open(app.DataDirectory, time);
        var cell = cells.Get("eu");
        var options = new TimestampOptions
        {
            Servers = [new TimestampServerOptions { Url = _tsa.Url.AbsoluteUri }], TrustAnchorsFile = _anchors, TimeoutSeconds = 5,
            CrlAllowedNetworks = ["127.0.0.1/32"],
            RenewBeforeExpiryDays = 3650, // the test TSA's certificate expires in five years: every sealed document is due
        };
        var keys = new SigningKeys(TimeProvider.System, options); // the TSA's tokens carry the real time, and the client checks them against it
        var jobs = new JobOptions { BaseBackoff = TimeSpan.FromSeconds(10), MaxBackoff = TimeSpan.FromSeconds(20) };
        var scheduler = new ArchiveRenewalScheduler(cells, options, jobs, time, NullLogger<ArchiveRenewalScheduler>.Instance);
        var worker = new JobWorker(cell, [new ArchiveRenewalJobHandler(keys, options, NullLogger<ArchiveRenewalJobHandler>.Instance)], jobs, time, NullLogger.Instance);
        await using (var db = cell.CreateDbContext())
        {
            // The app's own node scheduled today's job, and after 03:00 UTC already ran it (renewing nothing: its
            // configuration keeps the default 180 days). One job per cell per day: clear it so this node's is today's.
            await db.Jobs.Where(j => j.Kind == ArchiveRenewalJobHandler.JobKind).ExecuteDeleteAsync();
        }
        await scheduler.ScheduleDueAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromDays(1)); // whatever the hour, today's 03:00 job is due

        Assert.Equal(1, await worker.DrainAsync(10, CancellationToken.None));
        var renewed = await CurrentPdfAsync(cell, id);
        Assert.Equal(sealedPdf, renewed.AsSpan(0, sealedPdf.Length).ToArray()); // a new revision on top of the sealed file
        using var root = X509CertificateLoader.LoadCertificate((await keys.RootAsync(cell, CancellationToken.None)).RawData);
        var report = PdfSignatureVerifier.Verify(renewed, [root], [_tsa.Root]);
        Assert.True(report.IsValid);
        Assert.Equal(2, report.Signatures.Count(s => s.Kind == "document timestamp"));
        await using (var db = cell.CreateDbContext())
        {
            Assert.Equal(1, await db.DocumentEvents.CountAsync(e => e.DocumentId == id && e.Action == "document.timestamp_renewed"));
        }

        // The next day the TSA is down: the job fails (the queue retries it, a dead letter alerts) and the file stays as it was.
        _tsa.Fault = TsaFault.Down;
        await scheduler.ScheduleDueAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(1, await worker.DrainAsync(10, CancellationToken.None));
        await using (var db = cell.CreateDbContext())
        {
            var job = await db.Jobs.AsNoTracking().Where(j => j.Kind == ArchiveRenewalJobHandler.JobKind).OrderByDescending(j => j.CreatedAt).FirstAsync();
            Assert.NotEqual(JobState.Succeeded, job.State);
            Assert.Contains("could not be renewed", job.LastError, StringComparison.Ordinal);
            Assert.Equal(1, await db.DocumentEvents.CountAsync(e => e.DocumentId == id && e.Action == "document.timestamp_renewed"));
        }
        Assert.Equal(renewed, await CurrentPdfAsync(cell, id));
    }

    [Fact]
    public async Task A_renewal_killed_midway_leaves_every_document_either_unchanged_or_fully_renewed()
    {
        await using var app = await StartAsync(Backend.Sqlite);
        var org = await app.SetUpOrganizationAsync("Interrupted Archive AB", "eu");
        using var sender = app.Web(org.ApiToken);
        var sealedPdfs = new Dictionary<string, byte[]>();
        for (var i = 0; i < 4; i++)
        {
            var (id, link) = await SentAsync(app, sender, $"kill{i}.signer@example.test");
            await SignAsync(app, link, new { typedName = "Long Term Signer" });
            sealedPdfs[id] = await sender.GetByteArrayAsync($"/api/v1/documents/{id}/sealed.pdf");
        }

        // Each document costs the TSA two requests (its root's CRL, the document timestamp): kill -9 once the second
        // document is under way, whatever it is doing at that instant.
        var asked = _tsa.Requests;
        await using (var renew = SigillProcess.Start("pdf", "renew", "--data", app.DataDirectory, "--config", app.ConfigFile!, "--all"))
        {
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (_tsa.Requests < asked + 3 && DateTime.UtcNow < deadline) await Task.Delay(2);
            await renew.KillAsync();
        }

        using var root = X509Certificate2.CreateFromPem(await app.Web().GetStringAsync("/api/v1/pki/eu/root.pem"));
        var outcomes = new List<string>();
        foreach (var (id, sealedPdf) in sealedPdfs)
        {
            var current = await sender.GetByteArrayAsync($"/api/v1/documents/{id}/sealed.pdf");
            var renewals = JsonDocument.Parse(await sender.GetStringAsync($"/api/v1/documents/{id}/activity")).RootElement.EnumerateArray()
                .Count(e => e.GetProperty("action").GetString() == "document.timestamp_renewed");
            if (renewals == 0)
            {
                Assert.Equal(sealedPdf, current); // untouched
                outcomes.Add("unchanged");
                continue;
            }
            Assert.Equal(1, renewals);
            Assert.Equal(sealedPdf, current.AsSpan(0, sealedPdf.Length).ToArray());
            var report = PdfSignatureVerifier.Verify(current, [root], [_tsa.Root]);
            Assert.True(report.IsValid);
            Assert.Equal(2, report.Signatures.Count(s => s.Kind == "document timestamp"));
            outcomes.Add("renewed");
        }
        Assert.Contains("unchanged", outcomes); // the kill came before the end
    }

    private static async Task<byte[]> CurrentPdfAsync(Sigill.Api.Platform.Cells.Cell cell, string id)
    {
        await using var db = cell.CreateDbContext();
        return await Sigill.Api.Features.Documents.DocumentWorkflow.ReadPdfAsync(cell, await db.Documents.SingleAsync(d => d.Id == id), CancellationToken.None);
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
