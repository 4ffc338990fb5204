using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Sigill.Api.Features.Audit;
using Sigill.Tests.Infrastructure;
using Sigill.Transparency;
using UglyToad.PdfPig;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Audit;

/// <summary>The certificate of completion cites every event of the document in the log, each with a checkpoint that really includes it.</summary>
public sealed class CompletionCertificateAuditTests
{
    [Fact]
    public async Task Every_event_on_the_certificate_has_its_leaf_index_and_a_signed_checkpoint_that_includes_it_down_to_the_last_signature()
    {
        await using var app = await SigillApp.StartAsync();
        var org = await app.SetUpOrganizationAsync("Acme Certificate", "eu");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Certificate check", SamplePdf("Certificate body"))).GetProperty("id").GetString()!;
        var first = await AddRecipientAsync(sender, id, "Signer One", "signer.one@example.test", order: 1);
        var second = await AddRecipientAsync(sender, id, "Signer Two", "signer.two@example.test", order: 2);
        await AddFieldAsync(sender, id, first, "signature", 100);
        await AddFieldAsync(sender, id, second, "signature", 200);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { message = "Please sign", expiresInDays = 7 });
        await SignAsync(app, LinkFor(app.DataDirectory, "eu", "signer.one@example.test"), new { typedName = "Signer One" });
        // The last signature: its events commit in the same request that builds the certificate.
        var last = await SignAsync(app, LinkFor(app.DataDirectory, "eu", "signer.two@example.test"), new { typedName = "Signer Two" });
        Assert.Equal("completed", last.GetProperty("documentStatus").GetString());
        var actions = (await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}/activity")).EnumerateArray().Select(a => a.GetProperty("action").GetString()).ToList();
        Assert.Equal(2, actions.Count(a => a == "document.signed"));
        await AssertCertificateCitesEveryEventAsync(app, sender, id);
    }

    [Fact]
    public async Task A_document_left_sent_after_its_last_signature_is_completed_by_the_job_and_a_second_run_changes_nothing()
    {
        await using var app = await SigillApp.StartAsync();
        var org = await app.SetUpOrganizationAsync("Acme Interrupted", "eu");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Interrupted completion", SamplePdf("Interrupted body"))).GetProperty("id").GetString()!;
        await AddRecipientAsync(sender, id, "Approver One", "approver.one@example.test", role: "approver", order: 1);
        var second = await AddRecipientAsync(sender, id, "Approver Two", "approver.two@example.test", role: "approver", order: 2);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { message = "Please approve", expiresInDays = 7 });
        await SignAsync(app, LinkFor(app.DataDirectory, "eu", "approver.one@example.test"), new { });
        // The state a stop right after the last approval's commit leaves: every recipient done, the document still sent.
        var cell = app.Cells.Get("eu");
        await using (var db = cell.CreateDbContext())
        {
            var last = await db.Recipients.SingleAsync(r => r.Id == second);
            last.Status = "approved";
            last.CompletedAt = DateTime.UtcNow;
            last.LinkHash = null;
            await db.SaveChangesAsync();
        }
        Assert.Equal("sent", (await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}")).GetProperty("status").GetString());

        var handler = app.ApiServices.GetServices<Sigill.Api.Platform.Jobs.IJobHandler>().Single(h => h.Kind == "document.complete");
        var job = new Sigill.Api.Platform.Jobs.JobContext(cell, "job_eu_test", handler.Kind, null, System.Text.Encoding.UTF8.GetBytes(id), 1, 5, TimeProvider.System);
        await handler.HandleAsync(job, CancellationToken.None);
        var completed = await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}");
        Assert.Equal("completed", completed.GetProperty("status").GetString());
        await AssertCertificateCitesEveryEventAsync(app, sender, id);

        var revision = await RevisionAsync();
        await handler.HandleAsync(job, CancellationToken.None);
        Assert.Equal(revision, await RevisionAsync());

        async Task<int> RevisionAsync()
        {
            await using var db = cell.CreateDbContext();
            return await db.Documents.Where(d => d.Id == id).Select(d => d.Revision).SingleAsync();
        }
    }

    /// <summary>Every activity entry but the last (document.completed) is on the sealed PDF's certificate with a leaf and a checkpoint that includes it.</summary>
    private static async Task AssertCertificateCitesEveryEventAsync(SigillApp app, HttpClient sender, string id)
    {
        var sealedPdf = await sender.GetByteArrayAsync($"/api/v1/documents/{id}/sealed.pdf");
        string text;
        using (var pdf = PdfDocument.Open(sealedPdf))
        {
            text = string.Join(" ", pdf.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text));
        }
        var activity = (await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}/activity")).EnumerateArray()
            .Select(a => (Id: a.GetProperty("eventId").GetString()!, Action: a.GetProperty("action").GetString()!)).ToList();
        // Everything up to the last signature is on the certificate; document.completed is written with the certificate
        // itself, and what follows it (the delivery job's document.delivered, downloads) happens after the seal.
        var completed = activity.FindIndex(a => a.Action == "document.completed");
        Assert.True(completed > 0, string.Join(", ", activity.Select(a => a.Action)));
        var cited = activity.Take(completed).ToList();

        var verifierKey = (await app.Web().GetStringAsync("/audit/eu/verifier-key")).Trim();
        var verifier = NoteVerifier.Parse(verifierKey);
        await using var db = app.Cells.Get("eu").CreateDbContext();
        foreach (var (eventId, action) in cited)
        {
            // Plain words and who acted come first; the action's code and the event id stay beside them as the reference.
            Assert.Contains(Sigill.Contracts.DocumentActivity.Describe(action), text, StringComparison.Ordinal);
            var line = Regex.Match(text, Regex.Escape($"[{action}, {eventId}]") + @"\s+\(leaf\s+(\d+),\s+checkpoint\s+(\S+)\s+(\d+)\s+(\S+)\)");
            Assert.True(line.Success, $"{action} {eventId} is not on the certificate: {text}");
            long leaf = long.Parse(line.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            long size = long.Parse(line.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture);
            var root = Convert.FromBase64String(line.Groups[4].Value);
            Assert.True(leaf < size, $"{eventId}: leaf {leaf} is not below checkpoint size {size}");

            // The leaf is this event's: its receipt (organization members only) names the same leaf and commitment.
            var receipt = await sender.GetFromJsonAsync<JsonElement>($"/api/v1/audit/events/{eventId}/receipt");
            Assert.Equal(leaf, receipt.GetProperty("leafIndex").GetInt64());
            var commitment = Convert.FromBase64String(receipt.GetProperty("leafCommitment").GetString()!);

            // The public log proves the leaf is in the tree of that size with that root...
            var proof = await app.Web().GetFromJsonAsync<JsonElement>($"/audit/eu/proof/inclusion?index={leaf}&size={size}");
            var path = proof.GetProperty("proof").EnumerateArray().Select(h => Convert.FromBase64String(h.GetString()!)).ToList();
            Assert.True(MerkleVerifier.VerifyInclusion(MerkleHash.Leaf(commitment), leaf, size, path, root), $"{eventId}: inclusion proof fails");

            // ...and that tree head is a checkpoint the region key signed.
            var note = await db.Set<AuditCheckpoint>().Where(c => c.TreeSize == size).Select(c => c.Note).SingleAsync();
            var opened = Checkpoint.Open(note, verifier, line.Groups[2].Value);
            Assert.True(opened.IsValid, opened.Detail);
            Assert.Equal(root, opened.Checkpoint!.RootHash.ToArray());
        }
    }
}
