using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Embedding;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Embedding;

/// <summary>
/// Embedded sending on both backends (docs/embedding.md): a single-use URL for one draft, one registered origin and one
/// member who can write documents; opening it once gives a session of that member scoped to that draft, which the API
/// refuses everywhere else (deny by default) and which prepares and sends its draft.
/// </summary>
public sealed partial class EmbedSendTests(SharedApps apps) : IClassFixture<SharedApps>
{
    public const string AppOrigin = "https://app.example.com";

    [GeneratedRegex("/e/send/(sge_[a-z]+_[0-9a-z]{52})$")]
    private static partial Regex SendUrl();

    internal sealed record Org(HttpClient Token, string OrganizationId, string Region);

    internal static async Task<Org> OrgAsync(SigillApp app, string name, string region, params string[] origins)
    {
        var org = await app.SetUpOrganizationAsync(name, region);
        var token = app.Web(org.ApiToken);
        using (var saved = await token.PutAsJsonAsync(EmbeddingEndpoints.Path, new { allowedOrigins = origins })) Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        return new Org(token, org.OrganizationId, region);
    }

    /// <summary>A new member of <paramref name="organizationId"/> with <paramref name="role"/> and a full (unscoped) session: (user id, session).</summary>
    internal static async Task<(string UserId, string Session)> MemberAsync(SigillApp app, string region, string organizationId, string role)
    {
        var cell = app.Cells.Get(region);
        var now = DateTime.UtcNow;
        await using var db = cell.CreateDbContext();
        var accounts = app.ApiServices.GetRequiredService<Sigill.Api.Features.Accounts.Accounts>();
        var email = $"{role}-{Guid.NewGuid():N}@example.com";
        var user = await accounts.NewUserAsync(cell, email, role, null, CancellationToken.None);
        db.Users.Add(user);
        db.Memberships.Add(await Sigill.Api.Features.Accounts.Accounts.NewMembershipAsync(cell, organizationId, user.Id, email, role, role, now, CancellationToken.None));
        var (presented, id, hash) = Sigill.Api.Platform.Security.PresentedSecret.Session.Issue(region);
        db.Sessions.Add(new Sigill.Api.Features.Accounts.Session
        {
            Id = id, UserId = user.Id, OrganizationId = organizationId, SecretHash = hash, Method = "password",
            CreatedAt = now, LastSeenAt = now, ExpiresAt = now.AddHours(1),
        });
        await db.SaveChangesAsync();
        return (user.Id, presented);
    }

    internal static async Task<string> DraftAsync(HttpClient client, string title = "Embedded draft") =>
        (await UploadOkAsync(client, title, SamplePdf("Draft text"))).GetProperty("id").GetString()!;

    internal static Task<HttpResponseMessage> IssueAsync(HttpClient client, string documentId, string origin, string? userId = null) =>
        client.PostAsJsonAsync($"/api/v1/documents/{documentId}/embed-send-url", new { origin, userId });

