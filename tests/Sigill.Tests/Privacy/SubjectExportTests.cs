using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Audit;
using Sigill.Tests.Identity;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Privacy;

/// <summary>
/// Exporting one data subject (issue 18, ADR 0016, docs/formats/privacy-export.md): the package holds exactly the person's
/// records and the PDFs they received or signed; other people on the same documents appear only as a role and a masked
/// address; the package is downloadable by the organization's admins until it expires, then a job deletes it.
/// </summary>
public sealed class SubjectExportTests
{
    // AppJobs.Config already has a "Privacy" section (the retention scheduler off): the export cap joins it, as one JSON object has each key once.
    private static readonly string Config = "{" + AppJobs.Config.Replace("\"Privacy\": { ", "\"Privacy\": { \"Export\": { \"MaxDocuments\": 2 }, ", StringComparison.Ordinal) + "}";

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task An_admin_exports_exactly_one_persons_data_others_masked_and_the_package_expires(Backend backend)
    {
        await using var app = await SigillApp.StartAsync(backend, Config);
        var jobs = new AppJobs(app, "eu");
        var account = await IdentityKit.SignUpAsync(app, "olle.owner@example.com", "eu", "Export AB");
        using var owner = app.Web(account.Session);

        // Ada and Bob sign a lease (Ada fills a field); Ada is a copy on a draft with Adam.
        var signed = (await UploadOkAsync(owner, "Ada's lease", SamplePdf("lease"))).GetProperty("id").GetString()!;
        var ada = await AddRecipientAsync(owner, signed, "Ada Lovelace", "ada@example.com", order: 1);
        var bob = await AddRecipientAsync(owner, signed, "Bob Builder", "bob@example.com", order: 2);
        var text = await AddFieldAsync(owner, signed, ada, "text", 100);
        await AddFieldAsync(owner, signed, ada, "signature", 200);
        await AddFieldAsync(owner, signed, bob, "signature", 300);
        await PostOkAsync(owner, $"/api/v1/documents/{signed}/send", new { });
        await SignAsync(app, LinkFor(app.DataDirectory, "eu", "ada@example.com"), new { typedName = "Ada Lovelace", fields = new object[] { new { id = text, value = "Flat 4B, Quokka Lane" } } });
        await SignAsync(app, LinkFor(app.DataDirectory, "eu", "bob@example.com"), new { typedName = "Bob Builder" });
        var draft = (await UploadOkAsync(owner, "Board minutes", SamplePdf("minutes"))).GetProperty("id").GetString()!;
        var adaCopy = await AddRecipientAsync(owner, draft, "Ada Lovelace", "ADA@example.com", "cc");
        await AddRecipientAsync(owner, draft, "Adam Smith", "adam@example.com");

        // Another organization holds Ada too.
        var other = await IdentityKit.SignUpAsync(app, "otto.other@example.com", "eu", "Other AB");
        using var otherOwner = app.Web(other.Session);
        var foreign = (await UploadOkAsync(otherOwner, "Foreign contract", SamplePdf("foreign"))).GetProperty("id").GetString()!;
        var foreignAda = await AddRecipientAsync(otherOwner, foreign, "Ada Lovelace", "ada@example.com");

        var created = await CreateAsync(owner, " Ada@EXAMPLE.com ");
        var id = created.GetProperty("id").GetString()!;
        Assert.StartsWith("pex_eu_", id, StringComparison.Ordinal);
        Assert.Equal(2, created.GetProperty("recipientEntries").GetInt32());
        Assert.Equal(1, created.GetProperty("pdfs").GetInt32());
        var expiresAt = created.GetProperty("expiresAt").GetDateTime();
        Assert.InRange(expiresAt - created.GetProperty("createdAt").GetDateTime(), TimeSpan.FromDays(7) - TimeSpan.FromSeconds(1), TimeSpan.FromDays(7));

        var (json, files) = await DownloadAsync(owner, id);
        Assert.Equal(["documents/" + signed + ".pdf", "subject.json"], files.Keys.Order(StringComparer.Ordinal).ToArray());
        using (var sealedPdf = await owner.GetAsync($"/api/v1/documents/{signed}/sealed.pdf"))
        {
            Assert.Equal(await sealedPdf.Content.ReadAsByteArrayAsync(), files["documents/" + signed + ".pdf"]); // the PDF as signed and sealed
        }
        var package = JsonDocument.Parse(json).RootElement;
        Assert.Equal("sigill.privacy-export/1", package.GetProperty("format").GetString());
        Assert.Equal("ada@example.com", package.GetProperty("subjectEmail").GetString());
        var entries = package.GetProperty("recipientEntries").EnumerateArray().ToList();
        Assert.Equal([.. new[] { ada, adaCopy }.Order(StringComparer.Ordinal)],
            entries.Select(e => e.GetProperty("recipient").GetProperty("recipientId").GetString()!).Order(StringComparer.Ordinal).ToArray());
        var lease = entries.Single(e => e.GetProperty("recipient").GetProperty("recipientId").GetString() == ada);
        Assert.Equal("documents/" + signed + ".pdf", lease.GetProperty("pdf").GetString());
        Assert.Equal("SigillTest/1.0", lease.GetProperty("recipient").GetProperty("completedUserAgent").GetString());
        Assert.Contains(lease.GetProperty("recipient").GetProperty("fields").EnumerateArray(), f => f.GetProperty("value").GetString() == "Flat 4B, Quokka Lane");
        var bobMasked = Assert.Single(lease.GetProperty("otherRecipients").EnumerateArray());
        Assert.Equal("Signer 2", bobMasked.GetProperty("label").GetString());
        Assert.Equal("b•••@example.com", bobMasked.GetProperty("maskedEmail").GetString());
        Assert.Equal("signed", bobMasked.GetProperty("status").GetString());
        var minutes = entries.Single(e => e.GetProperty("recipient").GetProperty("recipientId").GetString() == adaCopy);
        Assert.Equal(JsonValueKind.Null, minutes.GetProperty("pdf").ValueKind); // a draft she never received
        Assert.Equal("a•••@example.com", Assert.Single(minutes.GetProperty("otherRecipients").EnumerateArray()).GetProperty("maskedEmail").GetString());
        var consent = Assert.Single(package.GetProperty("consents").EnumerateArray());
        Assert.Equal(ada, consent.GetProperty("recipientId").GetString());
        Assert.StartsWith("aev_eu_", consent.GetProperty("eventId").GetString(), StringComparison.Ordinal);

        // Exactly Ada's data: the file names her, and no other person beyond the role and masked address.
        Assert.Contains("Ada Lovelace", json, StringComparison.Ordinal);
        foreach (var stranger in new[] { "bob@example.com", "Bob", "Builder", "adam@example.com", "Adam", "Smith", "olle", "Olle", "otto", bob, foreignAda, foreign })
        {
            Assert.DoesNotContain(stranger, json, StringComparison.Ordinal);
        }

        // The other organization: its own Ada only; Bob is nobody there (an empty export that says nothing); our package is 404.
        var (theirs, theirFiles) = await DownloadAsync(otherOwner, (await CreateAsync(otherOwner, "ada@example.com")).GetProperty("id").GetString()!);
        Assert.Equal(foreignAda, Assert.Single(JsonDocument.Parse(theirs).RootElement.GetProperty("recipientEntries").EnumerateArray())
            .GetProperty("recipient").GetProperty("recipientId").GetString());
        Assert.DoesNotContain(signed, theirs, StringComparison.Ordinal);
        Assert.Single(theirFiles); // subject.json: the draft was never sent to her
        var (nobody, _) = await DownloadAsync(otherOwner, (await CreateAsync(otherOwner, "bob@example.com")).GetProperty("id").GetString()!);
        Assert.Empty(JsonDocument.Parse(nobody).RootElement.GetProperty("recipientEntries").EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await otherOwner.GetAsync($"/api/v1/privacy/exports/{id}")).StatusCode);

