using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Sigill.Api.Features.Audit;
using Sigill.Api.Platform.Jobs;
using Sigill.Tests.Identity;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Operations;

/// <summary>
/// Issue 21, "clock jumps": the system clock of the API node jumps forward (a bad NTP step, a VM resumed) and back
/// (the correction). A running installation reads a <see cref="ShiftedClock"/> the test moves both ways; the job
/// worker runs on the same clock. Expiry, reminders, sessions and the audit log must each do the right thing.
/// </summary>
public sealed class ClockJumpTests
{
    private const string Region = "us";
    private const string JobsOff = """{ "Jobs": { "RunWorker": false } }""";

    [Fact]
    public async Task A_jump_forward_sends_a_due_reminder_once_and_expires_the_document_and_a_jump_back_neither_repeats_the_reminder_nor_reopens_signing()
    {
        var clock = new ShiftedClock();
        await using var app = await SigillApp.StartAsync(JobsOff, apiOverrides: services => services.AddSingleton<TimeProvider>(clock));
        var org = await app.SetUpOrganizationAsync("Clock Jump AB", Region);
        using var sender = app.Web(org.ApiToken);
        var signer = $"slow-{Guid.NewGuid():N}@example.test";
        var id = (await UploadOkAsync(sender, "Jumpy contract", SamplePdf("jumpy"))).GetProperty("id").GetString()!;
        await AddRecipientAsync(sender, id, "Slow Signer", signer);
        await EnsureSignerFieldsAsync(sender, id);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { expiresInDays = 10, remindEveryDays = 2 });
        Assert.Single(Outbox.To(app.DataDirectory, Region, signer)); // the invitation

        // Forward 7 days, over three reminder dates: one reminder, not three, and the next one two days on.
        clock.Advance(TimeSpan.FromDays(7));
        await DrainAsync(app, clock);
        await DrainAsync(app, clock);
        var mails = Outbox.To(app.DataDirectory, Region, signer);
        Assert.Equal(2, mails.Count);
        Assert.StartsWith("Reminder: ", mails[^1].Subject, StringComparison.Ordinal);

        // Back to the true time: nothing is sent again, and the newest link still signs-ready.
        clock.Advance(TimeSpan.FromDays(-7));
        await DrainAsync(app, clock);
        Assert.Equal(2, Outbox.To(app.DataDirectory, Region, signer).Count);
        var link = LinkFor(app.DataDirectory, Region, signer);
        using var web = app.Web();
        using (var open = await web.GetAsync($"/api/v1/signing/{link}")) Assert.Equal(HttpStatusCode.OK, open.StatusCode);

        // Forward again to the same day: the reminder already sent for it is not sent a second time.
        clock.Advance(TimeSpan.FromDays(7));
        await DrainAsync(app, clock);
        Assert.Equal(2, Outbox.To(app.DataDirectory, Region, signer).Count);
        Assert.Equal(1, await ActivityCountAsync(sender, id, "document.reminded"));

        // Forward past the expiry (day 10): signing is refused at once, before any job ran, and the page says why.
        clock.Advance(TimeSpan.FromDays(4));
        using (var sign = await web.PostAsJsonAsync($"/api/v1/signing/{link}/sign", new { typedName = "Slow Signer" })) Assert.Equal(HttpStatusCode.NotFound, sign.StatusCode);
        await AssertSigningPageInactiveAsync(app, link);
        Assert.Equal("expired", await StatusAsync(sender, id));
        await DrainAsync(app, clock); // the expiry job and the day-9 reminder: neither mails the signer
        Assert.Equal(2, Outbox.To(app.DataDirectory, Region, signer).Count);

