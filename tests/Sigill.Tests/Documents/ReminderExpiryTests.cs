using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Documents;

/// <summary>On both backends; each test has an app of its own (a fake clock drains the whole cell's jobs, mail is counted per cell).</summary>
public sealed class ReminderExpiryTests
{
    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Reminders_go_out_every_n_days_with_a_fresh_link_and_the_document_expires_on_time(Backend backend)
    {
        await using var app = await SigillApp.StartAsync(backend, "{" + AppJobs.Config + "}");
        var jobs = new AppJobs(app, "us");
        var org = await app.SetUpOrganizationAsync("Acme Reminders", "us");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Remind me", SamplePdf("remind"))).GetProperty("id").GetString()!;
        await AddRecipientAsync(sender, id, "Signer", "slow@example.test", order: 1);
        await AddRecipientAsync(sender, id, "Later", "later@example.test", order: 2);
        await EnsureSignerFieldsAsync(sender, id);
        var sent = await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { expiresInDays = 5, remindEveryDays = 2 });
        Assert.Equal(2, sent.GetProperty("remindEveryDays").GetInt32());
        var firstLink = LinkFor(app.DataDirectory, "us", "slow@example.test");
        var mails = MailCount(app.DataDirectory, "us");

        Assert.Equal(0, await jobs.DrainAsync()); // nothing is due yet
        jobs.Time.Advance(TimeSpan.FromDays(2) + TimeSpan.FromMinutes(1));
        Assert.Equal(1, await jobs.DrainAsync());
        Assert.Equal(mails + 1, MailCount(app.DataDirectory, "us")); // only the signer whose turn it is
        var secondLink = LinkFor(app.DataDirectory, "us", "slow@example.test");
        Assert.NotEqual(firstLink, secondLink);
        using var web = app.Web();
        Assert.Equal(HttpStatusCode.NotFound, (await web.GetAsync($"/api/v1/signing/{firstLink}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await web.GetAsync($"/api/v1/signing/{secondLink}")).StatusCode);

        jobs.Time.Advance(TimeSpan.FromDays(2));
        Assert.Equal(1, await jobs.DrainAsync()); // day 4: the second reminder; a third (day 6) would be after expiry
        Assert.Equal(mails + 2, MailCount(app.DataDirectory, "us"));
        Assert.Equal("sent", (await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}")).GetProperty("status").GetString());

        jobs.Time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(2, await jobs.DrainAsync()); // day 5: expiry, and the sender's notice of it
        Assert.Equal("Expired: “Remind me”", Outbox.Read(app.DataDirectory, "us").Last().Subject);
        var thirdLink = LinkFor(app.DataDirectory, "us", "slow@example.test");
        Assert.Equal(HttpStatusCode.NotFound, (await web.GetAsync($"/api/v1/signing/{thirdLink}")).StatusCode);
        var activity = (await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}/activity")).EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Equal(2, activity.Count(a => a == "document.reminded"));
        Assert.Single(activity, "document.expired");
        Assert.Equal("expired", (await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}")).GetProperty("status").GetString());

        jobs.Time.Advance(TimeSpan.FromDays(30));
        Assert.Equal(0, await jobs.DrainAsync());
        Assert.Equal(mails + 3, MailCount(app.DataDirectory, "us")); // two reminders and the expiry notice
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_completed_document_gets_no_reminder_and_does_not_expire(Backend backend)
    {
        await using var app = await SigillApp.StartAsync(backend, "{" + AppJobs.Config + "}");
        var jobs = new AppJobs(app, "us");
        var org = await app.SetUpOrganizationAsync("Acme Done", "us");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Quick", SamplePdf("quick"))).GetProperty("id").GetString()!;
        await AddRecipientAsync(sender, id, "Quick", "quick@example.test");
        await EnsureSignerFieldsAsync(sender, id);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { expiresInDays = 3, remindEveryDays = 1 });
        await SignAsync(app, LinkFor(app.DataDirectory, "us", "quick@example.test"), new { typedName = "Quick" });
        await jobs.DrainAsync(); // the completion e-mails and the sender's notices go now
        var mails = MailCount(app.DataDirectory, "us");
        jobs.Time.Advance(TimeSpan.FromDays(10));
        Assert.Equal(3, await jobs.DrainAsync()); // the first reminder, the expiry and the completion fallback run, and do nothing
        Assert.Equal(mails, MailCount(app.DataDirectory, "us"));
        Assert.Equal("completed", (await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}")).GetProperty("status").GetString());
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_reminder_interval_out_of_range_answers_400_and_the_document_stays_a_draft(Backend backend)
    {
        await using var app = await SigillApp.StartAsync(backend);
        var org = await app.SetUpOrganizationAsync("Acme Bad Reminder", "us");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Draft", SamplePdf("draft"))).GetProperty("id").GetString()!;
        await AddRecipientAsync(sender, id, "A", "a@example.test");
        foreach (var days in new[] { 0, -1, 366 })
        {
            using var response = await sender.PostAsJsonAsync($"/api/v1/documents/{id}/send", new { remindEveryDays = days });
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("validation_failed", await ProblemCodeAsync(response));
        }
        Assert.Equal("draft", (await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}")).GetProperty("status").GetString());
        Assert.Equal(0, MailCount(app.DataDirectory, "us"));
    }
}
