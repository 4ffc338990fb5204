using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Accounts;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Backups;
using Sigill.Api.Features.Privacy;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Jobs;
using Sigill.Api.Platform.Mail;
using Sigill.Tests.Identity;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Privacy;

/// <summary>
/// Deleting one's own account, and erasing a person beyond their documents (issue 18 part 3, ADR 0016): the account, its
/// memberships, invitations and queued e-mails go, the audit events that named the person read as erased while the log
/// still verifies, the last owner of an organization is refused with the organizations named, and a backup taken before
/// brings nothing back once the journal is replayed.
/// </summary>
public sealed class AccountDeletionTests
{
    private const string Mia = "mia.member@example.com";

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_person_deletes_their_account_and_nothing_of_it_signs_in_or_reads_again_even_after_a_restore(Backend backend)
    {
        await using var app = await SigillApp.StartAsync(backend);
        var owner = await IdentityKit.SignUpAsync(app, "olle.owner@example.com", "eu", "Keep AB");
        var org = owner.OrganizationId;
        var cell = app.Cells.Get("eu");
        using var asOwner = app.Web(owner.Session);
        var mia = await InviteAndAcceptAsync(app, asOwner, Mia, "admin");
        using var asMia = app.Web(mia);
        var miaId = (await asMia.GetFromJsonAsync<JsonElement>("/api/v1/account")).GetProperty("userId").GetString()!;
        await PostOkAsync(asMia, "/api/v1/tokens", new { name = "mia's script", scopes = new[] { "organization:read" } });
        var queued = await QueueMailAsync(cell, org, Mia);
        var invited = await EventIdsAsync(cell, org, "member.invited");

        using var backups = new TempDirectory();
        var archive = (await CellBackup.CreateAsync(cell, backups.Path, TimeProvider.System, null, CancellationToken.None)).File;

        // A wrong password (or none) changes nothing.
        foreach (object wrong in new object[] { new { password = "not my password at all" }, new { } })
        {
            using var refused = await asMia.PostAsJsonAsync("/api/v1/account/delete", wrong);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal("password_incorrect", await ProblemCodeAsync(refused));
        }
        Assert.Equal(HttpStatusCode.OK, (await asMia.GetAsync("/api/v1/account")).StatusCode);

        using (var deleted = await asMia.PostAsJsonAsync("/api/v1/account/delete", new { password = IdentityKit.Password }))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        // The session is dead, and signing in answers exactly as for an address nobody has.
        Assert.Equal(HttpStatusCode.Unauthorized, (await asMia.GetAsync("/api/v1/account")).StatusCode);
        using (var signIn = await IdentityKit.SignInAsync(app, Mia, IdentityKit.Password, "eu"))
        using (var unknown = await IdentityKit.SignInAsync(app, "nobody.at.all@example.com", IdentityKit.Password, "eu"))
        {
            Assert.Equal(unknown.StatusCode, signIn.StatusCode);
            Assert.Equal(IdentityKit.Code(await IdentityKit.JsonAsync(unknown)), IdentityKit.Code(await IdentityKit.JsonAsync(signIn)));
        }
        var members = await asOwner.GetFromJsonAsync<JsonElement>("/api/v1/members");
        Assert.DoesNotContain(Mia, members.GetRawText(), StringComparison.OrdinalIgnoreCase);
        await AssertAccountGoneAsync(cell, org, miaId, invited, queued);
        await using (var db = cell.CreateDbContext())
        {
            Assert.Equal(1, await db.Set<AuditEvent>().CountAsync(e => e.OrganizationId == org && e.Action == "privacy.record_deleted"));
        }
        var verified = await AuditVerification.VerifyAsync(cell, null, CancellationToken.None);
        Assert.True(verified.Ok, verified.Problem);
        Assert.Empty(await app.PlacesContainingAsync(Mia));

        // The owner's own account is untouched.
        Assert.Equal(HttpStatusCode.OK, (await asOwner.GetAsync("/api/v1/account")).StatusCode);

        // A backup from before holds Mia; restored and replayed, nothing of her comes back.
        using var restored = await ErasureTests.RestoreAsync(backend, cell, archive, backups);
        await using (var db = restored.CreateDbContext())
        {
            Assert.True(await db.Set<User>().AnyAsync(u => u.Id == miaId)); // the old backup did hold her
        }
        Assert.Equal(1, await Erasure.ReplayAsync(restored, DateTime.UtcNow, CancellationToken.None));
        await AssertAccountGoneAsync(restored, org, miaId, invited, queued);
        var restoredLog = await AuditVerification.VerifyAsync(restored, null, CancellationToken.None);
        Assert.True(restoredLog.Ok, restoredLog.Problem);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task The_last_owner_is_told_which_organizations_to_hand_over_and_nothing_is_deleted(Backend backend)
    {
        await using var app = await SigillApp.StartAsync(backend);
        var owner = await IdentityKit.SignUpAsync(app, "olle.owner@example.com", "eu", "Only Owner AB");
        using var asOwner = app.Web(owner.Session);
        var second = await PostOkAsync(asOwner, "/api/v1/account/organizations", new { name = "Side Project AB" });
        using (var refused = await asOwner.PostAsJsonAsync("/api/v1/account/delete", new { password = IdentityKit.Password }))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("last_owner", problem.GetProperty("code").GetString());
            string[] expected = [.. new[] { owner.OrganizationId, second.GetProperty("id").GetString()! }.Order(StringComparer.Ordinal)];
            Assert.Equal(expected, problem.GetProperty("organizations").EnumerateArray().Select(o => o.GetString()!).Order(StringComparer.Ordinal));
        }
        Assert.Equal(HttpStatusCode.OK, (await asOwner.GetAsync("/api/v1/account")).StatusCode);
        using (var signIn = await IdentityKit.SignInAsync(app, "olle.owner@example.com", IdentityKit.Password, "eu"))
        {
            Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        }
        await using var db = app.Cells.Get("eu").CreateDbContext();
        Assert.Equal(2, await db.Set<Membership>().CountAsync(m => m.UserId == owner.UserId));
        Assert.False(await db.Set<AuditEvent>().AnyAsync(e => e.Action == "privacy.record_deleted"));
    }

