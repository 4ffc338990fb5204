using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Sigill.Pdf;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Documents;

/// <summary>The signing flow on both backends; the tests share one app per backend (each makes its own organization).</summary>
public sealed class SigningFlowTests(SharedApps apps) : IClassFixture<SharedApps>
{
    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Two_sequential_signers_end_in_a_sealed_pdf_every_verifier_accepts_and_nothing_is_stored_in_clear(Backend backend)
    {
        var app = await apps.For(backend);
        var org = await app.SetUpOrganizationAsync("Acme Flow", "eu");
        using var sender = app.Web(org.ApiToken);
        const string documentText = "Confidential-clause-4711 Ärlig Öl";
        var doc = await UploadOkAsync(sender, "Master agreement Zebra-9921", SamplePdf(documentText, pages: 2));
        var id = doc.GetProperty("id").GetString()!;
        Assert.Equal("draft", doc.GetProperty("status").GetString());

        var first = await AddRecipientAsync(sender, id, "Agnetha Fältskog-Signer", "agnetha.signer@example.test");
        var second = await AddRecipientAsync(sender, id, "Björn Ulvaeus-Signer", "bjorn.signer@example.test");
        await AddFieldAsync(sender, id, first, "signature", 100);
        var text = await AddFieldAsync(sender, id, first, "text", 150);
        await AddFieldAsync(sender, id, first, "date", 200);
        var box = await AddFieldAsync(sender, id, first, "checkbox", 250);
        await AddFieldAsync(sender, id, second, "initials", 300, page: 2);
        await AddFieldAsync(sender, id, second, "signature", 350, page: 2);

        await EnsureSignerFieldsAsync(sender, id);

        var sent = await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { message = "Please sign", expiresInDays = 7 });
        Assert.Equal("sent", sent.GetProperty("status").GetString());
        // Sequential: only the first signer has been e-mailed.
        Assert.Throws<InvalidOperationException>(() => LinkFor(app.DataDirectory, "eu", "bjorn.signer@example.test"));
        var firstLink = LinkFor(app.DataDirectory, "eu", "agnetha.signer@example.test");

        var signed1 = await SignAsync(app, firstLink, new
        {
            typedName = "Agnetha Fältskog-Signer",
            fields = new object[] { new { id = text, value = "Field-value-Quokka-3141" }, new { id = box, value = "true" },
                new { id = (await FieldIdAsync(sender, id, first, "date")), value = "2026-01-15" } },
        });
        Assert.Equal("sent", signed1.GetProperty("documentStatus").GetString());
        var secondLink = LinkFor(app.DataDirectory, "eu", "bjorn.signer@example.test");
        var signed2 = await SignAsync(app, secondLink, new { drawnPng = Convert.ToBase64String(TinyPng()) });
        Assert.Equal("completed", signed2.GetProperty("documentStatus").GetString());

        using var download = await sender.GetAsync($"/api/v1/documents/{id}/sealed.pdf");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        var sealedPdf = await download.Content.ReadAsByteArrayAsync();

        var rootPem = await app.Web().GetStringAsync("/api/v1/pki/eu/root.pem");
        using var root = X509Certificate2.CreateFromPem(rootPem);
        var report = PdfSignatureVerifier.Verify(sealedPdf, [root]);
        Assert.True(report.IsValid, string.Join("; ", report.Signatures.SelectMany(s => s.Problems)));
        Assert.Equal(3, report.Signatures.Count); // two signers and the seal
        Assert.True(report.LastSignatureCoversWholeFile);

        var path = Path.Combine(app.DataDirectory, "..", "sealed.pdf");
        await File.WriteAllBytesAsync(path, sealedPdf);
        var pdfsig = Run("pdfsig", path).Output;
        Assert.Equal(3, CountOf(pdfsig, "Signature is Valid."));
        Assert.Equal(2, CountOf(pdfsig, "Not total document signed"));
        Assert.Contains("Total document signed", pdfsig.Replace("Not total document signed", "", StringComparison.Ordinal), StringComparison.Ordinal);
        var (qpdfExit, qpdfText) = Run("qpdf", "--check", path);
        Assert.True(qpdfExit is 0 or 3, qpdfText);