        // Back to the true time, before the expiry date: the document stays expired and its link dead.
        clock.Advance(TimeSpan.FromDays(-11));
        await DrainAsync(app, clock);
        Assert.Equal("expired", await StatusAsync(sender, id));
        using (var open = await web.GetAsync($"/api/v1/signing/{link}")) Assert.Equal(HttpStatusCode.NotFound, open.StatusCode);
        Assert.Equal(2, Outbox.To(app.DataDirectory, Region, signer).Count);
        Assert.Equal(1, await ActivityCountAsync(sender, id, "document.expired"));
        Assert.Equal(1, await ActivityCountAsync(sender, id, "document.reminded"));
    }

    [Fact]
    public async Task A_session_ends_when_the_clock_jumps_past_its_lifetime_and_setting_the_clock_back_does_not_revive_it()
    {
        var clock = new ShiftedClock();
        await using var app = await SigillApp.StartAsync(JobsOff, apiOverrides: services => services.AddSingleton<TimeProvider>(clock));
        var email = $"clock-{Guid.NewGuid():N}@example.test";
        var account = await IdentityKit.SignUpAsync(app, email, Region, "Clock Sessions AB");
        Assert.Equal(HttpStatusCode.OK, await AccountStatusAsync(app, account.Session));

        // Past the absolute lifetime (12 hours): refused.
        clock.Advance(TimeSpan.FromHours(13));
        Assert.Equal(HttpStatusCode.Unauthorized, await AccountStatusAsync(app, account.Session));

        // The clock is corrected: the session was ended and stays ended.
        clock.Advance(TimeSpan.FromHours(-13));
        Assert.Equal(HttpStatusCode.Unauthorized, await AccountStatusAsync(app, account.Session));

        // A new sign-in works, and a backward jump alone ends no live session.
        using var signIn = await IdentityKit.SignInAsync(app, email, IdentityKit.Password, Region);
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        var session = (await IdentityKit.JsonAsync(signIn)).GetProperty("session").GetString()!;
        clock.Advance(TimeSpan.FromHours(-1));
        Assert.Equal(HttpStatusCode.OK, await AccountStatusAsync(app, session));

        // Idle for longer than the idle timeout (30 minutes), counted on the corrected clock: refused.
        clock.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(HttpStatusCode.Unauthorized, await AccountStatusAsync(app, session));
    }

    [Fact]
    public async Task The_audit_log_verifies_after_the_clock_was_set_back_and_events_were_recorded_with_earlier_times()
    {
        var clock = new ShiftedClock();
        await using var app = await SigillApp.StartAsync(JobsOff, apiOverrides: services => services.AddSingleton<TimeProvider>(clock));
        var org = await app.SetUpOrganizationAsync("Clock Audit AB", Region);
        using var sender = app.Web(org.ApiToken);
        clock.Advance(TimeSpan.FromDays(1));
        await UploadOkAsync(sender, "Recorded ahead", SamplePdf("ahead"));
        await WaitSequencedAsync(app);
        clock.Advance(TimeSpan.FromDays(-1) - TimeSpan.FromHours(1));
        await UploadOkAsync(sender, "Recorded after the correction", SamplePdf("behind"));
        await WaitSequencedAsync(app);
        long events;
        await using (var db = app.Cells.Get(Region).CreateDbContext())
        {
            events = await db.Set<AuditEvent>().LongCountAsync();
            var times = await db.Set<AuditEvent>().OrderBy(e => e.LeafIndex).Select(e => e.OccurredAt).ToListAsync();
            Assert.True(times[^1] < times.Max(), "the last event should carry a time earlier than one before it");
        }
        await app.StopServerAsync();

        var verify = await SigillProcess.RunAsync(TimeSpan.FromMinutes(2), "audit", "verify", "--data", app.DataDirectory, "--region", Region);
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        Assert.Contains($"audit log {Region}: OK, {events} events, checkpoint size {events}", verify.Stdout, StringComparison.Ordinal);
    }

    private static Task<int> DrainAsync(SigillApp app, TimeProvider clock) =>
        new JobWorker(app.Cells.Get(Region), app.ApiServices.GetServices<IJobHandler>(), app.ApiServices.GetRequiredService<JobOptions>(), clock, NullLogger.Instance)
            .DrainAsync(100, CancellationToken.None);

    private static async Task<HttpStatusCode> AccountStatusAsync(SigillApp app, string session)
    {
        using var client = app.Web(session);
        using var response = await client.GetAsync("/api/v1/account");
        return response.StatusCode;
    }

    private static async Task<string?> StatusAsync(HttpClient sender, string id) =>
        (await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}")).GetProperty("status").GetString();

    private static async Task<int> ActivityCountAsync(HttpClient sender, string id, string action) =>
        (await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}/activity")).EnumerateArray().Count(e => e.GetProperty("action").GetString() == action);

    /// <summary>The recipient's page, as a browser opening the e-mailed link sees it.</summary>
    private static async Task AssertSigningPageInactiveAsync(SigillApp app, string link)
    {
        using var browser = app.Web();
        (await browser.GetAsync($"/s/{link}")).Dispose();
        using var page = await browser.GetAsync("/s");
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("This link is not active", html, StringComparison.Ordinal);
        Assert.Contains("has expired", html, StringComparison.Ordinal);
    }

    /// <summary>Waits (generously) until the sequencer has given every committed event of the region a leaf.</summary>
    private static async Task WaitSequencedAsync(SigillApp app)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            await using (var db = app.Cells.Get(Region).CreateDbContext())
            {
                if (!await db.Set<AuditEvent>().AnyAsync(e => e.LeafIndex == null)) return;
            }
            Assert.True(DateTime.UtcNow < deadline, "events were not sequenced within a minute");
            await Task.Delay(200);
        }
    }
}
