using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Documents;
using Sigill.Api.Features.Privacy;
using Sigill.Api.Platform.Jobs;
using Sigill.Tests.Identity;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Privacy;

/// <summary>
/// Retention policies (issue 18 part 4): the daily job deletes what is past the organization's periods (fake time), a legal
/// hold keeps a document until released, a completed document inside its retention is refused to an erasure request with
/// the date until which it is kept, view IP addresses and user agents are cleared, every deletion leaves a tombstone with
/// its rule and no content, <c>audit verify</c> passes after each run, and a second run changes nothing.
/// </summary>
public sealed class RetentionTests
{
    // The installation's own daily scheduler is off: the test schedules with its fake clock, which also shows the switch works.
    private const string Config = "{" + AppJobs.Config + "}"; // the daily scheduler off (AppJobs): the test queues each run itself

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Retention_runs_on_schedule_a_legal_hold_keeps_a_document_and_the_log_still_verifies(Backend backend)
    {
        await using var app = await SigillApp.StartAsync(backend, Config);
        var jobs = new AppJobs(app, "eu");
        var account = await IdentityKit.SignUpAsync(app, "olle.owner@example.com", "eu", "Retain AB");
        var org = account.OrganizationId;
        var cell = app.Cells.Get("eu");
        using var owner = app.Web(account.Session);

        // A new organization starts with the documented defaults.
        var policy = await OkJsonAsync(await owner.GetAsync("/api/v1/privacy/retention"));
        Assert.Equal(180, policy.GetProperty("draftDays").GetInt32());
        Assert.Equal(365, policy.GetProperty("endedDays").GetInt32());
        Assert.Equal(JsonValueKind.Null, policy.GetProperty("completedYears").ValueKind);
        Assert.Equal(90, policy.GetProperty("viewDetailsDays").GetInt32());
        await OkJsonAsync(await owner.PutAsJsonAsync("/api/v1/privacy/retention", new { draftDays = 180, endedDays = 30, completedYears = 10, viewDetailsDays = 90 }));

        var stale = (await UploadOkAsync(owner, "Forgotten draft of Quokka Lane", SamplePdf("stale"))).GetProperty("id").GetString()!;
        await AddRecipientAsync(owner, stale, "Ada Lovelace", "ada@example.com");
        var held = (await UploadOkAsync(owner, "Held draft", SamplePdf("held"))).GetProperty("id").GetString()!;
        var voided = (await UploadOkAsync(owner, "Voided offer", SamplePdf("voided"))).GetProperty("id").GetString()!;
        var bob = await AddRecipientAsync(owner, voided, "Bob Builder", "bob@example.com");
        await AddFieldAsync(owner, voided, bob, "signature", 200);
        await PostOkAsync(owner, $"/api/v1/documents/{voided}/send", new { });
        await PostOkAsync(owner, $"/api/v1/documents/{voided}/void", new { reason = "Wrong price" });
        var signed = (await UploadOkAsync(owner, "Signed lease", SamplePdf("lease"))).GetProperty("id").GetString()!;
        var cid = await AddRecipientAsync(owner, signed, "Cid Campeador", "cid@example.com");
        await AddFieldAsync(owner, signed, cid, "signature", 200);
        await PostOkAsync(owner, $"/api/v1/documents/{signed}/send", new { });
        await SignAsync(app, LinkFor(app.DataDirectory, "eu", "cid@example.com"), new { typedName = "Cid Campeador" });
        await jobs.DrainAsync();
        Assert.Equal("completed", (await OkJsonAsync(await owner.GetAsync($"/api/v1/documents/{signed}"))).GetProperty("status").GetString());
        var hold = await PostOkAsync(owner, "/api/v1/privacy/holds", new { scope = "document", documentId = held, reason = "Dispute 2026-4" });
        // Dora viewed an offer that is now under a legal hold on her: her view details are evidence the hold keeps.
        var offer = (await UploadOkAsync(owner, "Disputed offer", SamplePdf("offer"))).GetProperty("id").GetString()!;
        var dora = await AddRecipientAsync(owner, offer, "Dora Disputant", "dora@example.com");
        await AddFieldAsync(owner, offer, dora, "signature", 200);
        await PostOkAsync(owner, $"/api/v1/documents/{offer}/send", new { expiresInDays = 3650 });
        using (var viewer = app.Web())
        using (var view = await viewer.GetAsync($"/api/v1/signing/{LinkFor(app.DataDirectory, "eu", "dora@example.com")}/document.pdf"))
        {
            Assert.Equal(HttpStatusCode.OK, view.StatusCode);
        }
        await PostOkAsync(owner, "/api/v1/privacy/holds", new { scope = "person", email = "dora@example.com", reason = "Claim by Dora" });

        // A completed document inside its retention: the erasure request is answered with the rule and the date it is kept until.
        using (var refused = await owner.PostAsJsonAsync("/api/v1/privacy/erasures", new { documentId = signed }))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("deletion_held", problem.GetProperty("code").GetString());
            Assert.Equal(JsonValueKind.Null, problem.GetProperty("holdId").ValueKind);
            Assert.Equal("completed documents are kept 10 years after completion", problem.GetProperty("reason").GetString());
            await using var db = cell.CreateDbContext();
            var completedAt = (await db.Set<Document>().SingleAsync(d => d.Id == signed)).CompletedAt!.Value;
            Assert.Equal(completedAt.AddYears(10), problem.GetProperty("keptUntil").GetDateTime(), TimeSpan.FromSeconds(1));
        }