        var view = await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}");
        Assert.Equal("completed", view.GetProperty("status").GetString());
        var recipients = view.GetProperty("recipients").EnumerateArray().ToList();
        Assert.All(recipients, r => Assert.Equal("signed", r.GetProperty("status").GetString()));
        Assert.All(recipients, r => Assert.Equal(1, r.GetProperty("viewCount").GetInt32()));
        Assert.All(recipients, r => Assert.Equal(64, r.GetProperty("viewedSha256").GetString()!.Length));
        var activity = await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}/activity");
        var actions = activity.EnumerateArray().Select(a => a.GetProperty("action").GetString()).Where(a => a != "document.delivered").ToList(); // delivery is a job: it may or may not have run yet
        Assert.Equal(["document.created", "document.sent", "document.viewed", "document.consented", "document.signed",
            "document.viewed", "document.consented", "document.signed", "document.completed"], actions);

        // Both signers get the sealed PDF by e-mail (a moment later: a job sends it).
        foreach (var signer in new[] { "agnetha.signer@example.test", "bjorn.signer@example.test" })
        {
            Assert.Equal(sealedPdf, Outbox.PdfAttachment(await Outbox.WaitForAsync(app.DataDirectory, "eu", signer, "Completed:")));
        }

        // The link is used up: it shows nothing now.
        using var reuse = await app.Web().GetAsync($"/api/v1/signing/{firstLink}");
        Assert.Equal(HttpStatusCode.NotFound, reuse.StatusCode);

        foreach (var secret in new[] { "Agnetha", "agnetha.signer@example.test", "Björn", "Field-value-Quokka-3141", "Confidential-clause-4711", "Zebra-9921", "%PDF-" })
        {
            var outsideOutbox = (await app.PlacesContainingAsync(secret))
                .Where(f => !f.StartsWith(Path.Combine(app.DataDirectory, "eu", "outbox"), StringComparison.Ordinal)).ToList();
            Assert.True(outsideOutbox.Count == 0, $"'{secret}' in clear: {string.Join(", ", outsideOutbox)}");
        }
    }

    private static async Task<string> FieldIdAsync(HttpClient sender, string documentId, string recipientId, string kind)
    {
        var view = await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{documentId}");
        return view.GetProperty("fields").EnumerateArray()
            .First(f => f.GetProperty("recipientId").GetString() == recipientId && f.GetProperty("kind").GetString() == kind).GetProperty("id").GetString()!;
    }

    /// <summary>A small RGB PNG drawn in code (a stand-in for a drawn signature): a dark diagonal on white.</summary>
    internal static byte[] TinyPng() =>
        TestPng.Make(32, 32, (x, y) => Math.Abs(x - y) < 2 ? ((byte)20, (byte)20, (byte)90) : ((byte)255, (byte)255, (byte)255));

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task The_second_signer_cannot_sign_before_the_first_but_a_parallel_group_can_sign_in_any_order(Backend backend)
    {
        var app = await apps.For(backend);
        var org = await app.SetUpOrganizationAsync("Acme Order", "us");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Order test", SamplePdf("order"))).GetProperty("id").GetString()!;
        var a = await AddRecipientAsync(sender, id, "A", "a@example.test", order: 1);
        var b = await AddRecipientAsync(sender, id, "B", "b@example.test", order: 1);
        await AddRecipientAsync(sender, id, "C", "carl@example.test", order: 2);
        await AddRecipientAsync(sender, id, "Watcher", "cc@example.test", role: "cc", order: 1); // a copy with the first group: told at once
        await AddFieldAsync(sender, id, a, "signature", 100);
        await AddFieldAsync(sender, id, b, "signature", 200);
        await EnsureSignerFieldsAsync(sender, id);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { });
        Assert.Throws<InvalidOperationException>(() => LinkFor(app.DataDirectory, "us", "carl@example.test"));

        // The cc recipient can view but not sign.
        var ccLink = LinkFor(app.DataDirectory, "us", "cc@example.test");
        using var cc = app.Web();
        Assert.Equal(HttpStatusCode.OK, (await cc.GetAsync($"/api/v1/signing/{ccLink}/document.pdf")).StatusCode);
        await cc.PostAsJsonAsync($"/api/v1/signing/{ccLink}/consent", new { accept = true });
        using (var ccSign = await cc.PostAsJsonAsync($"/api/v1/signing/{ccLink}/sign", new { typedName = "Watcher" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, ccSign.StatusCode);
            Assert.Equal("recipient_cannot_act", await ProblemCodeAsync(ccSign));
        }

        // Signing without consent is refused.
        var bLink = LinkFor(app.DataDirectory, "us", "b@example.test");
        using var bClient = app.Web();
        await bClient.GetAsync($"/api/v1/signing/{bLink}/document.pdf");
        using (var noConsent = await bClient.PostAsJsonAsync($"/api/v1/signing/{bLink}/sign", new { typedName = "B" }))
        {
            Assert.Equal("signing_consent_required", await ProblemCodeAsync(noConsent));
        }
        await SignAsync(app, bLink, new { typedName = "B" });
        Assert.Throws<InvalidOperationException>(() => LinkFor(app.DataDirectory, "us", "carl@example.test"));
        await SignAsync(app, LinkFor(app.DataDirectory, "us", "a@example.test"), new { typedName = "A" });
        var done = await SignAsync(app, LinkFor(app.DataDirectory, "us", "carl@example.test"), new { typedName = "C" });
        Assert.Equal("completed", done.GetProperty("documentStatus").GetString());
        using var sealedPdf = await sender.GetAsync($"/api/v1/documents/{id}/sealed.pdf");
        var report = PdfSignatureVerifier.Verify(await sealedPdf.Content.ReadAsByteArrayAsync(), []);
        Assert.Equal(4, report.Signatures.Count);
        Assert.True(report.LastSignatureCoversWholeFile);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_signer_can_decline_with_a_reason_and_every_link_then_shows_nothing(Backend backend)
    {
        var app = await apps.For(backend);
        var org = await app.SetUpOrganizationAsync("Acme Decline", "us");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Decline test", SamplePdf("decline"))).GetProperty("id").GetString()!;
        await AddRecipientAsync(sender, id, "A", "a@example.test", order: 1);
        await AddRecipientAsync(sender, id, "B", "b@example.test", order: 1);
        await EnsureSignerFieldsAsync(sender, id);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { });
        var aLink = LinkFor(app.DataDirectory, "us", "a@example.test");
        var bLink = LinkFor(app.DataDirectory, "us", "b@example.test");
        using var a = app.Web();
        using (var empty = await a.PostAsJsonAsync($"/api/v1/signing/{aLink}/decline", new { reason = "" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        }
        using (var decline = await a.PostAsJsonAsync($"/api/v1/signing/{aLink}/decline", new { reason = "Price too high" }))
        {
            Assert.Equal(HttpStatusCode.NoContent, decline.StatusCode);
        }
        var view = await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}");
        Assert.Equal("declined", view.GetProperty("status").GetString());
        Assert.Equal("Price too high", view.GetProperty("declineReason").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await a.GetAsync($"/api/v1/signing/{bLink}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await a.GetAsync($"/api/v1/signing/{aLink}/document.pdf")).StatusCode);
    }
}
