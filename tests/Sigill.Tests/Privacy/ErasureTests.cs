using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Backups;
using Sigill.Api.Features.Documents;
using Sigill.Api.Features.Privacy;
using Sigill.Api.Platform.Cells;
using Sigill.Tests.Identity;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Privacy;

/// <summary>
/// Erasure (issue 18 part 3, ADR 0016): a person or a document is erased so that nothing of it can be read or decrypted,
/// the audit log still verifies, a legal hold stops it with its reason (recorded), and restoring a backup taken before the
/// erasure brings nothing back once the journal is replayed — also for an erasure killed before it deleted anything.
/// </summary>
public sealed class ErasureTests
{
    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task An_erased_person_and_document_stay_unreadable_after_restoring_a_backup_taken_before(Backend backend)
    {
        await using var app = await SigillApp.StartAsync(backend);
        var account = await IdentityKit.SignUpAsync(app, "olle.owner@example.com", "eu", "Erase AB");
        var org = account.OrganizationId;
        using var owner = app.Web(account.Session);
        var cell = app.Cells.Get("eu");

        // Ada signs a lease (several PDF revisions) and is a copy on a draft; Bob's contract and Cid's draft are others'.
        var leasePdf = SamplePdf("lease");
        var lease = (await UploadOkAsync(owner, "Ada's lease", leasePdf)).GetProperty("id").GetString()!;
        var ada = await AddRecipientAsync(owner, lease, "Ada Lovelace", "ada@example.com");
        var text = await AddFieldAsync(owner, lease, ada, "text", 100);
        await AddFieldAsync(owner, lease, ada, "signature", 200);
        await PostOkAsync(owner, $"/api/v1/documents/{lease}/send", new { });
        await SignAsync(app, LinkFor(app.DataDirectory, "eu", "ada@example.com"), new { typedName = "Ada Lovelace", fields = new object[] { new { id = text, value = "Flat 4B, Quokka Lane" } } });
        var minutes = (await UploadOkAsync(owner, "Board minutes", SamplePdf("minutes"))).GetProperty("id").GetString()!;
        await AddRecipientAsync(owner, minutes, "Ada Lovelace", "ADA@example.com", "cc");
        var kept = (await UploadOkAsync(owner, "Bob's contract", SamplePdf("contract"))).GetProperty("id").GetString()!;
        await AddRecipientAsync(owner, kept, "Bob Builder", "bob@example.com");
        var cidPdf = SamplePdf("cid draft");
        var cids = (await UploadOkAsync(owner, "Cid's draft", cidPdf)).GetProperty("id").GetString()!;
        await AddRecipientAsync(owner, cids, "Cid Campeador", "cid@example.com");
        Erased adas = await ErasedAsync(cell, org, [lease, minutes], [leasePdf, SamplePdf("minutes")]);
        Erased cid = await ErasedAsync(cell, org, [cids], [cidPdf]);

        using var backups = new TempDirectory();
        var archive = (await CellBackup.CreateAsync(cell, backups.Path, TimeProvider.System, null, CancellationToken.None)).File;

        // Another organization finds nothing of this one's, and learns nothing: the same 404 as for what does not exist.
        var other = await IdentityKit.SignUpAsync(app, "otto.other@example.com", "eu", "Other AB");
        using var otherOwner = app.Web(other.Session);
        Assert.Equal(HttpStatusCode.NotFound, (await EraseAsync(otherOwner, new { documentId = lease })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await EraseAsync(otherOwner, new { email = "ada@example.com" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await EraseAsync(owner, new { documentId = "doc_eu_nothinghere" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await EraseAsync(owner, new { email = "nobody@example.com" })).StatusCode);
        foreach (object bad in new object[] { new { }, new { documentId = lease, email = "ada@example.com" }, new { email = "not-an-address" } })
        {
            using var refused = await EraseAsync(owner, bad);
            Assert.Equal("validation_failed", await ProblemCodeAsync(refused));
        }

        // A hold on the person keeps both of Ada's documents: the answer names the reason, and the refusal is recorded.
        var hold = await PostOkAsync(owner, "/api/v1/privacy/holds", new { scope = "person", email = "ada@example.com", reason = "Case 2026-17" });
        using (var held = await EraseAsync(owner, new { email = "ada@example.com" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, held.StatusCode);
            var problem = await held.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("deletion_held", problem.GetProperty("code").GetString());
            Assert.Equal("Case 2026-17", problem.GetProperty("reason").GetString());
            Assert.Equal(JsonValueKind.Null, problem.GetProperty("keptUntil").ValueKind);
        }
        await using (var db = cell.CreateDbContext())
        {
            Assert.True(await db.Set<AuditEvent>().AnyAsync(e => e.OrganizationId == org && e.Action == "privacy.deletion_refused"));
            Assert.True(await db.Set<Document>().AnyAsync(d => d.Id == lease));
        }
        var holds = await (await owner.GetAsync("/api/v1/privacy/holds")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.DoesNotContain("ada@example.com", holds.GetRawText(), StringComparison.Ordinal);
        await PostOkAsync(owner, $"/api/v1/privacy/holds/{hold.GetProperty("id").GetString()}/release", new { });

        // Released: Ada is erased with both her documents; Cid's draft is erased by id.
        var erasure = await PostOkAsync(owner, "/api/v1/privacy/erasures", new { email = "Ada@Example.com" });
        Assert.Equal([.. new[] { lease, minutes }.Order(StringComparer.Ordinal)], erasure.GetProperty("documents").EnumerateArray().Select(d => d.GetString()!).Order(StringComparer.Ordinal));
        await PostOkAsync(owner, "/api/v1/privacy/erasures", new { documentId = cids });
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync($"/api/v1/documents/{lease}")).StatusCode);
        Assert.Empty((await PostOkAsync(owner, "/api/v1/privacy/search", new { email = "ada@example.com" })).GetProperty("recipients").EnumerateArray());
        Assert.Empty(await app.PlacesContainingAsync("Flat 4B, Quokka Lane"));
        await AssertUnreadableAsync(cell, adas);
        await AssertUnreadableAsync(cell, cid);
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync($"/api/v1/documents/{kept}")).StatusCode);
        await using (var db = cell.CreateDbContext())
        {
            Assert.Equal(3, await db.Set<AuditEvent>().CountAsync(e => e.OrganizationId == org && e.Action == "privacy.record_deleted"));
        }
        var verified = await AuditVerification.VerifyAsync(cell, null, CancellationToken.None);
        Assert.True(verified.Ok, verified.Problem);
        using (var export = new MemoryStream())
        {
            // The auditors' export reads erased events as shredded ones (it threw on them before) and carries none of their content.
            await AuditExport.WriteAsync(cell, org, export, CancellationToken.None);
            var lines = System.Text.Encoding.UTF8.GetString(export.ToArray());
            Assert.All(new[] { "Ada Lovelace", "ada@example.com", "Ada's lease" }, erased => Assert.DoesNotContain(erased, lines, StringComparison.OrdinalIgnoreCase));
        }

        // The backup from before holds them all; restored into an empty cell and replayed, nothing of them is readable again.
        using var restored = await RestoreAsync(backend, cell, archive, backups);
        await using (var db = restored.CreateDbContext())
        {
            Assert.True(await db.Set<Document>().AnyAsync(d => d.Id == lease)); // the old backup did hold it
        }
        Assert.Equal(2, await Erasure.ReplayAsync(restored, DateTime.UtcNow, CancellationToken.None));
        Assert.Equal(0, await Erasure.ReplayAsync(restored, DateTime.UtcNow, CancellationToken.None)); // idempotent
        await AssertUnreadableAsync(restored, adas);
        await AssertUnreadableAsync(restored, cid);
        await using (var db = restored.CreateDbContext())
        {
            var contract = await db.Set<Document>().SingleAsync(d => d.Id == kept);
            Assert.NotEmpty(await DocumentWorkflow.ReadPdfAsync(restored, contract, CancellationToken.None)); // the rest stays readable
        }
        var restoredLog = await AuditVerification.VerifyAsync(restored, null, CancellationToken.None);
        Assert.True(restoredLog.Ok, restoredLog.Problem);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task An_erasure_killed_after_its_journal_entry_finishes_when_the_cell_opens_again(Backend backend)
    {
        await using var app = await SigillApp.StartAsync(backend);
        var account = await IdentityKit.SignUpAsync(app, "olle.owner@example.com", "eu", "Killed AB");
        using (var owner = app.Web(account.Session))
        {
            var pdf = SamplePdf("half");
            var doc = (await UploadOkAsync(owner, "Half erased", pdf)).GetProperty("id").GetString()!;
            await AddRecipientAsync(owner, doc, "Dora Explorer", "dora@example.com");
            var erased = await ErasedAsync(app.Cells.Get("eu"), account.OrganizationId, [doc], [pdf]);
            // The process dies right after the journal entry: nothing was deleted yet.
            await ErasureJournal.AppendAsync(app.Cells.Get("eu"), new ErasureEntry("era_eu_killedmidway", DateTime.UtcNow, account.OrganizationId, [doc], null), CancellationToken.None);
            Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync($"/api/v1/documents/{doc}")).StatusCode);
            await app.RestartAsync();
            await AssertUnreadableAsync(app.Cells.Get("eu"), erased);
        }
        var verified = await AuditVerification.VerifyAsync(app.Cells.Get("eu"), null, CancellationToken.None);
        Assert.True(verified.Ok, verified.Problem);
    }

    /// <summary>What must be gone: the documents, their audit events (by id), and their PDFs (by their original's hash).</summary>
    private sealed record Erased(string Organization, string[] Documents, string[] Events, string[] Originals);

    private static async Task<Erased> ErasedAsync(Cell cell, string org, string[] documents, byte[][] pdfs)
    {
        await using var db = cell.CreateDbContext();
        var events = await db.Set<DocumentEventRow>().Where(e => documents.Contains(e.DocumentId)).Select(e => e.Id).ToArrayAsync();
        Assert.NotEmpty(events);
        return new Erased(org, documents, events, [.. pdfs.Select(p => Convert.ToHexStringLower(SHA256.HashData(p)))]);
    }

    /// <summary>
    /// The key check: no row of the documents remains; none of their audit events can be opened (the sealed record is the
    /// erasure marker); and no PDF the organization's key still decrypts is a revision of one of them.
    /// </summary>
    private static async Task AssertUnreadableAsync(Cell cell, Erased erased)
    {
        await using var db = cell.CreateDbContext();
        Assert.False(await db.Set<Document>().AnyAsync(d => erased.Documents.Contains(d.Id)));
        Assert.False(await db.Set<Recipient>().AnyAsync(r => erased.Documents.Contains(r.DocumentId)));
        Assert.False(await db.Set<DocumentField>().AnyAsync(f => erased.Documents.Contains(f.DocumentId)));
        Assert.False(await db.Set<DocumentEventRow>().AnyAsync(e => erased.Documents.Contains(e.DocumentId)));
        foreach (var e in await db.Set<AuditEvent>().Where(e => erased.Events.Contains(e.Id)).ToListAsync())
        {
            Assert.True(e.Sealed.AsSpan().StartsWith(Erasure.RedactedPrefix), $"audit event {e.Id} still holds its sealed record");
            await Assert.ThrowsAnyAsync<Exception>(async () => await cell.Keys.OpenRecordAsync(AuditRecorder.SealContext(cell.Region, erased.Organization, e.Id), e.Sealed, CancellationToken.None));
        }
        await foreach (var key in cell.Blobs.ListAsync(erased.Organization + "/", CancellationToken.None))
        {
            Assert.True(EncryptedObjects.TryParseBlobKey(cell.Region, key, out var context));
            using var plain = new MemoryStream();
            if (await DecryptionProbe.TryAsync(() => cell.Objects.CopyToAsync(context, plain, CancellationToken.None)) != DecryptionOutcome.Ok) continue;
            Assert.All(erased.Originals, o => Assert.Null(DocumentWorkflow.OriginalOf(plain.ToArray(), o)));
        }
    }

    /// <summary>Restores <paramref name="archive"/> into an empty cell of the same kind with the same keys and journal, as a restore on a new host does.</summary>
    internal static async Task<Cell> RestoreAsync(Backend backend, Cell live, string archive, TempDirectory scratch)
    {
        var options = new CellOptions
        {
            Database = backend == Backend.Sqlite
                ? new DatabaseOptions { Provider = "sqlite", ConnectionString = $"Data Source={scratch.Combine("restored", "sigill.db")}" }
                : new DatabaseOptions { Provider = "postgres", ConnectionString = await TestServices.CreatePostgresDatabaseAsync() },
            Blobs = backend == Backend.Sqlite
                ? new BlobStoreOptions { Provider = "filesystem", Path = scratch.Combine("restored", "blobs") }
                : await TestServices.CreateS3BucketAsync(),
            Keys = live.Options.Keys,
            ErasureJournalDirectory = live.Options.ErasureJournalDirectory,
        };
        var target = new Cell("eu", options);
        await CellRestore.RestoreIntoCellAsync(archive, target, TimeProvider.System, null, CancellationToken.None);
        await target.MigrateAsync(CancellationToken.None);
        return target;
    }

    private static Task<HttpResponseMessage> EraseAsync(HttpClient client, object body) => client.PostAsJsonAsync("/api/v1/privacy/erasures", body);
}
