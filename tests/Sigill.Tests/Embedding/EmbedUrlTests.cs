using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Embedding;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Embedding;

/// <summary>
/// Embedded signing URLs on both backends (docs/embedding.md): issued only for a registered origin and a recipient who
/// can sign now, opened exactly once and never after expiry, and the recipient link they give signs (the e-mailed one
/// stops working).
/// </summary>
public sealed partial class EmbedUrlTests(SharedApps apps) : IClassFixture<SharedApps>
{
    public const string AppOrigin = "https://app.example.com";

    [GeneratedRegex("/e/(sge_[a-z]+_[0-9a-z]{52})$")]
    private static partial Regex EmbedUrl();

    internal sealed record Sent(HttpClient Sender, string DocumentId, string RecipientId, string Email, string OrganizationId);

    /// <summary>An organization with <paramref name="origins"/> registered and a sent document with one signer.</summary>
    internal static async Task<Sent> SentAsync(SigillApp app, string orgName, string region, params string[] origins)
    {
        var org = await app.SetUpOrganizationAsync(orgName, region);
        var sender = app.Web(org.ApiToken);
        using (var saved = await sender.PutAsJsonAsync(EmbeddingEndpoints.Path, new { allowedOrigins = origins })) Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        var id = (await UploadOkAsync(sender, "Embedded lease", SamplePdf("Lease text"))).GetProperty("id").GetString()!;
        var email = $"signer-{Guid.NewGuid():N}@example.test";
        var r = await AddRecipientAsync(sender, id, "Erin Embedded", email);
        await AddFieldAsync(sender, id, r, "signature", 100);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { message = "Please sign", expiresInDays = 7 });
        return new Sent(sender, id, r, email, org.OrganizationId);
    }

    internal static Task<HttpResponseMessage> IssueAsync(Sent sent, string origin, string? documentId = null, string? recipientId = null) =>
        sent.Sender.PostAsJsonAsync($"/api/v1/documents/{documentId ?? sent.DocumentId}/recipients/{recipientId ?? sent.RecipientId}/embed-url", new { origin });

    /// <summary>Issues a URL and returns its token (<c>sge_…</c>), checking the answer's shape.</summary>
    internal static async Task<string> IssueOkAsync(Sent sent, string origin)
    {
        using var response = await IssueAsync(sent, origin);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var url = body.GetProperty("url").GetString()!;
        var expires = body.GetProperty("expiresAt").GetDateTime();
        Assert.InRange(expires - DateTime.UtcNow, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5.5));
        var match = EmbedUrl().Match(url);
        Assert.True(match.Success, url);
        Assert.StartsWith("http", url, StringComparison.Ordinal);
        return match.Groups[1].Value;
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_url_for_a_registered_origin_opens_once_and_its_link_signs(Backend backend)
    {
        var app = await apps.For(backend);
        var sent = await SentAsync(app, "Acme Embed Flow", "eu", AppOrigin, "http://localhost:5173");
        using var owned = sent.Sender;
        var mailed = LinkFor(app.DataDirectory, "eu", sent.Email);

        var token = await IssueOkAsync(sent, "https://App.Example.com"); // compared in canonical form
        using var web = app.Web();
        var opened = await PostOkAsync(web, $"/api/v1/embed/{token}/open", new { });
        var link = opened.GetProperty("recipientToken").GetString()!;
        Assert.Matches("^sgr_eu_[0-9a-z]{52}$", link);
        Assert.Equal(AppOrigin, opened.GetProperty("origin").GetString());
        Assert.Equal(sent.DocumentId, opened.GetProperty("documentId").GetString());
        Assert.Equal(sent.RecipientId, opened.GetProperty("recipientId").GetString());

        // Replay: the second open is refused, and the e-mailed link was replaced by the embedded one.
        using (var again = await web.PostAsJsonAsync($"/api/v1/embed/{token}/open", new { }))
        {
            Assert.Equal(HttpStatusCode.Gone, again.StatusCode);
            Assert.Equal("embed_url_used_or_expired", await ProblemCodeAsync(again));
        }
        using (var old = await web.GetAsync($"/api/v1/signing/{mailed}")) Assert.Equal(HttpStatusCode.NotFound, old.StatusCode);

        var signed = await SignAsync(app, link, new { typedName = "Erin Embedded" });
        Assert.Equal("completed", signed.GetProperty("documentStatus").GetString());

        // Signed: no more URLs for this recipient.
        using (var late = await IssueAsync(sent, AppOrigin))
        {
            Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
            Assert.Equal("recipient_finished", await ProblemCodeAsync(late));
        }
        await using var db = app.Cells.Get("eu").CreateDbContext();
        Assert.Equal(1, await db.Set<AuditEvent>().CountAsync(e => e.OrganizationId == sent.OrganizationId && e.Action == "document.embed_url_issued"));
        Assert.Equal(1, await db.Set<AuditEvent>().CountAsync(e => e.OrganizationId == sent.OrganizationId && e.Action == "document.embed_opened"));
        var grant = await db.EmbedGrants.SingleAsync(g => g.DocumentId == sent.DocumentId);
        Assert.Equal(AppOrigin, grant.Origin);
        Assert.NotNull(grant.UsedAt);
        Assert.Equal(32, grant.TokenHash.Length); // only the hash is stored
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Unregistered_origins_other_organizations_finished_recipients_and_expired_urls_are_refused(Backend backend)
    {
        var app = await apps.For(backend);
        var sent = await SentAsync(app, "Acme Embed Refusals", "eu", AppOrigin);
        var other = await SentAsync(app, "Other Embed Org", "eu", AppOrigin);
        using var owned = sent.Sender;
        using var ownedOther = other.Sender;

        foreach (var origin in new[] { "https://evil.example.com", "https://app.example.com:8443", "http://app.example.com", "*", "https://app.example.com/", "" })
        {
            using var refused = await IssueAsync(sent, origin);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("embed_origin_not_registered", await ProblemCodeAsync(refused));
        }
        // Another organization's document or recipient: 404, as for every document route.
        using (var foreign = await IssueAsync(sent, AppOrigin, other.DocumentId, other.RecipientId)) Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        using (var mixed = await IssueAsync(sent, AppOrigin, sent.DocumentId, other.RecipientId)) Assert.Equal(HttpStatusCode.NotFound, mixed.StatusCode);

        // A draft has no one to sign yet.
        var draft = (await UploadOkAsync(sent.Sender, "Draft", SamplePdf("Draft text"))).GetProperty("id").GetString()!;
        var draftRecipient = await AddRecipientAsync(sent.Sender, draft, "Dora Draft", "dora@example.test");
        using (var notSent = await IssueAsync(sent, AppOrigin, draft, draftRecipient))
        {
            Assert.Equal(HttpStatusCode.Conflict, notSent.StatusCode);
            Assert.Equal("recipient_finished", await ProblemCodeAsync(notSent));
        }

        var cell = app.Cells.Get("eu");
        await using (var db = cell.CreateDbContext())
        {
            Assert.Equal(0, await db.EmbedGrants.CountAsync(g => g.DocumentId == sent.DocumentId || g.DocumentId == draft)); // refusals store nothing
        }

        using var web = app.Web();
        // Expired: the URL's five minutes have passed.
        var expired = await IssueOkAsync(sent, AppOrigin);
        await using (var db = cell.CreateDbContext())
        {
            var hash = Sigill.Api.Features.Documents.DocumentWorkflow.HashLinkToken(expired);
            await db.EmbedGrants.Where(g => g.TokenHash == hash).ExecuteUpdateAsync(s => s.SetProperty(g => g.ExpiresAt, DateTime.UtcNow.AddSeconds(-1)));
        }
        await AssertGoneAsync(web, expired);
        // Unknown (well-formed, never issued) is the same answer; malformed is 404.
        await AssertGoneAsync(web, $"sge_eu_{new string('a', 52)}");
        using (var malformed = await web.PostAsJsonAsync("/api/v1/embed/sge_eu_short/open", new { })) Assert.Equal(HttpStatusCode.NotFound, malformed.StatusCode);
        using (var wrongKind = await web.PostAsJsonAsync($"/api/v1/embed/sgr_eu_{new string('a', 52)}/open", new { })) Assert.Equal(HttpStatusCode.NotFound, wrongKind.StatusCode);

        // The organization removed the origin after the URL was issued: it no longer opens.
        var withdrawn = await IssueOkAsync(sent, AppOrigin);
        await using (var db = cell.CreateDbContext())
        {
            // Issuing a URL deleted the organization's expired one: the table keeps only URLs that still open.
            var hash = Sigill.Api.Features.Documents.DocumentWorkflow.HashLinkToken(expired);
            Assert.Equal(0, await db.EmbedGrants.CountAsync(g => g.TokenHash == hash));
            Assert.Equal(1, await db.EmbedGrants.CountAsync(g => g.DocumentId == sent.DocumentId && g.ExpiresAt > DateTime.UtcNow && g.UsedAt == null));
        }
        await AssertGoneAsync(web, expired);
        using (var saved = await sent.Sender.PutAsJsonAsync(EmbeddingEndpoints.Path, new { allowedOrigins = new[] { "https://other.example.com" } })) Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        await AssertGoneAsync(web, withdrawn);
        using (var saved = await sent.Sender.PutAsJsonAsync(EmbeddingEndpoints.Path, new { allowedOrigins = new[] { AppOrigin } })) Assert.Equal(HttpStatusCode.OK, saved.StatusCode);

        // The recipient signed (by the e-mailed link) after the URL was issued: opening it is a conflict, and the link stays.
        var late = await IssueOkAsync(sent, AppOrigin);
        var mailed = LinkFor(app.DataDirectory, "eu", sent.Email);
        await SignAsync(app, mailed, new { typedName = "Erin Embedded" });
        using (var finished = await web.PostAsJsonAsync($"/api/v1/embed/{late}/open", new { }))
        {
            Assert.Equal(HttpStatusCode.Conflict, finished.StatusCode);
            Assert.Equal("recipient_finished", await ProblemCodeAsync(finished));
        }
        await AssertGoneAsync(web, late); // and it was used up all the same
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Parallel_opens_of_one_url_let_exactly_one_through(Backend backend)
    {
        var app = await apps.For(backend);
        var sent = await SentAsync(app, "Acme Embed Race", "eu", AppOrigin);
        using var owned = sent.Sender;
        var token = await IssueOkAsync(sent, AppOrigin);
        var clients = Enumerable.Range(0, 6).Select(_ => app.Web()).ToList();
        try
        {
            var answers = await Task.WhenAll(clients.Select(c => c.PostAsJsonAsync($"/api/v1/embed/{token}/open", new { })));
            Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
            Assert.Equal(5, answers.Count(a => a.StatusCode == HttpStatusCode.Gone));
            foreach (var a in answers) a.Dispose();
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
        }
    }

    private static async Task AssertGoneAsync(HttpClient web, string token)
    {
        using var response = await web.PostAsJsonAsync($"/api/v1/embed/{token}/open", new { });
        Assert.Equal(HttpStatusCode.Gone, response.StatusCode);
        Assert.Equal("embed_url_used_or_expired", await ProblemCodeAsync(response));
    }
}
