using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Sigill.Hostile;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Documents;

/// <summary>
/// The whole hostile corpus (PDFs, templates, drawn signatures) against one server at once, as an attacker with an
/// ordinary account would send it, while a sender's ordinary documents go from upload to sealed PDF on the same server;
/// and the memory budget of issue 14, measured on a real <c>sigill serve</c> process by <c>sigill bench hostile</c>.
/// </summary>
public sealed class HostileCorpusTests
{
    [Fact]
    public async Task Ordinary_documents_are_signed_and_sealed_while_the_whole_corpus_is_refused_on_the_same_server()
    {
        await using var app = await SigillApp.StartAsync();
        var attackerOrg = await app.SetUpOrganizationAsync("Mallory Probing", "eu");
        var senderOrg = await app.SetUpOrganizationAsync("Acme Business As Usual", "eu");
        using var attacker = app.Web(attackerOrg.ApiToken);
        using var sender = app.Web(senderOrg.ApiToken);
        var attackerLink = await SignerLinkAsync(app, attacker, "mallory-signer@probe.example");

        using var corpusDone = new CancellationTokenSource();
        var ordinary = Task.Run(async () =>
        {
            var sealedCount = 0;
            do
            {
                await SignAndSealAsync(app, sender, sealedCount++);
            }
            while (!corpusDone.IsCancellationRequested);
            return sealedCount;
        });

        var wrong = new List<string>();
        // Two attackers at once, each working through the corpus from one end.
        var corpus = HostileCorpus.All().ToList();
        await Task.WhenAll(
            Task.Run(async () => { foreach (var c in corpus) await RefusedAsync(attacker, attackerLink, c, wrong); }),
            Task.Run(async () => { foreach (var c in Enumerable.Reverse(corpus)) await RefusedAsync(attacker, attackerLink, c, wrong); }));
        await corpusDone.CancelAsync();
        var sealedDocuments = await ordinary;

        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        Assert.True(sealedDocuments >= 1);
        // The attacker's own signer was never signed by any of the hostile drawings.
        using var again = app.Web();
        using var page = await again.GetAsync($"/api/v1/signing/{attackerLink}/");
        Assert.NotEqual("signed", (await page.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Sigill_bench_hostile_sends_every_case_to_a_real_server_and_no_request_grows_it_by_more_than_100_MB()
    {
        var run = await SigillProcess.RunAsync(TimeSpan.FromMinutes(5), "bench", "hostile");
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        Assert.Contains("an ordinary upload after the corpus: 201 PASS", run.Stdout, StringComparison.Ordinal);
        foreach (var target in Enum.GetValues<HostileTarget>())
        {
            var line = run.Stdout.Split('\n').Single(l => l.TrimStart().StartsWith(target.ToString(), StringComparison.Ordinal));
            Assert.EndsWith("PASS", line.TrimEnd(), StringComparison.Ordinal);
        }
    }

    private static async Task RefusedAsync(HttpClient attacker, string link, HostileCase hostile, List<string> wrong)
    {
        var payload = hostile.Payload();
        using var response = hostile.Target switch
        {
            HostileTarget.PdfUpload => await UploadAsync(attacker, "Hostile", payload),
            HostileTarget.TemplateBody => await attacker.PostAsJsonAsync("/api/v1/templates",
                new { name = "Hostile", body = Encoding.UTF8.GetString(payload), variables = new[] { "customer" } }),
            HostileTarget.DrawnSignaturePng => await attacker.PostAsJsonAsync($"/api/v1/signing/{link}/sign", new { drawnPng = Convert.ToBase64String(payload) }),
            _ => throw new ArgumentOutOfRangeException(nameof(hostile)),
        };
        var code = response.Content.Headers.ContentType?.MediaType == "application/problem+json" ? await ProblemCodeAsync(response) : null;
        if ((int)response.StatusCode != hostile.ExpectedStatus || code != hostile.ExpectedCode)
        {
            lock (wrong) wrong.Add($"{hostile.Name}: {(int)response.StatusCode} {code}");
        }
    }

    /// <summary>A sent one-page document whose signer has viewed it and consented: the link the hostile drawings are sent to.</summary>
    private static async Task<string> SignerLinkAsync(SigillApp app, HttpClient client, string email)
    {
        var doc = (await UploadOkAsync(client, "Probe", SamplePdf("Probe"))).GetProperty("id").GetString()!;
        var signer = await AddRecipientAsync(client, doc, "Probe Signer", email);
        await AddFieldAsync(client, doc, signer, "signature", 600);
        await PostOkAsync(client, $"/api/v1/documents/{doc}/send", new { message = "Probe" });
        var link = LinkFor(app.DataDirectory, "eu", email);
        using var recipient = app.Web();
        using (var view = await recipient.GetAsync($"/api/v1/signing/{link}/document.pdf")) view.EnsureSuccessStatusCode();
        using (var consent = await recipient.PostAsJsonAsync($"/api/v1/signing/{link}/consent", new { accept = true })) consent.EnsureSuccessStatusCode();
        return link;
    }

    private static async Task SignAndSealAsync(SigillApp app, HttpClient sender, int n)
    {
        var doc = (await UploadOkAsync(sender, $"Agreement {n}", SamplePdf($"Agreement {n}", pages: 2))).GetProperty("id").GetString()!;
        var emails = new[] { $"ada{n}@customer.example", $"bo{n}@customer.example" };
        for (var i = 0; i < emails.Length; i++)
        {
            var recipient = await AddRecipientAsync(sender, doc, $"Signer {i + 1}", emails[i], order: i + 1);
            await AddFieldAsync(sender, doc, recipient, "signature", 600 + 60 * i);
        }
        await PostOkAsync(sender, $"/api/v1/documents/{doc}/send", new { message = "Please sign" });
        foreach (var email in emails) await SignAsync(app, LinkFor(app.DataDirectory, "eu", email), new { typedName = "Signer" });
        using var sealedPdf = await sender.GetAsync($"/api/v1/documents/{doc}/sealed.pdf");
        Assert.Equal(System.Net.HttpStatusCode.OK, sealedPdf.StatusCode);
        Assert.Equal(new MediaTypeHeaderValue("application/pdf"), sealedPdf.Content.Headers.ContentType);
    }
}
