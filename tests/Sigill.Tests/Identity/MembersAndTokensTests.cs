using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Identity.IdentityKit;

namespace Sigill.Tests.Identity;

/// <summary>Members, invitations, roles and API tokens. On both backends (the two classes at the end); each test has an app of its own.</summary>
public abstract partial class MembersAndTokensTests(Backend backend) : IAsyncLifetime
{
    private SigillApp _app = null!;

    public async Task InitializeAsync() => _app = await SigillApp.StartAsync(backend);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task An_invitation_by_email_makes_a_member_with_the_role_and_works_once()
    {
        var owner = await SignUpAsync(_app, "owner@acme.example", organization: "Acme AB");
        var viewer = await InviteAndAcceptAsync(owner, "viewer@acme.example", "viewer");

        using var asViewer = As(_app, viewer);
        var me = await asViewer.GetFromJsonAsync<JsonElement>("/api/v1/account");
        Assert.Equal("viewer", me.GetProperty("role").GetString());
        Assert.Equal(owner.OrganizationId, me.GetProperty("organizationId").GetString());
        var members = await As(_app, owner.Session).GetFromJsonAsync<JsonElement>("/api/v1/members");
        Assert.Equal(["owner@acme.example", "viewer@acme.example"], members.EnumerateArray().Select(m => m.GetProperty("email").GetString()).Order());

        // The link works once.
        using var web = _app.Web();
        using var again = await web.PostAsJsonAsync("/api/v1/regions/us/invitations/accept", new { invitation = LastInvitation("viewer@acme.example"), password = Password, name = "V" });
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal("invitation_invalid", Code(await JsonAsync(again)));
    }

