using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Sigill.Tests.Foundation;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Operations;

/// <summary>
/// Issue 21's full disk, on an embedded installation (SQLite and a blob folder), through the public web tier: the blob
/// folder or the database's folder is a real tmpfs that the test fills to the last page. A request that needs room there
/// gets <c>507 storage_full</c> (not a 500); nothing of it is stored (no object without its row, no temporary file, no
/// row); what was stored before still opens and decrypts; once the operator makes room (a remount, no restart of Sigill)
/// the same requests succeed, and the consistency checker finds nothing wrong.
/// </summary>
public sealed class DiskFullTests
{
    [Fact]
    public async Task A_full_blob_folder_answers_507_storage_full_stores_nothing_and_the_same_requests_succeed_once_there_is_room()
    {
        await using var disk = await Tmpfs.MountAsync("32m");
        var log = new CapturedLog();
        await using var app = await SigillApp.StartAsync(Config(blobs: disk.Combine("blobs")), Logged(log));
        await FillSignAndRecoverAsync(app, disk, log, databaseOnDisk: false);
    }

    [Fact]
    public async Task A_full_database_folder_answers_507_storage_full_stores_nothing_and_the_same_requests_succeed_once_there_is_room()
    {
        await using var disk = await Tmpfs.MountAsync("32m");
        var log = new CapturedLog();
        await using var app = await SigillApp.StartAsync(Config(database: disk.Combine("sigill.db")), Logged(log));
        await FillSignAndRecoverAsync(app, disk, log, databaseOnDisk: true);
    }

    [Fact]
    public async Task An_sqlite_io_error_is_storage_full_only_while_the_database_folder_has_no_room()
    {
        await using var disk = await Tmpfs.MountAsync("1m");
        using var roomy = new TempDirectory();
        var ioError = new Microsoft.EntityFrameworkCore.DbUpdateException("saving failed", new SqliteException("disk I/O error", 10, 4874)); // SQLITE_IOERR_SHMSIZE
        var busy = new SqliteException("database is locked", 5);

        Assert.False(Sigill.Api.Platform.Errors.StorageFullHandler.IsIoErrorWithoutRoom(ioError, [disk.Path, roomy.Path]));
        await disk.FillAsync();
        Assert.True(Sigill.Api.Platform.Errors.StorageFullHandler.IsIoErrorWithoutRoom(ioError, [roomy.Path, disk.Path]));
        Assert.False(Sigill.Api.Platform.Errors.StorageFullHandler.IsIoErrorWithoutRoom(busy, [disk.Path])); // not an I/O error
        Assert.False(Sigill.Api.Platform.Errors.StorageFullHandler.IsIoErrorWithoutRoom(ioError, [roomy.Path])); // a real fault: a 500
    }

    /// <summary>
    /// An upload (a blob and a row), a recipient added to a draft (a row only) and a signature (a new PDF revision and
    /// rows), each made while <paramref name="disk"/> is full and again once it has room.
    /// </summary>
    private static async Task FillSignAndRecoverAsync(SigillApp app, Tmpfs disk, CapturedLog log, bool databaseOnDisk)
    {
        var org = await app.SetUpOrganizationAsync("Full Disk AB", "eu");
        using var sender = app.Web(org.ApiToken);
        var earlierPdf = SamplePdf("Stored before the disk filled");
        var earlier = (await UploadOkAsync(sender, "Earlier", earlierPdf)).GetProperty("id").GetString()!;
        var draft = (await UploadOkAsync(sender, "Draft", SamplePdf("A draft"))).GetProperty("id").GetString()!;
        var sent = (await UploadOkAsync(sender, "Sent", SamplePdf("To be signed"))).GetProperty("id").GetString()!;
        var signer = await AddRecipientAsync(sender, sent, "Signe Signer", "signe@example.test");
        await AddFieldAsync(sender, sent, signer, "signature", 100);
        await PostOkAsync(sender, $"/api/v1/documents/{sent}/send", new { });
        using var recipient = app.Web();
        recipient.DefaultRequestHeaders.UserAgent.ParseAdd("SigillTest/1.0");
        var link = LinkFor(app.DataDirectory, "eu", "signe@example.test");
        using (var view = await recipient.GetAsync(new Uri($"/api/v1/signing/{link}/document.pdf", UriKind.Relative))) Assert.Equal(HttpStatusCode.OK, view.StatusCode);
        using (var consent = await recipient.PostAsJsonAsync($"/api/v1/signing/{link}/consent", new { accept = true })) Assert.Equal(HttpStatusCode.NoContent, consent.StatusCode);
        if (databaseOnDisk)
        {
            await CheckpointAsync(disk.Combine("sigill.db"));
        }
        var blobs = await BlobFilesAsync(app);

        await disk.FillAsync();
        var newPdf = SamplePdf("Uploaded while the disk was full");
        using (var upload = await UploadAsync(sender, "While full", newPdf)) await AssertFullAsync(upload, log);
        using (var sign = await recipient.PostAsJsonAsync($"/api/v1/signing/{link}/sign", new { typedName = "Signe Signer" })) await AssertFullAsync(sign, log);
        using (var add = await sender.PostAsJsonAsync($"/api/v1/documents/{draft}/recipients", new { name = "Cecilia Copy", email = "cecilia@example.test", role = "cc" }))
        {
            // A row alone needs room only in the database's folder: with the blob folder full it is stored as usual.
            if (databaseOnDisk) await AssertFullAsync(add, log);
            else Assert.True(add.IsSuccessStatusCode, $"{(int)add.StatusCode}: {await add.Content.ReadAsStringAsync()}");
        }

        // Nothing half-way: no object or temporary file was left in the blob folder, no row was written, and what was
        // stored before is still served and decrypts.
        Assert.Equal(blobs, await BlobFilesAsync(app));
        Assert.Equal(["Draft", "Earlier", "Sent"], await TitlesAsync(sender));
        var document = await sender.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/documents/{sent}", UriKind.Relative));
        Assert.Equal("sent", document.GetProperty("status").GetString());
        Assert.Equal("notified", RecipientStatus(document, signer));
        Assert.Equal(earlierPdf, await sender.GetByteArrayAsync(new Uri($"/api/v1/documents/{earlier}/pdf", UriKind.Relative)));

        // The operator makes room; Sigill keeps running and the same requests now succeed.
        await disk.GrowAsync("96m");
        using (var upload = await UploadAsync(sender, "While full", newPdf)) Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var signed = await PostOkAsync(recipient, $"/api/v1/signing/{link}/sign", new { typedName = "Signe Signer" });
        Assert.Equal("completed", signed.GetProperty("documentStatus").GetString());
        if (databaseOnDisk)
        {
            await AddRecipientAsync(sender, draft, "Cecilia Copy", "cecilia@example.test", role: "cc");
        }
        Assert.Equal(["Draft", "Earlier", "Sent", "While full"], await TitlesAsync(sender));
        Assert.StartsWith("%PDF-", System.Text.Encoding.ASCII.GetString(await SealedPdfAsync(sender, sent), 0, 5));
        Assert.Equal(earlierPdf, await sender.GetByteArrayAsync(new Uri($"/api/v1/documents/{earlier}/pdf", UriKind.Relative)));
        Assert.DoesNotContain(await BlobFilesAsync(app), f => Path.GetFileName(f).StartsWith(".tmp-", StringComparison.Ordinal));

        var report = await Sigill.Api.Features.Doctor.CellDoctor.ExamineAsync(app.Cells.Get("eu"), repair: false, TimeProvider.System, null, CancellationToken.None);
        Assert.True(report.Problems == 0, string.Join("\n", report.Findings.Select(f => $"{f.Code} {f.Subject}: {f.Detail}")));
        Assert.Equal(4, report.Documents);
    }