    [Fact]
    public async Task A_legal_hold_on_the_person_stops_their_account_deletion_and_an_admins_erasure_of_them_until_released()
    {
        await using var app = await SigillApp.StartAsync();
        var owner = await IdentityKit.SignUpAsync(app, "olle.owner@example.com", "eu", "Held People AB");
        using var asOwner = app.Web(owner.Session);
        var mia = await InviteAndAcceptAsync(app, asOwner, Mia, "member");
        var hold = (await PostOkAsync(asOwner, "/api/v1/privacy/holds", new { scope = "person", email = Mia, reason = "Employment dispute" })).GetProperty("id").GetString()!;

        using (var asMia = app.Web(mia))
        using (var refused = await asMia.PostAsJsonAsync("/api/v1/account/delete", new { password = IdentityKit.Password }))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("deletion_held", problem.GetProperty("code").GetString());
            Assert.DoesNotContain("Employment dispute", problem.GetRawText(), StringComparison.Ordinal); // the organization's reason is not hers to read
            Assert.Equal(HttpStatusCode.OK, (await asMia.GetAsync("/api/v1/account")).StatusCode);
        }
        // Mia is on no document: the admin's erasure of her is kept by the same hold, with its reason.
        using (var refused = await asOwner.PostAsJsonAsync("/api/v1/privacy/erasures", new { email = Mia }))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Equal("Employment dispute", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reason").GetString());
        }
        Assert.Contains(Mia, (await asOwner.GetFromJsonAsync<JsonElement>("/api/v1/members")).GetRawText(), StringComparison.OrdinalIgnoreCase);

