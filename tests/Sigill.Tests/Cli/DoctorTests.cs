using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Documents;
using Sigill.Api.Platform.Jobs;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Cli;

/// <summary>
/// <c>sigill doctor</c> (issue 21, item 5) against a real embedded installation: clean after ordinary work; after
/// damage it names each problem by id; <c>--repair</c> fixes only the stuck document, and that repair finishes the
/// document once the API runs again.
/// </summary>
public sealed class DoctorTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Doctor_reports_an_erasure_a_restore_brought_back_and_a_broken_erasure_journal()
    {
        await using var app = await SigillApp.StartAsync();
        var account = await Sigill.Tests.Identity.IdentityKit.SignUpAsync(app, "dora.doctor@example.com", "eu", "Erasing Doctor AB");
        using (var owner = app.Web(account.Session))
        {
            var doc = (await UploadOkAsync(owner, "To be erased", SamplePdf("erase me"))).GetProperty("id").GetString()!;
            await PostOkAsync(owner, "/api/v1/privacy/erasures", new { documentId = doc });
        }
        await app.StopServerAsync();
        var clean = await SigillProcess.RunAsync(Generous, "doctor", "--data", app.DataDirectory);
        Assert.True(clean.ExitCode == 0, clean.Stdout + clean.Stderr);

        // As an older backup restored without the cell starting since: the journal names an erasure the database has not applied.
        using var cells = TestCells.Open(app.DataDirectory);
        await using (var db = cells.Get("eu").CreateDbContext())
        {
            await db.Set<Sigill.Api.Features.Privacy.ErasureApplied>().ExecuteDeleteAsync();
        }
        var unapplied = await SigillProcess.RunAsync(Generous, "doctor", "--data", app.DataDirectory, "--region", "eu");
        Assert.Equal(1, unapplied.ExitCode);
        Assert.Contains("problem erasure.unapplied era_eu_", unapplied.Stdout, StringComparison.Ordinal);

        var journal = Path.Combine(app.DataDirectory, "eu", "keys", "erasures.jsonl");
        var text = await File.ReadAllTextAsync(journal);
        await File.WriteAllTextAsync(journal, text.Replace("\"organization\":\"org_", "\"organization\":\"org-", StringComparison.Ordinal));
        var broken = await SigillProcess.RunAsync(Generous, "doctor", "--data", app.DataDirectory, "--region", "eu");
        Assert.Equal(1, broken.ExitCode);
        Assert.Contains("problem erasure.journal_broken eu:", broken.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_finds_nothing_after_ordinary_work_then_names_each_damaged_record_and_repairs_only_the_stuck_document()
    {
        await using var app = await SigillApp.StartAsync();
        var org = await app.SetUpOrganizationAsync("Doctor AB", "eu");
        using var sender = app.Web(org.ApiToken);
        var completed = await SentAsync(sender, "Completed", "ada@example.test");
        await SignAsync(app, LinkFor(app.DataDirectory, "eu", "ada@example.test"), new { typedName = "Ada" });
        await WaitForStatusAsync(sender, completed, "completed");
        var tampered = await SentAsync(sender, "Tampered", "bo@example.test");
        var stuck = await SentAsync(sender, "Stuck", "cy@example.test");
        await app.StopServerAsync();

        var clean = await SigillProcess.RunAsync(Generous, "doctor", "--data", app.DataDirectory);
        Assert.True(clean.ExitCode == 0, clean.Stdout + clean.Stderr);
        Assert.Contains("region eu: 1 organizations, 3 documents", clean.Stdout, StringComparison.Ordinal);
        Assert.Contains("audit log eu: OK", clean.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("doctor: OK — no problems", clean.Stdout.Trim(), StringComparison.Ordinal);

        // Damage, as a crash, a disk or an operator's mistake would leave it.
        using var cells = TestCells.Open(app.DataDirectory);
        var cell = cells.Get("eu");
        string PdfFile(string documentId)
        {
            using var db = cell.CreateDbContext();
            var objectId = db.Set<Document>().Single(d => d.Id == documentId).CurrentPdfObjectId;
            return Path.Combine(app.DataDirectory, "eu", "blobs", org.OrganizationId, Document.PdfPurpose, objectId, "v1");
        }
        var missing = PdfFile(completed);
        File.Delete(missing);
        var flipped = PdfFile(tampered);
        var bytes = await File.ReadAllBytesAsync(flipped);
        bytes[bytes.Length / 2] ^= 0x01;
        await File.WriteAllBytesAsync(flipped, bytes);
        await using (var db = cell.CreateDbContext())
        {
            // The signer is done but the completion job is gone (a dead-lettered or lost job).
            await db.Set<Recipient>().Where(r => r.DocumentId == stuck).ExecuteUpdateAsync(u => u.SetProperty(r => r.Status, RecipientStates.Signed));
            await db.Jobs.Where(j => j.Kind == "document.complete").ExecuteDeleteAsync();
        }
        var gone = Sigill.Api.Platform.Cells.SigillId.New("doc", "eu");
        Assert.True(await JobQueue.EnqueueNowAsync(cell, JobRequest.Text("document.remind", gone, $"test:{gone}"), TimeProvider.System));
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        var damaged = await SigillProcess.RunAsync(Generous, "doctor", "--data", app.DataDirectory);
        Assert.True(damaged.ExitCode == 1, damaged.Stdout + damaged.Stderr);
        Assert.Contains($"problem document.pdf_missing {completed}: ", damaged.Stdout, StringComparison.Ordinal);
        Assert.Contains($"problem object.undecryptable {Path.GetRelativePath(Path.Combine(app.DataDirectory, "eu", "blobs"), flipped).Replace('\\', '/')}: ", damaged.Stdout, StringComparison.Ordinal);
        Assert.Contains($"problem document.stuck {stuck}: ", damaged.Stdout, StringComparison.Ordinal);
        Assert.Contains($"is for document {gone}, which this cell does not hold", damaged.Stdout, StringComparison.Ordinal);
        Assert.Contains("doctor: FAILED — 4 problems", damaged.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("repaired", damaged.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(missing)); // nothing changed without --repair
        Assert.Equal(bytes, await File.ReadAllBytesAsync(flipped));

        var repaired = await SigillProcess.RunAsync(Generous, "doctor", "--data", app.DataDirectory, "--repair");
        Assert.True(repaired.ExitCode == 1, repaired.Stdout + repaired.Stderr); // the other three need an operator
        Assert.Contains($"problem document.stuck {stuck}: every signer and approver is done, but it is not completed and no completion job is queued — repaired: queued a completion job", repaired.Stdout, StringComparison.Ordinal);
        Assert.Contains("doctor: FAILED — 3 problems", repaired.Stdout, StringComparison.Ordinal);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(flipped)); // --repair rewrites nothing it cannot prove safe

        // The queued job completes the stuck document once an API node runs; the doctor then no longer reports it.
        await app.RestartAsync();
        using var again = app.Web(org.ApiToken);
        await WaitForStatusAsync(again, stuck, "completed");
        await app.StopServerAsync();
        var after = await SigillProcess.RunAsync(Generous, "doctor", "--data", app.DataDirectory);
        Assert.DoesNotContain("document.stuck", after.Stdout, StringComparison.Ordinal);
        Assert.Contains("doctor: FAILED — 3 problems", after.Stdout, StringComparison.Ordinal);
    }

    private static async Task<string> SentAsync(HttpClient sender, string title, string email)
    {
        var id = (await UploadOkAsync(sender, title, SamplePdf(title))).GetProperty("id").GetString()!;
        var signer = await AddRecipientAsync(sender, id, "Signer " + title, email);
        await AddFieldAsync(sender, id, signer, "signature", 100);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { });
        return id;
    }

    private static async Task WaitForStatusAsync(HttpClient sender, string documentId, string status)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        string? seen = null;
        while (DateTime.UtcNow < deadline)
        {
            seen = JsonDocument.Parse(await sender.GetStringAsync($"/api/v1/documents/{documentId}")).RootElement.GetProperty("status").GetString();
            if (seen == status) return;
            await Task.Delay(250);
        }
        Assert.Fail($"document {documentId} is {seen}, not {status}, after 60 s");
    }
}
