using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sigill.Api.Features.Accounts;
using Sigill.Api.Features.Members;
using Sigill.Api.Features.ApiTokens;
using Sigill.Api.Features.StaffAccess;
using Sigill.Api.Platform.Security;
using Sigill.Crypto;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Identity.IdentityKit;

namespace Sigill.Tests.Identity;

/// <summary>
/// Operators have zero standing access: a grant the customer approves, time-boxed, revocable, audited and visible.
/// On both backends (the two classes at the end); each test has an app of its own.
/// </summary>
public abstract class StaffAccessTests(Backend backend) : IAsyncLifetime
{
    private SigillApp _app = null!;

    public async Task InitializeAsync() => _app = await SigillApp.StartAsync(backend);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task An_operator_sees_nothing_until_an_admin_approves_and_nothing_after_a_revoke()
    {
        var owner = await SignUpAsync(_app, "owner@customer.example", organization: "Customer AB");
        using var asOwner = As(_app, owner.Session);
        await CreateDocumentAsync(owner);
        var alice = await AddOperatorAsync("alice");

        // No standing access: the operator's credential opens only the support endpoints.
        using (var bare = As(_app, alice))
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await bare.GetAsync("/api/v1/documents")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await bare.GetAsync("/api/v1/organizations/current")).StatusCode);
        }

        var grant = await RequestAsync(alice, owner.OrganizationId, "read");
        Assert.Equal("requested", grant.GetProperty("status").GetString());
        // Requested but not approved: the grant header opens nothing.
        Assert.Equal(HttpStatusCode.Unauthorized, (await WithGrant(alice, grant).GetAsync("/api/v1/documents")).StatusCode);

        var listed = await asOwner.GetFromJsonAsync<JsonElement>("/api/v1/organization/support-grants");
        Assert.Equal("The customer cannot open their contract; ticket says the PDF is blank.", listed[0].GetProperty("justification").GetString());
        using (var tooLong = await asOwner.PostAsJsonAsync($"/api/v1/organization/support-grants/{Id(grant)}/approve", new { durationMinutes = 241 }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode); // at most four hours
        }
        using (var approved = await asOwner.PostAsJsonAsync($"/api/v1/organization/support-grants/{Id(grant)}/approve", new { durationMinutes = 30 }))
        {
            Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        }

        using var underGrant = WithGrant(alice, grant);
        var documents = await underGrant.GetFromJsonAsync<JsonElement>("/api/v1/documents");
        Assert.Equal(1, documents.GetArrayLength());
        // Read-only by default.
        Assert.Equal(HttpStatusCode.Forbidden, (await underGrant.PostAsync("/api/v1/documents", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"))).StatusCode);
        // Scoped to the one organization: the grant does not reach another.
        var other = await SignUpAsync(_app, "owner@other.example", organization: "Other AB");
        Assert.Equal(HttpStatusCode.NotFound, (await underGrant.GetAsync($"/api/v1/organizations/{other.OrganizationId}")).StatusCode);

        // Every request under the grant is on the organization's access-transparency page.
        var log = await asOwner.GetFromJsonAsync<JsonElement>("/api/v1/organization/access-log");
        var actions = log.EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Contains("support.support_requested", actions);
        Assert.Contains("support.approved", actions);
        var accesses = log.EnumerateArray().Where(e => e.GetProperty("action").GetString() == "support.access").ToList();
        Assert.True(accesses.Count >= 3, $"expected the operator's requests in the access log, found {accesses.Count}");
        Assert.All(accesses, e => Assert.StartsWith("opr_us_", e.GetProperty("actor").GetString(), StringComparison.Ordinal));
        Assert.Contains(accesses, e => e.GetProperty("target").GetString() == "/api/v1/documents" && e.GetProperty("details").GetProperty("method").GetString() == "GET");

        // Revoked: it ends at once.
        Assert.Equal(HttpStatusCode.OK, (await asOwner.PostAsync($"/api/v1/organization/support-grants/{Id(grant)}/revoke", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await underGrant.GetAsync("/api/v1/documents")).StatusCode);
    }

    [Fact]
    public async Task An_operator_cannot_approve_a_grant_and_a_denied_grant_opens_nothing()
    {
        var owner = await SignUpAsync(_app, "owner@deny.example", organization: "Deny AB");
        var bob = await AddOperatorAsync("bob");
        var grant = await RequestAsync(bob, owner.OrganizationId, "read");
        Assert.Equal(HttpStatusCode.Forbidden, (await As(_app, bob).PostAsync($"/api/v1/organization/support-grants/{Id(grant)}/approve", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await As(_app, owner.Session).PostAsync($"/api/v1/organization/support-grants/{Id(grant)}/deny", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await WithGrant(bob, grant).GetAsync("/api/v1/documents")).StatusCode);
    }

    [Fact]
    public async Task Break_glass_needs_a_second_operator_and_tells_the_admins_at_once()
    {
        var owner = await SignUpAsync(_app, "owner@glass.example", organization: "Glass AB");
        var (carol, dave) = (await AddOperatorAsync("carol"), await AddOperatorAsync("dave"));
        using var asCarol = As(_app, carol);
        using var requested = await asCarol.PostAsJsonAsync("/api/v1/support/break-glass",
            new { organizationId = owner.OrganizationId, justification = "Production incident: signing fails for every recipient.", ticket = "INC-7" });
        Assert.Equal(HttpStatusCode.Created, requested.StatusCode);
        var grant = await JsonAsync(requested);
        var mailsBefore = Documents.DocumentKit.MailCount(_app.DataDirectory, "us");

        using (var self = await asCarol.PostAsync($"/api/v1/support/break-glass/{Id(grant)}/confirm", null))
        {
            Assert.Equal(HttpStatusCode.Forbidden, self.StatusCode);
            Assert.Equal("second_operator_required", Code(await JsonAsync(self)));
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await WithGrant(carol, grant).GetAsync("/api/v1/documents")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await As(_app, dave).PostAsync($"/api/v1/support/break-glass/{Id(grant)}/confirm", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await WithGrant(carol, grant).GetAsync("/api/v1/documents")).StatusCode);

        Assert.Equal(mailsBefore + 1, Documents.DocumentKit.MailCount(_app.DataDirectory, "us"));
        var mail = System.IO.Directory.GetFiles(Path.Combine(_app.DataDirectory, "us", "outbox"), "*.eml").Select(File.ReadAllText).Single(t => t.Contains("Break-glass", StringComparison.Ordinal));
        Assert.Contains("owner@glass.example", mail, StringComparison.Ordinal);
        // An organization that never chose a language: English.
        var english = Assert.Single(Outbox.To(_app.DataDirectory, "us", "owner@glass.example"), m => m.Subject == "Break-glass access to your Sigill organization");
        Assert.Contains("Two Sigill operators (", english.TextBody, StringComparison.Ordinal);
        var log = await As(_app, owner.Session).GetFromJsonAsync<JsonElement>("/api/v1/organization/access-log");
        Assert.Contains(log.EnumerateArray(), e => e.GetProperty("action").GetString() == "support.break_glass_confirmed");
    }

    [Fact]
    public async Task The_break_glass_e_mail_speaks_the_organizations_default_language()
    {
        var owner = await SignUpAsync(_app, "owner@glas.example", organization: "Glas GmbH");
        using (var asOwner = As(_app, owner.Session))
        {
            Assert.Equal(HttpStatusCode.OK, (await asOwner.PatchAsJsonAsync("/api/v1/organizations/current", new { defaultLanguage = "de" })).StatusCode);
        }
        var (erin, frank) = (await AddOperatorAsync("erin"), await AddOperatorAsync("frank"));
        using var requested = await As(_app, erin).PostAsJsonAsync("/api/v1/support/break-glass",
            new { organizationId = owner.OrganizationId, justification = "Production incident: sealing fails.", ticket = "INC-8" });
        Assert.Equal(HttpStatusCode.Created, requested.StatusCode);
        var grant = await JsonAsync(requested);
        Assert.Equal(HttpStatusCode.OK, (await As(_app, frank).PostAsync($"/api/v1/support/break-glass/{Id(grant)}/confirm", null)).StatusCode);

        var mail = Assert.Single(Outbox.To(_app.DataDirectory, "us", "owner@glas.example"), m => m.Subject == "Notfallzugriff auf Ihre Sigill-Organisation");
        Assert.DoesNotContain(Outbox.To(_app.DataDirectory, "us", "owner@glas.example"), m => (m.Subject ?? "").StartsWith("Break-glass", StringComparison.Ordinal));
        Assert.Contains("Zwei Sigill-Betreiber (", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("Ticket INC-8", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("widerrufen", mail.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_key_layer_refuses_an_operator_without_a_grant_even_if_a_handler_asks()
    {
        var owner = await SignUpAsync(_app, "owner@keys.example", organization: "Keys AB");
        var cell = _app.Cells.Get("us");
        string nameToken;
        await using (var db = cell.CreateDbContext())
        {
            nameToken = db.Organizations.Single(o => o.Id == owner.OrganizationId).NameToken;
        }
        var cellOwner = Sigill.Api.Features.Audit.AuditRecorder.CellOrganization("us");
        using (KeyAccess.Enter(new KeyAccessScope("opr_us_test", new HashSet<string> { cellOwner })))
        {
            cell.Keys.ForgetCachedKeys(owner.OrganizationId);
            await Assert.ThrowsAsync<KeyAccessDeniedException>(() =>
                cell.Keys.DecryptFieldAsync(owner.OrganizationId, Sigill.Api.Features.Organizations.Organization.NamePurpose, nameToken, owner.OrganizationId));
        }
        // A grant's scope lasts until its end and no longer, even for keys already cached.
        var scope = new KeyAccessScope("opr_us_test", new HashSet<string> { owner.OrganizationId }, DateTimeOffset.UtcNow.AddMinutes(5));
        using (KeyAccess.Enter(scope))
        {
            Assert.Equal("Keys AB", await cell.Keys.DecryptFieldAsync(owner.OrganizationId, Sigill.Api.Features.Organizations.Organization.NamePurpose, nameToken, owner.OrganizationId));
        }
        using (KeyAccess.Enter(scope with { NotAfter = DateTimeOffset.UtcNow.AddSeconds(-1) }))
        {
            await Assert.ThrowsAsync<KeyAccessDeniedException>(() =>
                cell.Keys.DecryptFieldAsync(owner.OrganizationId, Sigill.Api.Features.Organizations.Organization.NamePurpose, nameToken, owner.OrganizationId));
        }
    }

    [Theory]
    [InlineData("", "TCK-1", "read", 60, "justification")]
    [InlineData("A long enough justification here.", "", "read", 60, "ticket")]
    [InlineData("A long enough justification here.", "TCK-1", "admin", 60, "access")]
    [InlineData("A long enough justification here.", "TCK-1", "read", 500, "durationMinutes")]
    public async Task Bad_grant_requests_are_refused_and_store_nothing(string justification, string ticket, string access, int minutes, string field)
    {
        var owner = await SignUpAsync(_app, "owner@bad.example", organization: "Bad AB");
        var eve = await AddOperatorAsync("eve");
        using var response = await As(_app, eve).PostAsJsonAsync("/api/v1/support/grants",
            new { organizationId = owner.OrganizationId, justification, ticket, access, durationMinutes = minutes });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(field, (await JsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await As(_app, owner.Session).GetFromJsonAsync<JsonElement>("/api/v1/organization/support-grants")).GetArrayLength());
    }

    private static string Id(JsonElement grant) => grant.GetProperty("id").GetString()!;

    private HttpClient WithGrant(string operatorCredential, JsonElement grant)
    {
        var client = As(_app, operatorCredential);
        client.DefaultRequestHeaders.Add(Sigill.Contracts.SigillHeaders.SupportGrant, Id(grant));
        return client;
    }

    private async Task<JsonElement> RequestAsync(string operatorCredential, string organizationId, string access)
    {
        using var response = await As(_app, operatorCredential).PostAsJsonAsync("/api/v1/support/grants", new
        {
            organizationId,
            justification = "The customer cannot open their contract; ticket says the PDF is blank.",
            ticket = "SUP-1042",
            access,
            durationMinutes = 60,
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await JsonAsync(response);
    }

    private async Task<string> AddOperatorAsync(string name)
    {
        await using var db = _app.Cells.Get("us").CreateDbContext();
        var (presented, id, hash) = PresentedSecret.Operator.Issue("us");
        db.Operators.Add(new Operator { Id = id, Name = name, SecretHash = hash, CreatedAt = DateTime.UtcNow });
        await db.SaveChangesAsync();
        return presented;
    }

    private async Task CreateDocumentAsync(Account owner)
    {
        using var asOwner = As(_app, owner.Session);
        using var created = await asOwner.PostAsJsonAsync("/api/v1/tokens", new { name = "docs", scopes = new[] { "documents:write", "documents:read" } });
        var token = (await JsonAsync(created)).GetProperty("secret").GetString()!;
        await Documents.DocumentKit.UploadOkAsync(_app.Web(token), "Contract", Documents.DocumentKit.SamplePdf("Contract"));
    }

    /// <summary>The tests above on SQLite.</summary>
    public sealed class OnSqlite() : StaffAccessTests(Backend.Sqlite);

    /// <summary>The tests above on PostgreSQL + S3.</summary>
    public sealed class OnPostgresS3() : StaffAccessTests(Backend.PostgresS3);
}