        // Before the periods end, the daily run deletes nothing.
        await RunOnScheduleAsync(app, jobs);
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync($"/api/v1/documents/{stale}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync($"/api/v1/documents/{voided}")).StatusCode);

        // 181 days later: the stale draft and the voided offer are gone, the held draft and the signed lease stay, Cid's view details are cleared.
        jobs.Time.Advance(TimeSpan.FromDays(181));
        await RunOnScheduleAsync(app, jobs);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync($"/api/v1/documents/{stale}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync($"/api/v1/documents/{voided}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync($"/api/v1/documents/{held}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync($"/api/v1/documents/{signed}")).StatusCode);
        await using (var db = cell.CreateDbContext())
        {
            var viewer = await db.Set<Recipient>().SingleAsync(r => r.Id == cid);
            Assert.NotNull(viewer.LastViewedAt); // when stays; where from and with what is gone
            Assert.Null(viewer.LastViewIpToken);
            Assert.Null(viewer.LastViewUserAgentToken);
            Assert.NotNull(viewer.CompletedIpToken); // the signature's evidence is not view data
            var kept = await db.Set<Recipient>().SingleAsync(r => r.Id == dora);
            Assert.NotNull(kept.LastViewIpToken); // held: Dora's view details stay
            Assert.NotNull(kept.LastViewUserAgentToken);
        }
        var log = await AuditTextAsync(cell, org);
        Assert.Contains("retention:drafts", log, StringComparison.Ordinal);
        Assert.Contains("retention:ended", log, StringComparison.Ordinal);
        Assert.Contains("retention:view-details", log, StringComparison.Ordinal);
        Assert.Contains("privacy.retention_held", log, StringComparison.Ordinal);
        Assert.All(new[] { "Forgotten draft of Quokka Lane", "Ada Lovelace", "ada@example.com", "Wrong price" }, erased => Assert.DoesNotContain(erased, log, StringComparison.OrdinalIgnoreCase));
        Assert.Empty(await app.PlacesContainingAsync("Forgotten draft of Quokka Lane"));
        var verified = await AuditVerification.VerifyAsync(cell, null, CancellationToken.None);
        Assert.True(verified.Ok, verified.Problem);
        var tombstones = await CountAsync(cell, org, "privacy.record_deleted");
        var heldEvents = await CountAsync(cell, org, "privacy.retention_held");
        Assert.Equal(3, tombstones); // two documents and one view-details tombstone
        Assert.Equal(2, heldEvents); // the draft's hold (retention:drafts) and Dora's (retention:view-details)

        // Run again the same day (a retry, a second node): nothing more is deleted and no tombstone is added.
        await RunNowAsync(app, jobs);
        Assert.Equal(tombstones, await CountAsync(cell, org, "privacy.record_deleted"));
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync($"/api/v1/documents/{held}")).StatusCode);

        // The hold released, the next daily run deletes the draft.
        await PostOkAsync(owner, $"/api/v1/privacy/holds/{hold.GetProperty("id").GetString()}/release", new { });
        jobs.Time.Advance(TimeSpan.FromDays(1));
        await RunOnScheduleAsync(app, jobs);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync($"/api/v1/documents/{held}")).StatusCode);
        Assert.Equal(tombstones + 1, await CountAsync(cell, org, "privacy.record_deleted"));
        var again = await AuditVerification.VerifyAsync(cell, null, CancellationToken.None);
        Assert.True(again.Ok, again.Problem);

        // Eleven years on, the signed lease's retention has run out: it is deleted too, and the erasure route no longer refuses.
        jobs.Time.Advance(TimeSpan.FromDays(366 * 11));
        await RunOnScheduleAsync(app, jobs);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync($"/api/v1/documents/{signed}")).StatusCode);
        Assert.Contains("retention:completed", await AuditTextAsync(cell, org), StringComparison.Ordinal);
        var last = await AuditVerification.VerifyAsync(cell, null, CancellationToken.None);
        Assert.True(last.Ok, last.Problem);
    }

    [Fact]
    public async Task The_policy_refuses_out_of_range_values_and_only_privacy_admins_of_the_organization_may_read_or_change_it()
    {
        await using var app = await SigillApp.StartAsync();
        var account = await IdentityKit.SignUpAsync(app, "olle.owner@example.com", "eu", "Policy AB");
        using var owner = app.Web(account.Session);
        foreach (object bad in new object[]
        {
            new { draftDays = 0, endedDays = 365, completedYears = (int?)null, viewDetailsDays = 90 },
            new { draftDays = 180, endedDays = 3651, completedYears = (int?)null, viewDetailsDays = 90 },
            new { draftDays = 180, endedDays = 365, completedYears = (int?)101, viewDetailsDays = 90 },
            new { draftDays = 180, endedDays = 365, completedYears = (int?)0, viewDetailsDays = -1 },
        })
        {
            using var refused = await owner.PutAsJsonAsync("/api/v1/privacy/retention", bad);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("validation_failed", await ProblemCodeAsync(refused));
        }
        Assert.Equal(180, (await OkJsonAsync(await owner.GetAsync("/api/v1/privacy/retention"))).GetProperty("draftDays").GetInt32()); // nothing stored

        // Every rule off ("keep") is a valid policy; the change is recorded with numbers only.
        var off = await OkJsonAsync(await owner.PutAsJsonAsync("/api/v1/privacy/retention", new { draftDays = (int?)null, endedDays = (int?)null, completedYears = (int?)null, viewDetailsDays = (int?)null }));
        Assert.Equal(JsonValueKind.Null, off.GetProperty("draftDays").ValueKind);
        var log = await AuditTextAsync(app.Cells.Get("eu"), account.OrganizationId);
        Assert.Contains("privacy.retention_changed", log, StringComparison.Ordinal);
        var ropa = await OkJsonAsync(await owner.GetAsync("/api/v1/privacy/records-of-processing"));
        Assert.Equal(RecordsOfProcessing.NoDeletionPolicy, ropa.GetProperty("retention").GetProperty("automaticDeletion").GetString());

        // A member has no privacy privilege; another organization's admin sees and changes only their own policy.
        using (var invited = await owner.PostAsJsonAsync("/api/v1/invitations", new { email = "mia.member@example.com", role = "member" }))
        {
            Assert.Equal(HttpStatusCode.Created, invited.StatusCode);
        }
        using var web = app.Web();
        using var accepted = await web.PostAsJsonAsync("/api/v1/regions/eu/invitations/accept",
            new { invitation = IdentityKit.InvitationFor(app, "mia.member@example.com", "eu"), password = IdentityKit.Password, name = "Mia Member" });
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        using var member = app.Web((await IdentityKit.JsonAsync(accepted)).GetProperty("session").GetString()!);
        Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync("/api/v1/privacy/retention")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await member.PutAsJsonAsync("/api/v1/privacy/retention", new { draftDays = 1 })).StatusCode);
        var other = await IdentityKit.SignUpAsync(app, "otto.other@example.com", "eu", "Other AB");
        using var otherOwner = app.Web(other.Session);
        await OkJsonAsync(await otherOwner.PutAsJsonAsync("/api/v1/privacy/retention", new { draftDays = 1, endedDays = 1, completedYears = 1, viewDetailsDays = 1 }));
        Assert.Equal(JsonValueKind.Null, (await OkJsonAsync(await owner.GetAsync("/api/v1/privacy/retention"))).GetProperty("draftDays").ValueKind);
    }

    /// <summary>What the daily scheduler does at the fake time: queue today's run; then a day later (whatever the hour) the queue runs it.</summary>
    private static async Task RunOnScheduleAsync(SigillApp app, AppJobs jobs)
    {
        var services = app.ApiServices;
        var scheduler = new RetentionScheduler(app.Cells, new RetentionOptions(), services.GetRequiredService<JobOptions>(), jobs.Time, NullLogger<RetentionScheduler>.Instance);
        await scheduler.ScheduleDueAsync(CancellationToken.None);
        jobs.Time.Advance(TimeSpan.FromDays(1));
        await jobs.DrainAsync();
    }

    /// <summary>The retention job run once more, directly (as a retry of the same day's job would).</summary>
    private static async Task RunNowAsync(SigillApp app, AppJobs jobs)
    {
        var handler = app.ApiServices.GetServices<IJobHandler>().OfType<RetentionJob>().Single();
        await handler.HandleAsync(new JobContext(app.Cells.Get("eu"), "job_eu_again", RetentionJob.JobKind, null, Encoding.UTF8.GetBytes("eu"), 1, 5, jobs.Time), CancellationToken.None);
    }

    private static async Task<int> CountAsync(Sigill.Api.Platform.Cells.Cell cell, string org, string action)
    {
        await using var db = cell.CreateDbContext();
        return await db.Set<AuditEvent>().CountAsync(e => e.OrganizationId == org && e.Action == action);
    }

    /// <summary>Every readable audit event of the organization, opened (sequenced or not yet); erased ones hold only their marker.</summary>
    private static async Task<string> AuditTextAsync(Sigill.Api.Platform.Cells.Cell cell, string org)
    {
        await using var db = cell.CreateDbContext();
        var text = new StringBuilder();
        foreach (var e in await db.Set<AuditEvent>().AsNoTracking().Where(e => e.OrganizationId == org).ToListAsync())
        {
            if (e.Sealed.AsSpan().StartsWith(Erasure.RedactedPrefix)) continue;
            var plain = await cell.Keys.OpenRecordAsync(AuditRecorder.SealContext(cell.Region, org, e.Id), e.Sealed, CancellationToken.None);
            text.AppendLine(Encoding.UTF8.GetString(plain, 32, plain.Length - 32));
        }
        return text.ToString();
    }
}