    /// <summary>The region "eu" with its blob folder or its SQLite file moved onto the test's disk; the rest stays under the data directory.</summary>
    private static string Config(string? blobs = null, string? database = null)
    {
        var cell = new JsonObject();
        if (blobs is not null) cell["Blobs"] = new JsonObject { ["Path"] = blobs };
        if (database is not null) cell["Database"] = new JsonObject { ["ConnectionString"] = $"Data Source={database};Pooling=True;Default Timeout=30" };
        return new JsonObject { ["Cells"] = new JsonObject { ["eu"] = cell } }.ToJsonString();
    }

    /// <summary>
    /// Moves the write-ahead log into the database and truncates it, as SQLite does when the last connection closes (a
    /// restart): the log then holds no pages a commit could overwrite, so every commit needs new room. Without it a commit
    /// could fit into log pages written before the disk filled, and rightly succeed.
    /// </summary>
    private static async Task CheckpointAsync(string file)
    {
        await using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
        await connection.OpenAsync();
        for (var attempt = 1; ; attempt++)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            if (reader.GetInt32(0) == 0) return; // not blocked by a reader or writer of the running app
            Assert.True(attempt < 100, "the write-ahead log could not be checkpointed");
            await Task.Delay(100);
        }
    }

    /// <summary>Errors the app logs go to <paramref name="log"/> as well, so an unexpected 500 names its exception.</summary>
    private static Action<ILoggingBuilder> Logged(CapturedLog log) => b => b.AddProvider(log).SetMinimumLevel(LogLevel.Error);

    private static async Task AssertFullAsync(HttpResponseMessage response, CapturedLog log)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.InsufficientStorage, $"{(int)response.StatusCode}: {text}\n{string.Join("\n", log.Lines)}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("storage_full", JsonDocument.Parse(text).RootElement.GetProperty("code").GetString());
        Assert.Equal("Storage is full.", JsonDocument.Parse(text).RootElement.GetProperty("title").GetString()); // says what happened
        Assert.DoesNotContain("/tmp", text, StringComparison.Ordinal); // no path leaves in a problem
        Assert.DoesNotContain("No space", text, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Every file in the region's blob folder, temporary ones too, except the empty probe the cell's health check writes
    /// and deletes every few seconds (<c>.tmp-ready-*</c>), which a listing may catch.
    /// </summary>
    private static async Task<List<string>> BlobFilesAsync(SigillApp app) =>
        [.. (await app.BlobsAsync("eu")).Where(f => !Path.GetFileName(f).StartsWith(".tmp-ready-", StringComparison.Ordinal))];

    private static string RecipientStatus(JsonElement document, string recipientId) =>
        document.GetProperty("recipients").EnumerateArray().Single(r => r.GetProperty("id").GetString() == recipientId).GetProperty("status").GetString()!;

    /// <summary>The sealed PDF is written after the last signature's commit (completion); wait for it generously.</summary>
    private static async Task<byte[]> SealedPdfAsync(HttpClient client, string id)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var response = await client.GetAsync(new Uri($"/api/v1/documents/{id}/sealed.pdf", UriKind.Relative));
            if (response.StatusCode == HttpStatusCode.OK) return await response.Content.ReadAsByteArrayAsync();
            Assert.True(attempt < 120, $"no sealed PDF after a minute: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            await Task.Delay(500);
        }
    }

    private static async Task<List<string>> TitlesAsync(HttpClient client) =>
        [.. (await client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/documents", UriKind.Relative))).EnumerateArray().Select(d => d.GetProperty("title").GetString()!).Order(StringComparer.Ordinal)];
}