    [Fact]
    public async Task Roles_limit_what_members_can_do_and_a_demotion_narrows_their_tokens_at_once()
    {
        var owner = await SignUpAsync(_app, "owner@roles.example", organization: "Roles AB");
        var member = await InviteAndAcceptAsync(owner, "member@roles.example", "member");
        var admin = await InviteAndAcceptAsync(owner, "admin@roles.example", "admin");
        using var asMember = As(_app, member);
        using var asAdmin = As(_app, admin);
        var memberId = (await asMember.GetFromJsonAsync<JsonElement>("/api/v1/account")).GetProperty("userId").GetString();
        var adminId = (await asAdmin.GetFromJsonAsync<JsonElement>("/api/v1/account")).GetProperty("userId").GetString();

        // A member cannot manage people; an admin cannot make owners; nobody removes the last owner.
        Assert.Equal(HttpStatusCode.Forbidden, (await asMember.PostAsJsonAsync("/api/v1/invitations", new { email = "x@roles.example", role = "admin" })).StatusCode);
        using (var promote = await asAdmin.PatchAsJsonAsync($"/api/v1/members/{memberId}", new { role = "owner" }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, promote.StatusCode);
            Assert.Equal("role_not_assignable", Code(await JsonAsync(promote)));
        }
        using (var lastOwner = await asAdmin.DeleteAsync($"/api/v1/members/{owner.UserId}"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, lastOwner.StatusCode); // admins cannot touch owners at all
        }
        using (var selfDemote = await As(_app, owner.Session).PatchAsJsonAsync($"/api/v1/members/{owner.UserId}", new { role = "admin" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, selfDemote.StatusCode);
            Assert.Equal("last_owner", Code(await JsonAsync(selfDemote)));
        }

        // A member's token: scopes no wider than the member's role.
        using (var tooWide = await asMember.PostAsJsonAsync("/api/v1/tokens", new { name = "ci", scopes = new[] { "members:write" } }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, tooWide.StatusCode);
            Assert.Equal("scope_not_held", Code(await JsonAsync(tooWide)));
        }
        using var created = await asMember.PostAsJsonAsync("/api/v1/tokens", new { name = "ci", scopes = new[] { "documents:read", "documents:write" }, expiresInDays = 30 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var token = (await JsonAsync(created)).GetProperty("secret").GetString()!;
        Assert.Matches("^sgl_us_[0-9a-z]{26}_[0-9a-z]{52}$", token);
        using var asToken = As(_app, token);
        Assert.Equal(HttpStatusCode.OK, (await asToken.GetAsync("/api/v1/documents")).StatusCode);
        using (var write = await asToken.PostAsync("/api/v1/documents", new StringContent("{}", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.True(write.StatusCode is not (HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized), $"a member's write token was refused: {write.StatusCode}");
        }

        // Demoted to viewer: the same token loses documents:write at once.
        Assert.Equal(HttpStatusCode.NoContent, (await asAdmin.PatchAsJsonAsync($"/api/v1/members/{memberId}", new { role = "viewer" })).StatusCode);
        using (var write = await asToken.PostAsync("/api/v1/documents", new StringContent("{}", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
        }
        Assert.Equal(HttpStatusCode.OK, (await asToken.GetAsync("/api/v1/documents")).StatusCode);

        // Removed: the token and the sessions stop working.
        Assert.Equal(HttpStatusCode.NoContent, (await asAdmin.DeleteAsync($"/api/v1/members/{memberId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await asToken.GetAsync("/api/v1/documents")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await asMember.GetAsync("/api/v1/account")).StatusCode);
        Assert.NotNull(adminId);
    }

    [Fact]
    public async Task A_revoked_token_is_refused_on_replay_and_its_last_use_is_recorded()
    {
        var owner = await SignUpAsync(_app, "owner@tokens.example", organization: "Tokens AB");
        using var asOwner = As(_app, owner.Session);
        using var created = await asOwner.PostAsJsonAsync("/api/v1/tokens", new { name = "integration", scopes = new[] { "organization:read" } });
        var body = await JsonAsync(created);
        var (id, secret) = (body.GetProperty("token").GetProperty("id").GetString(), body.GetProperty("secret").GetString()!);
        using var asToken = As(_app, secret);
        Assert.Equal(HttpStatusCode.OK, (await asToken.GetAsync("/api/v1/organizations/current")).StatusCode);
        var listed = (await asOwner.GetFromJsonAsync<JsonElement>("/api/v1/tokens")).EnumerateArray().Single(t => t.GetProperty("id").GetString() == id);
        Assert.NotEqual(JsonValueKind.Null, listed.GetProperty("lastUsedAt").ValueKind);
        Assert.False(listed.TryGetProperty("secret", out _)); // shown once, never listed

        Assert.Equal(HttpStatusCode.NoContent, (await asOwner.DeleteAsync($"/api/v1/tokens/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await asToken.GetAsync("/api/v1/organizations/current")).StatusCode);
        // Tokens cannot mint tokens or touch account settings: those need a person's session.
        Assert.Equal(HttpStatusCode.Forbidden, (await As(_app, (await CreateTokenAsync(asOwner)).Secret).GetAsync("/api/v1/tokens")).StatusCode);
    }

    [Fact]
    public async Task Another_organizations_records_answer_404_not_403()
    {
        var a = await SignUpAsync(_app, "a@one.example", organization: "One AB");
        var b = await SignUpAsync(_app, "b@two.example", organization: "Two AB");
        using var asA = As(_app, a.Session);
        using var asB = As(_app, b.Session);
        var bToken = (await CreateTokenAsync(asB)).Id;
        await asB.PostAsJsonAsync("/api/v1/invitations", new { email = "c@two.example", role = "member" });
        var bInvitation = (await asB.GetFromJsonAsync<JsonElement>("/api/v1/invitations"))[0].GetProperty("id").GetString();

        Assert.Equal(HttpStatusCode.NotFound, (await asA.GetAsync($"/api/v1/organizations/{b.OrganizationId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await asA.PatchAsJsonAsync($"/api/v1/members/{b.UserId}", new { role = "viewer" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await asA.DeleteAsync($"/api/v1/members/{b.UserId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await asA.DeleteAsync($"/api/v1/tokens/{bToken}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await asA.DeleteAsync($"/api/v1/invitations/{bInvitation}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await asA.PostAsJsonAsync("/api/v1/account/organization", new { organizationId = b.OrganizationId })).StatusCode);
    }

    [Fact]
    public async Task A_person_in_two_organizations_switches_with_a_new_session()
    {
        var owner = await SignUpAsync(_app, "multi@example.com", organization: "First AB");
        using var asOwner = As(_app, owner.Session);
        using var created = await asOwner.PostAsJsonAsync("/api/v1/account/organizations", new { name = "Second AB" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var second = (await JsonAsync(created)).GetProperty("id").GetString();
        using var switched = await asOwner.PostAsJsonAsync("/api/v1/account/organization", new { organizationId = second });
        var session = (await JsonAsync(switched)).GetProperty("session").GetString()!;
        Assert.NotEqual(owner.Session, session);
        Assert.Equal(HttpStatusCode.Unauthorized, (await asOwner.GetAsync("/api/v1/account")).StatusCode); // the old session ended
        var org = await As(_app, session).GetFromJsonAsync<JsonElement>("/api/v1/organizations/current");
        Assert.Equal("Second AB", org.GetProperty("name").GetString());
    }

    private async Task<(string Id, string Secret)> CreateTokenAsync(HttpClient session)
    {
        using var created = await session.PostAsJsonAsync("/api/v1/tokens", new { name = "t", scopes = new[] { "organization:read" } });
        var body = await JsonAsync(created);
        return (body.GetProperty("token").GetProperty("id").GetString()!, body.GetProperty("secret").GetString()!);
    }

    private async Task<string> InviteAndAcceptAsync(Account owner, string email, string role)
    {
        using var asOwner = As(_app, owner.Session);
        using var invited = await asOwner.PostAsJsonAsync("/api/v1/invitations", new { email, role });
        Assert.Equal(HttpStatusCode.Created, invited.StatusCode);
        using var web = _app.Web();
        using var accepted = await web.PostAsJsonAsync("/api/v1/regions/us/invitations/accept", new { invitation = LastInvitation(email), password = Password, name = role + " person" });
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        return (await JsonAsync(accepted)).GetProperty("session").GetString()!;
    }

    private string LastInvitation(string email) => IdentityKit.InvitationFor(_app, email);

    /// <summary>The tests above on SQLite.</summary>
    public sealed class OnSqlite() : MembersAndTokensTests(Backend.Sqlite);

    /// <summary>The tests above on PostgreSQL + S3.</summary>
    public sealed class OnPostgresS3() : MembersAndTokensTests(Backend.PostgresS3);
}