        // Another region's admin: the id names the eu cell, which that caller's region never reads.
        var american = await IdentityKit.SignUpAsync(app, "uma.us@example.com", "us", "US Inc");
        using var usOwner = app.Web(american.Session);
        Assert.Equal(HttpStatusCode.NotFound, (await usOwner.GetAsync($"/api/v1/privacy/exports/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await usOwner.GetAsync($"/api/v1/privacy/exports/{id.Replace("pex_eu_", "pex_us_", StringComparison.Ordinal)}")).StatusCode);

        // Creation and download are audit events that name the package, never the person.
        await using (var db = app.Cells.Get("eu").CreateDbContext())
        {
            Assert.Equal(1, await db.Set<AuditEvent>().CountAsync(e => e.Action == "privacy.export_created" && e.OrganizationId == account.OrganizationId));
            Assert.Equal(1, await db.Set<AuditEvent>().CountAsync(e => e.Action == "privacy.export_downloaded" && e.OrganizationId == account.OrganizationId));
        }

        // Bounded: a person on more documents than one export holds is refused with a clear problem, nothing stored.
        var third = (await UploadOkAsync(owner, "Third", SamplePdf("third"))).GetProperty("id").GetString()!;
        await AddRecipientAsync(owner, third, "Ada Lovelace", "ada@example.com");
        using (var tooLarge = await owner.PostAsJsonAsync("/api/v1/privacy/exports", new { email = "ada@example.com" }))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, tooLarge.StatusCode);
            Assert.Equal("privacy_export_too_large", await ProblemCodeAsync(tooLarge));
        }
        foreach (object bad in new object[] { new { }, new { email = "not-an-address" }, new { email = new string('a', 320) + "@example.com" } })
        {
            using var refused = await owner.PostAsJsonAsync("/api/v1/privacy/exports", bad);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("validation_failed", await ProblemCodeAsync(refused));
        }

        // Expiry: nothing is deleted before the day; then the job deletes the object and the row, and running again is harmless.
        jobs.Time.Advance(TimeSpan.FromDays(6));
        await jobs.DrainAsync();
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync($"/api/v1/privacy/exports/{id}")).StatusCode);
        jobs.Time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        await jobs.DrainAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync($"/api/v1/privacy/exports/{id}")).StatusCode);
        Assert.DoesNotContain(await app.BlobsAsync("eu"), b => b.Contains(id, StringComparison.Ordinal));
        Assert.Equal(0, await jobs.DrainAsync());
        await using (var db = app.Cells.Get("eu").CreateDbContext())
        {
            Assert.Equal(3, await db.Set<AuditEvent>().CountAsync(e => e.Action == "privacy.export_deleted"));
        }
    }

    [Fact]
    public async Task A_signed_in_person_exports_their_own_account_memberships_and_sessions()
    {
        await using var app = await SigillApp.StartAsync();
        var account = await IdentityKit.SignUpAsync(app, "sara.self@example.com", "eu", "Self AB");
        using var me = app.Web(account.Session);
        using var response = await me.GetAsync("/api/v1/account/export");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var export = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("sigill.account-export/1", export.GetProperty("format").GetString());
        Assert.Equal(account.UserId, export.GetProperty("account").GetProperty("id").GetString());
        Assert.Equal("sara.self@example.com", export.GetProperty("account").GetProperty("email").GetString());
        var membership = Assert.Single(export.GetProperty("memberships").EnumerateArray());
        Assert.Equal(account.OrganizationId, membership.GetProperty("organizationId").GetString());
        Assert.Equal("Self AB", membership.GetProperty("organizationName").GetString());
        Assert.Equal("owner", membership.GetProperty("role").GetString());
        Assert.NotEmpty(export.GetProperty("sessions").EnumerateArray());
        await using var db = app.Cells.Get("eu").CreateDbContext();
        Assert.Equal(1, await db.Set<AuditEvent>().CountAsync(e => e.Action == "account.exported" && e.OrganizationId == account.OrganizationId));
    }

    private static async Task<JsonElement> CreateAsync(HttpClient client, string email)
    {
        using var response = await client.PostAsJsonAsync("/api/v1/privacy/exports", new { email });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Downloads a package: subject.json as text, and every file's bytes by name.</summary>
    private static async Task<(string Json, Dictionary<string, byte[]> Files)> DownloadAsync(HttpClient client, string id)
    {
        using var response = await client.GetAsync($"/api/v1/privacy/exports/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        using var zip = new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync()), ZipArchiveMode.Read);
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var entry in zip.Entries)
        {
            using var stream = entry.Open();
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer);
            files[entry.FullName] = buffer.ToArray();
        }
        return (Encoding.UTF8.GetString(files["subject.json"]), files);
    }
}
