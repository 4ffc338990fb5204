using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Sigill.Hostile;
using Sigill.Pdf;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Documents;

public sealed class DrawnSignatureTests
{
    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Every_hostile_drawn_signature_is_refused_with_its_code_nothing_changes_and_the_signer_then_signs_with_a_good_one(Backend backend)
    {
        await using var app = await SigillApp.StartAsync(backend);
        var org = await app.SetUpOrganizationAsync("Acme Pens", "eu");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Pen test", SamplePdf("pen"))).GetProperty("id").GetString()!;
        var signer = await AddRecipientAsync(sender, id, "Pat Pen", "pat.pen@example.test");
        await AddFieldAsync(sender, id, signer, "signature", 100);
        await AddFieldAsync(sender, id, signer, "initials", 150);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { message = "Please sign" });
        var link = LinkFor(app.DataDirectory, "eu", "pat.pen@example.test");

        using var recipient = app.Web();
        (await recipient.GetAsync($"/api/v1/signing/{link}/document.pdf")).EnsureSuccessStatusCode();
        (await recipient.PostAsJsonAsync($"/api/v1/signing/{link}/consent", new { accept = true })).EnsureSuccessStatusCode();
        var pdfBefore = await sender.GetByteArrayAsync($"/api/v1/documents/{id}/pdf");
        var blobsBefore = await app.BlobsAsync("eu");

        var refused = new List<string>();
        foreach (var hostile in HostileCorpus.Pngs().Append(new HostileCase("not-base64", HostileTarget.DrawnSignaturePng, 400, HostileCorpus.SignatureImageInvalid, () => [])))
        {
            var drawnPng = hostile.Name == "not-base64" ? "this is not base64!" : Convert.ToBase64String(hostile.Payload());
            using var response = await recipient.PostAsJsonAsync($"/api/v1/signing/{link}/sign", new { drawnPng });
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(hostile.ExpectedStatus == (int)response.StatusCode, $"{hostile.Name}: {(int)response.StatusCode} {body}");
            var problem = JsonDocument.Parse(body).RootElement;
            Assert.True(hostile.ExpectedCode == problem.GetProperty("code").GetString(), $"{hostile.Name}: {body}");
            refused.Add(problem.GetProperty("detail").GetString()!);
        }
        // Each answer names its own problem (a wrong CRC, a missing palette, a bomb, ...), not one generic refusal.
        Assert.True(refused.Distinct(StringComparer.Ordinal).Count() > 30, string.Join("\n", refused));

        // Nothing changed: the recipient has not signed, the PDF and the blob store are as before, no signing event.
        var view = await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}");
        Assert.Equal("sent", view.GetProperty("status").GetString());
        Assert.NotEqual("signed", view.GetProperty("recipients")[0].GetProperty("status").GetString());
        Assert.Equal(pdfBefore, await sender.GetByteArrayAsync($"/api/v1/documents/{id}/pdf"));
        Assert.Equal(blobsBefore, await app.BlobsAsync("eu"));
        var activity = await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}/activity");
        Assert.DoesNotContain(activity.EnumerateArray(), a => a.GetProperty("action").GetString() == "document.signed");

        // The same link still works with a good drawing.
        using var good = await recipient.PostAsJsonAsync($"/api/v1/signing/{link}/sign", new { drawnPng = Convert.ToBase64String(PngBuilder.Rgba(300, 100)) });
        Assert.Equal("completed", (await OkJsonAsync(good)).GetProperty("documentStatus").GetString());
        var rootPem = await app.Web().GetStringAsync("/api/v1/pki/eu/root.pem");
        using var root = X509Certificate2.CreateFromPem(rootPem);
        Assert.True(PdfSignatureVerifier.Verify(await sender.GetByteArrayAsync($"/api/v1/documents/{id}/sealed.pdf"), [root]).IsValid);
    }
}