    /// <summary>Issues a sending URL and returns its token (<c>sge_…</c>), checking the answer's shape.</summary>
    internal static async Task<string> IssueOkAsync(HttpClient client, string documentId, string origin, string? userId = null)
    {
        using var response = await IssueAsync(client, documentId, origin, userId);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var url = body.GetProperty("url").GetString()!;
        Assert.InRange(body.GetProperty("expiresAt").GetDateTime() - DateTime.UtcNow, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5.5));
        var match = SendUrl().Match(url);
        Assert.True(match.Success, url);
        return match.Groups[1].Value;
    }

    private static HttpClient As(SigillApp app, string session)
    {
        var client = app.Web();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", session);
        return client;
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_send_url_opens_once_as_a_session_scoped_to_its_draft_which_prepares_and_sends_it(Backend backend)
    {
        var app = await apps.For(backend);
        var org = await OrgAsync(app, "Acme Embed Send", "eu", AppOrigin);
        using var owned = org.Token;
        var (memberId, _) = await MemberAsync(app, "eu", org.OrganizationId, "member");
        var draft = await DraftAsync(org.Token);
        var other = await DraftAsync(org.Token, "Another draft");

        var token = await IssueOkAsync(org.Token, draft, "https://APP.example.com", memberId); // an organization token names the member
        using var web = app.Web();
        var opened = await PostOkAsync(web, $"/api/v1/embed/{token}/open-send", new { });
        var session = opened.GetProperty("session").GetString()!;
        Assert.StartsWith("sgs_eu_", session, StringComparison.Ordinal);
        Assert.Equal(AppOrigin, opened.GetProperty("origin").GetString());
        Assert.Equal(draft, opened.GetProperty("documentId").GetString());
        Assert.Equal(memberId, opened.GetProperty("userId").GetString());
        Assert.InRange(opened.GetProperty("expiresAt").GetDateTime() - DateTime.UtcNow, TimeSpan.FromMinutes(29), TimeSpan.FromMinutes(31));

        // Replay, and the sending token on the signing route: gone.
        await AssertGoneAsync(web, $"/api/v1/embed/{token}/open-send");
        await AssertGoneAsync(web, $"/api/v1/embed/{token}/open");

        using var scoped = As(app, session);
        // Deny by default: everything outside its own draft's routes is 403 before any endpoint runs.
        foreach (var (method, path) in new[]
        {
            ("GET", "/api/v1/documents"), ("GET", "/api/v1/documents/"), ($"GET", $"/api/v1/documents/{other}"), ("GET", $"/api/v1/documents/{draft}x"),
            ("GET", $"/api/v1/documents/{draft}/activity"), ("POST", $"/api/v1/documents/{other}/void"), ("DELETE", $"/api/v1/documents/{other}"),
            ("DELETE", $"/api/v1/documents/{draft}"), ("POST", $"/api/v1/documents/{draft}/duplicate"), ("POST", $"/api/v1/documents/{draft}/embed-send-url"),
            ("POST", $"/api/v1/documents/{other}/recipients"), ("GET", "/api/v1/account"), ("GET", "/api/v1/account/sessions"), ("GET", "/api/v1/members"),
            ("POST", "/api/v1/tokens"), ("PUT", EmbeddingEndpoints.Path), ("GET", "/api/v1/organizations/current"), ("GET", "/api/v1/templates"),
        })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method is "POST" or "PUT") request.Content = JsonContent.Create(new { origin = AppOrigin, allowedOrigins = Array.Empty<string>(), name = "x" });
            using var refused = await scoped.SendAsync(request);
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{method} {path}: {(int)refused.StatusCode}");
            Assert.Equal("embed_session_out_of_scope", await ProblemCodeAsync(refused));
        }

        // Its own draft: read, recipients, fields, the PDF, and sending.
        using (var read = await scoped.GetAsync($"/api/v1/documents/{draft}")) Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        using (var pdf = await scoped.GetAsync($"/api/v1/documents/{draft}/pdf")) Assert.Equal(HttpStatusCode.OK, pdf.StatusCode);
        var email = $"embedded-{Guid.NewGuid():N}@example.test";
        var gone = await AddRecipientAsync(scoped, draft, "Removed Again", $"gone-{Guid.NewGuid():N}@example.test");
        using (var removed = await scoped.DeleteAsync($"/api/v1/documents/{draft}/recipients/{gone}")) Assert.True(removed.IsSuccessStatusCode);
        var r = await AddRecipientAsync(scoped, draft, "Sam Sent", email);
        await AddFieldAsync(scoped, draft, r, "signature", 100);
        await PostOkAsync(scoped, $"/api/v1/documents/{draft}/send", new { message = "From the embedded page", expiresInDays = 7 });
        Assert.False(string.IsNullOrEmpty(LinkFor(app.DataDirectory, "eu", email))); // the invitation went out
        Assert.Equal("sent", (await org.Token.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{draft}")).GetProperty("status").GetString());

        await using (var db = app.Cells.Get("eu").CreateDbContext())
        {
            var stored = await db.Sessions.SingleAsync(s => s.DocumentId == draft);
            Assert.Equal(memberId, stored.UserId);
            Assert.Equal("embed-send", stored.Method);
            Assert.Equal(1, await db.Set<AuditEvent>().CountAsync(e => e.OrganizationId == org.OrganizationId && e.Action == "document.embed_send_url_issued"));
            Assert.Equal(1, await db.Set<AuditEvent>().CountAsync(e => e.OrganizationId == org.OrganizationId && e.Action == "document.embed_send_opened"));
            var grant = await db.EmbedGrants.SingleAsync(g => g.DocumentId == draft);
            Assert.Equal(EmbedGrant.Send, grant.Kind);
            Assert.Equal(memberId, grant.UserId);
            Assert.Null(grant.RecipientId);
            Assert.NotNull(grant.UsedAt);
            Assert.Equal(32, grant.TokenHash.Length);
        }

        // Signing out ends it; a full session or a token cannot use the route.
        using (var full = As(app, (await MemberAsync(app, "eu", org.OrganizationId, "admin")).Session))
        using (var notScoped = await full.PostAsJsonAsync(EmbedSendEndpoints.SignOutPath, new { }))
        {
            Assert.Equal(HttpStatusCode.NotFound, notScoped.StatusCode);
        }
        using (var end = await scoped.PostAsJsonAsync(EmbedSendEndpoints.SignOutPath, new { })) Assert.Equal(HttpStatusCode.NoContent, end.StatusCode);
        using (var after = await scoped.GetAsync($"/api/v1/documents/{draft}")) Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Bad_origins_users_documents_and_expired_urls_are_refused_and_store_nothing(Backend backend)
    {
        var app = await apps.For(backend);
        var org = await OrgAsync(app, "Acme Embed Send Refusals", "eu", AppOrigin);
        var stranger = await OrgAsync(app, "Other Embed Send Org", "eu", AppOrigin);
        using var owned = org.Token;
        using var ownedStranger = stranger.Token;
        var (memberId, memberSession) = await MemberAsync(app, "eu", org.OrganizationId, "member");
        var (viewerId, _) = await MemberAsync(app, "eu", org.OrganizationId, "viewer");
        var (adminId, adminSession) = await MemberAsync(app, "eu", org.OrganizationId, "admin");
        var (strangerId, _) = await MemberAsync(app, "eu", stranger.OrganizationId, "owner");
        var draft = await DraftAsync(org.Token);

        async Task RefusedAsync(HttpClient client, string documentId, string origin, string? userId, HttpStatusCode status, string? code)
        {
            using var response = await IssueAsync(client, documentId, origin, userId);
            Assert.True(response.StatusCode == status, $"{origin} {userId}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            if (code is not null) Assert.Equal(code, await ProblemCodeAsync(response));
        }
        foreach (var origin in new[] { "https://evil.example.com", "http://app.example.com", "*", "https://app.example.com/", "" })
        {
            await RefusedAsync(org.Token, draft, origin, memberId, HttpStatusCode.BadRequest, "embed_origin_not_registered");
        }
        await RefusedAsync(org.Token, draft, AppOrigin, null, HttpStatusCode.BadRequest, "embed_user_required"); // an organization token is nobody
        await RefusedAsync(org.Token, draft, AppOrigin, viewerId, HttpStatusCode.BadRequest, "embed_user_invalid"); // cannot write documents
        await RefusedAsync(org.Token, draft, AppOrigin, strangerId, HttpStatusCode.BadRequest, "embed_user_invalid"); // another organization's member
        await RefusedAsync(org.Token, draft, AppOrigin, "usr_eu_nobody", HttpStatusCode.BadRequest, "embed_user_invalid");
        using (var member = As(app, memberSession))
        {
            await RefusedAsync(member, draft, AppOrigin, adminId, HttpStatusCode.BadRequest, "embed_user_invalid"); // a member names only themselves
            await RefusedAsync(stranger.Token, draft, AppOrigin, strangerId, HttpStatusCode.NotFound, null); // another organization's document
            var own = await IssueOkAsync(member, draft, AppOrigin); // a member's session: for themselves
            using var web = app.Web();
            var opened = await PostOkAsync(web, $"/api/v1/embed/{own}/open-send", new { });
            Assert.Equal(memberId, opened.GetProperty("userId").GetString());
        }
        using (var admin = As(app, adminSession))
        {
            await IssueOkAsync(admin, draft, AppOrigin, memberId); // an admin may name a member
        }

        // Not a draft.
        var sent = await DraftAsync(org.Token, "Sent one");
        var r = await AddRecipientAsync(org.Token, sent, "Sid Sent", $"sid-{Guid.NewGuid():N}@example.test");
        await AddFieldAsync(org.Token, sent, r, "signature", 100);
        await PostOkAsync(org.Token, $"/api/v1/documents/{sent}/send", new { expiresInDays = 7 });
        await RefusedAsync(org.Token, sent, AppOrigin, memberId, HttpStatusCode.Conflict, "document_not_draft");

        var cell = app.Cells.Get("eu");
        using var anonymous = app.Web();
        // Expired.
        var expired = await IssueOkAsync(org.Token, draft, AppOrigin, memberId);
        await using (var db = cell.CreateDbContext())
        {
            var hash = Sigill.Api.Features.Documents.DocumentWorkflow.HashLinkToken(expired);
            await db.EmbedGrants.Where(g => g.TokenHash == hash).ExecuteUpdateAsync(s => s.SetProperty(g => g.ExpiresAt, DateTime.UtcNow.AddSeconds(-1)));
        }
        await AssertGoneAsync(anonymous, $"/api/v1/embed/{expired}/open-send");
        await AssertGoneAsync(anonymous, $"/api/v1/embed/sge_eu_{new string('a', 52)}/open-send");
        using (var malformed = await anonymous.PostAsJsonAsync("/api/v1/embed/sge_eu_short/open-send", new { })) Assert.Equal(HttpStatusCode.NotFound, malformed.StatusCode);

        // The member was demoted to viewer after the URL was issued: it no longer opens.
        var demoted = await IssueOkAsync(org.Token, draft, AppOrigin, memberId);
        await using (var db = cell.CreateDbContext())
        {
            await db.Memberships.Where(m => m.UserId == memberId && m.OrganizationId == org.OrganizationId).ExecuteUpdateAsync(s => s.SetProperty(m => m.Role, "viewer"));
        }
        await AssertGoneAsync(anonymous, $"/api/v1/embed/{demoted}/open-send");

        // The draft was sent after the URL was issued: a conflict, and the use is taken.
        var late = await IssueOkAsync(org.Token, draft, AppOrigin, adminId);
        var lr = await AddRecipientAsync(org.Token, draft, "Lee Late", $"lee-{Guid.NewGuid():N}@example.test");
        await AddFieldAsync(org.Token, draft, lr, "signature", 100);
        await PostOkAsync(org.Token, $"/api/v1/documents/{draft}/send", new { expiresInDays = 7 });
        using (var conflict = await anonymous.PostAsJsonAsync($"/api/v1/embed/{late}/open-send", new { }))
        {
            Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
            Assert.Equal("document_not_draft", await ProblemCodeAsync(conflict));
        }
        await AssertGoneAsync(anonymous, $"/api/v1/embed/{late}/open-send");

        // Refusals stored no grant: only the five issued above, less the expired one the next issue deleted.
        await using (var db = cell.CreateDbContext())
        {
            var expiredHash = Sigill.Api.Features.Documents.DocumentWorkflow.HashLinkToken(expired);
            Assert.Equal(0, await db.EmbedGrants.CountAsync(g => g.TokenHash == expiredHash));
            Assert.Equal(4, await db.EmbedGrants.CountAsync(g => g.OrganizationId == org.OrganizationId));
            Assert.Equal(0, await db.EmbedGrants.CountAsync(g => g.DocumentId == sent));
        }
    }

    [Fact]
    public void The_scope_matches_whole_segments_and_only_the_draft_routes()
    {
        const string id = "doc_eu_abc";
        Assert.True(DocumentScopeMiddleware.Allowed("GET", $"/api/v1/documents/{id}", id));
        Assert.True(DocumentScopeMiddleware.Allowed("POST", $"/api/v1/documents/{id}/fields", id));
        Assert.True(DocumentScopeMiddleware.Allowed("PATCH", $"/api/v1/documents/{id}/fields/fld_1", id));
        Assert.True(DocumentScopeMiddleware.Allowed("POST", $"/api/v1/documents/{id}/send", id));
        Assert.True(DocumentScopeMiddleware.Allowed("POST", EmbedSendEndpoints.SignOutPath, id));
        Assert.False(DocumentScopeMiddleware.Allowed("GET", $"/api/v1/documents/{id}x", id));
        Assert.False(DocumentScopeMiddleware.Allowed("GET", $"/api/v1/documents/{id.ToUpperInvariant()}", id));
        Assert.False(DocumentScopeMiddleware.Allowed("GET", $"/api/v1/documents/x{id}", id));
        Assert.False(DocumentScopeMiddleware.Allowed("POST", $"/api/v1/documents/{id}/void", id));
        Assert.False(DocumentScopeMiddleware.Allowed("DELETE", $"/api/v1/documents/{id}", id));
        Assert.False(DocumentScopeMiddleware.Allowed("POST", $"/api/v1/documents/{id}/recipients/r/embed-url", id));
        Assert.False(DocumentScopeMiddleware.Allowed("POST", $"/api/v1/documents/{id}/recipients/r/resend", id));
        Assert.False(DocumentScopeMiddleware.Allowed("GET", "/api/v1/documents", id));
        Assert.False(DocumentScopeMiddleware.Allowed("GET", "/api/v1/account", id));
        Assert.False(DocumentScopeMiddleware.Allowed("GET", $"/api/v1/documents/{id}/../other", id));
    }

    private static async Task AssertGoneAsync(HttpClient web, string path)
    {
        using var response = await web.PostAsJsonAsync(path, new { });
        Assert.True(response.StatusCode == HttpStatusCode.Gone, $"{path}: {(int)response.StatusCode}");
        Assert.Equal("embed_url_used_or_expired", await ProblemCodeAsync(response));
    }
}