        await PostOkAsync(asOwner, $"/api/v1/privacy/holds/{hold}/release", new { });
        using (var asMia = app.Web(mia))
        using (var deleted = await asMia.PostAsJsonAsync("/api/v1/account/delete", new { password = IdentityKit.Password }))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }
        await using var db = app.Cells.Get("eu").CreateDbContext();
        Assert.Equal(2, await db.Set<AuditEvent>().CountAsync(e => e.OrganizationId == owner.OrganizationId && e.Action == "privacy.deletion_refused"));
    }

    [Fact]
    public async Task A_document_the_deleted_person_sent_still_completes_when_its_signer_signs()
    {
        await using var app = await SigillApp.StartAsync();
        var owner = await IdentityKit.SignUpAsync(app, "olle.owner@example.com", "eu", "Ongoing AB");
        using var asOwner = app.Web(owner.Session);
        var mia = await InviteAndAcceptAsync(app, asOwner, Mia, "member");
        string id;
        using (var asMia = app.Web(mia))
        {
            id = (await UploadOkAsync(asMia, "Sent by Mia", SamplePdf("sent by mia"))).GetProperty("id").GetString()!;
            var signer = await AddRecipientAsync(asMia, id, "Sam Signer", "sam.signer@example.com");
            await AddFieldAsync(asMia, id, signer, "signature", 100);
            await PostOkAsync(asMia, $"/api/v1/documents/{id}/send", new { });
            using var deleted = await asMia.PostAsJsonAsync("/api/v1/account/delete", new { password = IdentityKit.Password });
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }
        // Mia's events on the document (she created and sent it) are erased; the document goes on without her.
        string erased;
        await using (var db = app.Cells.Get("eu").CreateDbContext())
        {
            var events = await db.DocumentEvents.Where(e => e.DocumentId == id).Select(e => e.Id).ToListAsync();
            erased = (await db.Set<AuditEvent>().Where(e => events.Contains(e.Id)).Select(e => new { e.Id, e.Sealed }).ToListAsync())
                .First(e => e.Sealed.AsSpan().StartsWith(Erasure.RedactedPrefix)).Id;
        }
        await SignAsync(app, LinkFor(app.DataDirectory, "eu", "sam.signer@example.com"), new { typedName = "Sam Signer" });
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        string? status = null;
        while (DateTime.UtcNow < deadline && status != "completed")
        {
            await Task.Delay(250);
            status = (await asOwner.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}")).GetProperty("status").GetString();
        }
        Assert.Equal("completed", status);
        // Its receipt says why there is none (the leaf stays; the content to prove is gone).
        using (var receipt = await asOwner.GetAsync($"/api/v1/audit/events/{erased}/receipt"))
        {
            Assert.Equal(HttpStatusCode.Gone, receipt.StatusCode);
            Assert.Equal("audit_event_erased", await ProblemCodeAsync(receipt));
        }
        var verified = await AuditVerification.VerifyAsync(app.Cells.Get("eu"), null, CancellationToken.None);
        Assert.True(verified.Ok, verified.Problem);
    }

    [Fact]
    public async Task Only_a_signed_in_person_deletes_an_account_and_only_their_own()
    {
        await using var app = await SigillApp.StartAsync();
        var owner = await IdentityKit.SignUpAsync(app, "olle.owner@example.com", "eu", "Guard AB");
        using var asOwner = app.Web(owner.Session);
        var mia = await InviteAndAcceptAsync(app, asOwner, Mia, "member");
        var bob = await InviteAndAcceptAsync(app, asOwner, "bob.member@example.com", "member");

        using (var anonymous = app.Web())
        using (var response = await anonymous.PostAsJsonAsync("/api/v1/account/delete", new { password = IdentityKit.Password }))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
        // An API token is not a person: it cannot delete the account that made it.
        var token = (await PostOkAsync(app.Web(mia), "/api/v1/tokens", new { name = "t", scopes = new[] { "organization:read" } })).GetProperty("secret").GetString()!;
        using (var asToken = app.Web(token))
        using (var response = await asToken.PostAsJsonAsync("/api/v1/account/delete", new { password = IdentityKit.Password }))
        {
            Assert.True(response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized, response.StatusCode.ToString());
        }
        // Bob, even knowing Mia's password (here the same), deletes only himself: the route names no account.
        using (var asBob = app.Web(bob))
        using (var response = await asBob.PostAsJsonAsync("/api/v1/account/delete", new { password = IdentityKit.Password }))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }
        using var asMia = app.Web(mia);
        Assert.Equal(HttpStatusCode.OK, (await asMia.GetAsync("/api/v1/account")).StatusCode);
        var members = await asOwner.GetFromJsonAsync<JsonElement>("/api/v1/members");
        Assert.Contains(Mia, members.GetRawText(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("bob.member@example.com", members.GetRawText(), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Erasing_a_person_also_takes_their_membership_invitations_queued_mail_and_the_audit_events_naming_them(Backend backend)
    {
        await using var app = await SigillApp.StartAsync(backend);
        var owner = await IdentityKit.SignUpAsync(app, "olle.owner@example.com", "eu", "Erase People AB");
        var org = owner.OrganizationId;
        var cell = app.Cells.Get("eu");
        using var asOwner = app.Web(owner.Session);
        var mia = await InviteAndAcceptAsync(app, asOwner, Mia, "member");
        var miaId = (await app.Web(mia).GetFromJsonAsync<JsonElement>("/api/v1/account")).GetProperty("userId").GetString()!;
        var miaInvited = await EventIdsAsync(cell, org, "member.invited");
        using (var zoe = await asOwner.PostAsJsonAsync("/api/v1/invitations", new { email = "zoe.pending@example.com", role = "viewer" }))
        {
            Assert.Equal(HttpStatusCode.Created, zoe.StatusCode);
        }
        var zoeInvited = (await EventIdsAsync(cell, org, "member.invited")).Except(miaInvited).ToArray();
        var zoeQueued = await QueueMailAsync(cell, org, "zoe.pending@example.com");

        using var backups = new TempDirectory();
        var archive = (await CellBackup.CreateAsync(cell, backups.Path, TimeProvider.System, null, CancellationToken.None)).File;

        // The last owner is not erased from the organization: the answer says so and names it.
        using (var refused = await asOwner.PostAsJsonAsync("/api/v1/privacy/erasures", new { email = "olle.owner@example.com" }))
        {
            Assert.Equal("last_owner", await ProblemCodeAsync(refused));
        }

        var erasedMia = await PostOkAsync(asOwner, "/api/v1/privacy/erasures", new { email = "MIA.member@example.com" });
        Assert.True(erasedMia.GetProperty("membership").GetBoolean());
        Assert.True(erasedMia.GetProperty("events").GetInt32() >= 2); // invited, joined
        var erasedZoe = await PostOkAsync(asOwner, "/api/v1/privacy/erasures", new { email = "zoe.pending@example.com" });
        Assert.False(erasedZoe.GetProperty("membership").GetBoolean());
        Assert.Equal(1, erasedZoe.GetProperty("invitations").GetInt32());
        Assert.True(erasedZoe.GetProperty("mails").GetInt32() >= 1);

        // Mia is no longer a member, but her account (her own, not the organization's) stays.
        var members = await asOwner.GetFromJsonAsync<JsonElement>("/api/v1/members");
        Assert.DoesNotContain(Mia, members.GetRawText(), StringComparison.OrdinalIgnoreCase);
        await AssertPersonGoneAsync(cell, org, miaId, [.. miaInvited, .. zoeInvited], zoeQueued);
        Assert.DoesNotContain(IdentityKit.Mails(app, "eu"), m => m.Contains("zoe.pending@example.com", StringComparison.OrdinalIgnoreCase));
        Assert.Empty(await app.PlacesContainingAsync("zoe.pending@example.com"));
        var invitations = await asOwner.GetFromJsonAsync<JsonElement>("/api/v1/invitations");
        Assert.DoesNotContain("zoe.pending", invitations.GetRawText(), StringComparison.OrdinalIgnoreCase);
        await using (var db = cell.CreateDbContext())
        {
            Assert.True(await db.Set<User>().AnyAsync(u => u.Id == miaId));
            Assert.Equal(2, await db.Set<AuditEvent>().CountAsync(e => e.OrganizationId == org && e.Action == "privacy.record_deleted"));
        }
        var verified = await AuditVerification.VerifyAsync(cell, null, CancellationToken.None);
        Assert.True(verified.Ok, verified.Problem);

        using var restored = await ErasureTests.RestoreAsync(backend, cell, archive, backups);
        Assert.Equal(2, await Erasure.ReplayAsync(restored, DateTime.UtcNow, CancellationToken.None));
        await AssertPersonGoneAsync(restored, org, miaId, [.. miaInvited, .. zoeInvited], zoeQueued);
        var restoredLog = await AuditVerification.VerifyAsync(restored, null, CancellationToken.None);
        Assert.True(restoredLog.Ok, restoredLog.Problem);
    }

    private static async Task AssertAccountGoneAsync(Cell cell, string org, string userId, string[] events, string queued)
    {
        await AssertPersonGoneAsync(cell, org, userId, events, queued);
        await using var db = cell.CreateDbContext();
        Assert.False(await db.Set<User>().AnyAsync(u => u.Id == userId));
        Assert.False(await db.Set<Session>().AnyAsync(s => s.UserId == userId));
        Assert.False(await db.Set<Sigill.Api.Features.ApiTokens.ApiToken>().AnyAsync(t => t.UserId == userId));
    }

    /// <summary>No membership, no invitation row, no queued copy of the mail, and every listed audit event reads as erased.</summary>
    private static async Task AssertPersonGoneAsync(Cell cell, string org, string userId, string[] events, string queued)
    {
        await using var db = cell.CreateDbContext();
        Assert.False(await db.Set<Membership>().AnyAsync(m => m.UserId == userId && m.OrganizationId == org));
        Assert.False(await db.Set<JobRow>().AnyAsync(j => j.Id == queued && j.Payload != null));
        Assert.NotEmpty(events);
        foreach (var e in await db.Set<AuditEvent>().Where(e => events.Contains(e.Id)).ToListAsync())
        {
            Assert.True(e.Sealed.AsSpan().StartsWith(Erasure.RedactedPrefix), $"audit event {e.Id} ({e.Action}) still holds its sealed record");
            await Assert.ThrowsAnyAsync<Exception>(async () => await cell.Keys.OpenRecordAsync(AuditRecorder.SealContext(cell.Region, org, e.Id), e.Sealed, CancellationToken.None));
        }
    }

    private static async Task<string[]> EventIdsAsync(Cell cell, string org, string action)
    {
        await using var db = cell.CreateDbContext();
        return await db.Set<AuditEvent>().Where(e => e.OrganizationId == org && e.Action == action).Select(e => e.Id).ToArrayAsync();
    }

    /// <summary>A message to <paramref name="address"/> waiting in the mail queue (as when the mail server refused it); its job id.</summary>
    private static async Task<string> QueueMailAsync(Cell cell, string org, string address)
    {
        Assert.True(await MailQueue.EnqueueAsync(cell, org, new MailMessage("eu", "Someone", address, "Your documents", "Hello " + address), TimeProvider.System, CancellationToken.None));
        await using var db = cell.CreateDbContext();
        return await db.Set<JobRow>().Where(j => j.Kind == MailQueue.JobKind && j.OrganizationId == org).OrderByDescending(j => j.CreatedAt).Select(j => j.Id).FirstAsync();
    }

    private static async Task<string> InviteAndAcceptAsync(SigillApp app, HttpClient asOwner, string email, string role)
    {
        using (var invited = await asOwner.PostAsJsonAsync("/api/v1/invitations", new { email, role }))
        {
            Assert.Equal(HttpStatusCode.Created, invited.StatusCode);
        }
        using var web = app.Web();
        using var accepted = await web.PostAsJsonAsync("/api/v1/regions/eu/invitations/accept",
            new { invitation = IdentityKit.InvitationFor(app, email, "eu"), password = IdentityKit.Password, name = "Mia Member" });
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        return (await IdentityKit.JsonAsync(accepted)).GetProperty("session").GetString()!;
    }
}
