using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Accounts;
using Sigill.Api.Features.Privacy;
using Sigill.Tests.Identity;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Privacy;

/// <summary>
/// The installation's data processing agreement (issue 18, <c>Trust:Dpa</c>): an organization is created only with its
/// owner's acceptance of the configured version (recorded with time and account, audit event
/// <c>organization.dpa_accepted</c>); a new version asks the owners again, and only an owner can accept it; the records
/// of processing show what was accepted.
/// </summary>
public sealed class DpaTests
{
    internal static string Config(string version = "2026-12") => new JsonObject
    {
        ["Trust"] = new JsonObject { ["Dpa"] = new JsonObject { ["Version"] = version, ["Url"] = "https://operator.example/dpa" } },
    }.ToJsonString();

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_sign_up_without_accepting_the_agreement_is_refused_and_creates_nothing(Backend backend)
    {
        await using var app = await SigillApp.StartAsync(backend, Config());
        using var web = app.Web();
        foreach (var accepted in new string?[] { null, "", "2025-01" })
        {
            using var refused = await web.PostAsJsonAsync("/api/v1/regions/us/auth/sign-up",
                new { email = "nina@example.com", password = IdentityKit.Password, name = "Nina", organizationName = "Nope AB", acceptDpaVersion = accepted });
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var problem = await IdentityKit.JsonAsync(refused);
            Assert.Equal("dpa_not_accepted", IdentityKit.Code(problem));
            Assert.Contains("2026-12", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        Assert.DoesNotContain(IdentityKit.Mails(app), m => m.Contains("nina@example.com", StringComparison.Ordinal)); // no link, nothing pending
        await using (var db = app.Cells.Get("us").CreateDbContext())
        {
            Assert.False(await db.Set<PendingSignUp>().AnyAsync());
        }

        // Accepting it: the organization's acceptance is the version, the time and the owner.
        var account = await IdentityKit.SignUpAsync(app, "olga@example.com", "us", "Yes AB");
        using var owner = app.Web(account.Session);
        var status = await owner.GetFromJsonAsync<JsonElement>("/api/v1/privacy/dpa");
        Assert.False(status.GetProperty("acceptanceNeeded").GetBoolean());
        Assert.Equal("2026-12", status.GetProperty("accepted").GetProperty("version").GetString());
        Assert.Equal(account.UserId, status.GetProperty("accepted").GetProperty("userId").GetString());
        Assert.Equal("https://operator.example/dpa", status.GetProperty("configured").GetProperty("url").GetString());

        // A signed-in person's further organization needs it too: refused without, nothing created.
        using var second = await owner.PostAsJsonAsync("/api/v1/account/organizations", new { name = "Second AB" });
        Assert.Equal("dpa_not_accepted", IdentityKit.Code(await IdentityKit.JsonAsync(second)));
        Assert.Single((await owner.GetFromJsonAsync<JsonElement>("/api/v1/account")).GetProperty("organizations").EnumerateArray());
        using var accepted2 = await owner.PostAsJsonAsync("/api/v1/account/organizations", new { name = "Second AB", acceptDpaVersion = "2026-12" });
        Assert.Equal(HttpStatusCode.Created, accepted2.StatusCode);
        var secondId = (await IdentityKit.JsonAsync(accepted2)).GetProperty("id").GetString()!;
        await using (var db = app.Cells.Get("us").CreateDbContext())
        {
            Assert.True(await db.Set<DpaAcceptance>().AnyAsync(a => a.OrganizationId == secondId && a.Version == "2026-12" && a.UserId == account.UserId));
            Assert.True(await db.Set<AuditEvent>().AnyAsync(e => e.OrganizationId == account.OrganizationId && e.Action == "organization.dpa_accepted"));
        }
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_new_version_asks_the_owners_again_and_only_an_owner_can_accept_it(Backend backend)
    {
        await using var app = await SigillApp.StartAsync(backend, Config("2026-12"));
        var account = await IdentityKit.SignUpAsync(app, "otto@example.com", "eu", "Dpa AB");
        var other = await IdentityKit.SignUpAsync(app, "oskar@example.com", "eu", "Other AB");

        // The operator publishes a new version.
        await app.StopServerAsync();
        await File.WriteAllTextAsync(app.ConfigFile!, (await File.ReadAllTextAsync(app.ConfigFile!)).Replace("2026-12", "2027-06", StringComparison.Ordinal));
        await app.RestartAsync();
        using var owner = app.Web(account.Session);
        var status = await owner.GetFromJsonAsync<JsonElement>("/api/v1/privacy/dpa");
        Assert.True(status.GetProperty("acceptanceNeeded").GetBoolean());
        Assert.Equal("2026-12", status.GetProperty("accepted").GetProperty("version").GetString());
        Assert.Equal("2027-06", status.GetProperty("configured").GetProperty("version").GetString());

        // An admin and a member cannot accept for the organization.
        using var admin = app.Web(await SessionAsync(app, account.OrganizationId, "admin"));
        using var byAdmin = await admin.PostAsJsonAsync("/api/v1/privacy/dpa/accept", new { version = "2027-06" });
        Assert.Equal(HttpStatusCode.Forbidden, byAdmin.StatusCode);
        Assert.Equal("dpa_owner_only", IdentityKit.Code(await IdentityKit.JsonAsync(byAdmin)));
        using var member = app.Web(await SessionAsync(app, account.OrganizationId, "member"));
        Assert.Equal(HttpStatusCode.Forbidden, (await member.PostAsJsonAsync("/api/v1/privacy/dpa/accept", new { version = "2027-06" })).StatusCode);
        // An owner's stale page (the old version) is refused too.
        using var stale = await owner.PostAsJsonAsync("/api/v1/privacy/dpa/accept", new { version = "2026-12" });
        Assert.Equal("dpa_not_accepted", IdentityKit.Code(await IdentityKit.JsonAsync(stale)));

        using var accepted = await owner.PostAsJsonAsync("/api/v1/privacy/dpa/accept", new { version = "2027-06" });
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var now = await IdentityKit.JsonAsync(accepted);
        Assert.False(now.GetProperty("acceptanceNeeded").GetBoolean());
        Assert.Equal("2027-06", now.GetProperty("accepted").GetProperty("version").GetString());
        Assert.Equal(account.UserId, now.GetProperty("accepted").GetProperty("userId").GetString());
        await using (var db = app.Cells.Get("eu").CreateDbContext())
        {
            var events = await db.Set<AuditEvent>().Where(e => e.OrganizationId == account.OrganizationId && e.Action == "organization.dpa_accepted").ToListAsync();
            Assert.Equal(2, events.Count); // at sign-up, and now
            Assert.Equal(2, await db.Set<DpaAcceptance>().CountAsync(a => a.OrganizationId == account.OrganizationId)); // the history is kept
        }
        // The other organization still has to accept: one owner's acceptance is its own organization's only.
        using var otherOwner = app.Web(other.Session);
        Assert.True((await otherOwner.GetFromJsonAsync<JsonElement>("/api/v1/privacy/dpa")).GetProperty("acceptanceNeeded").GetBoolean());

        // The records of processing say which version was accepted, and when.
        var records = await owner.GetFromJsonAsync<JsonElement>("/api/v1/privacy/records-of-processing");
        Assert.Equal("2027-06", records.GetProperty("organization").GetProperty("dpaAccepted").GetProperty("version").GetString());
        Assert.Equal("2027-06", records.GetProperty("dpa").GetProperty("version").GetString());
        using var pdf = await owner.GetAsync("/api/v1/privacy/records-of-processing?format=pdf");
        var read = RecordsOfProcessingTests.PdfText(await pdf.Content.ReadAsByteArrayAsync());
        Assert.Contains("Data processing agreement accepted: version 2027-06", read, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_organization_from_before_the_agreement_sees_the_banner_and_its_owner_accepts_on_the_organization_page()
    {
        await using var app = await SigillApp.StartAsync(Config());
        using var web = app.Web();
        await IdentityKit.SignUpThroughPagesAsync(app, web, "owen@example.com", "us", organization: "Banner AB");
        await using (var db = app.Cells.Get("us").CreateDbContext())
        {
            await db.Set<DpaAcceptance>().ExecuteDeleteAsync(); // as the migration leaves every existing organization
        }
        var page = await web.GetStringAsync("/organization");
        Assert.Contains("id=\"dpa-banner\"", page, StringComparison.Ordinal);
        Assert.Contains("has not accepted", page, StringComparison.Ordinal);
        using var accept = await web.PostAsync("/organization?handler=AcceptDpa", IdentityKit.Form(page, ("version", "2026-12")));
        Assert.Equal(HttpStatusCode.Redirect, accept.StatusCode);
        var after = await web.GetStringAsync(accept.Headers.Location!.OriginalString);
        Assert.DoesNotContain("id=\"dpa-banner\"", after, StringComparison.Ordinal);
        Assert.Contains("The data processing agreement is accepted.", after, StringComparison.Ordinal);
        // The sign-up page asks for the box, with the version and a link to the agreement.
        var signUp = await web.GetStringAsync("/sign-up");
        Assert.Contains("version 2026-12", signUp, StringComparison.Ordinal);
        Assert.Contains("https://operator.example/dpa", signUp, StringComparison.Ordinal);
    }

    /// <summary>A session of a new member with <paramref name="role"/> in the organization.</summary>
    private static async Task<string> SessionAsync(SigillApp app, string organizationId, string role)
    {
        var region = organizationId.Split('_')[1];
        var cell = app.Cells.Get(region);
        var now = DateTime.UtcNow;
        await using var db = cell.CreateDbContext();
        var accounts = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Accounts>(app.ApiServices);
        var email = $"{role}-{Guid.NewGuid():N}@example.com";
        var user = await accounts.NewUserAsync(cell, email, role, null, CancellationToken.None);
        db.Users.Add(user);
        db.Memberships.Add(await Accounts.NewMembershipAsync(cell, organizationId, user.Id, email, role, role, now, CancellationToken.None));
        var (presented, id, hash) = Sigill.Api.Platform.Security.PresentedSecret.Session.Issue(region);
        db.Sessions.Add(new Session { Id = id, UserId = user.Id, OrganizationId = organizationId, SecretHash = hash, Method = "password", CreatedAt = now, LastSeenAt = now, ExpiresAt = now.AddHours(1) });
        await db.SaveChangesAsync();
        return presented;
    }
}
