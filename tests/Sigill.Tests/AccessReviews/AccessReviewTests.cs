using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Sigill.Api.Features.AccessReviews;
using Sigill.Api.Features.Audit;
using Sigill.Api.Platform.Jobs;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Identity.IdentityKit;

namespace Sigill.Tests.AccessReviews;

/// <summary>Periodic access reviews through the public web tier's API pass-through, on both backends (the classes at the end).</summary>
public abstract class AccessReviewTests(Backend backend) : IAsyncLifetime
{
    private const string Reviews = "/api/v1/organization/access-reviews";
    private readonly ShiftedClock _clock = new();
    private SigillApp _app = null!;

    public async Task InitializeAsync() => _app = await SigillApp.StartAsync(backend,
        """{ "Jobs": { "RunWorker": false }, "AccessReviews": { "RemindDailyAtUtc": "00:00:00" } }""",
        apiOverrides: services => services.AddSingleton<TimeProvider>(_clock));

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_full_review_keeps_changes_a_role_and_revokes_a_token_only_when_attested()
    {
        var owner = await SignUpAsync(_app, "owner@review.example", organization: "Review AB");
        using var asOwner = As(_app, owner.Session);
        await InviteAndAcceptAsync(owner, "member@review.example", "member");
        await InviteAndAcceptAsync(owner, "keeper@review.example", "viewer");
        var (tokenId, secret) = await CreateTokenAsync(asOwner, "nightly export");
        using var asToken = As(_app, secret);

        using var started = await asOwner.PostAsJsonAsync(Reviews, new { });
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var review = await JsonAsync(started);
        var id = review.GetProperty("id").GetString()!;
        var items = review.GetProperty("items").EnumerateArray().ToList();
        // Members in the order they joined, then the tokens.
        Assert.Equal(["owner@review.example", "member@review.example", "keeper@review.example", "organization:read"],
            items.Select(i => i.GetProperty("detail").GetString()!));
        Assert.Equal(tokenId, Assert.Single(items, i => i.GetProperty("kind").GetString() == "token").GetProperty("subjectId").GetString());
        string Item(string label) => items.Single(i => i.GetProperty("label").GetString()!.StartsWith(label, StringComparison.Ordinal) || i.GetProperty("detail").GetString() == label).GetProperty("id").GetString()!;

        // One review at a time.
        using (var second = await asOwner.PostAsJsonAsync(Reviews, new { }))
        {
            Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
            Assert.Equal("access_review_open", Code(await JsonAsync(second)));
        }
        // A token's scopes are not the review's to change; a change needs a new role.
        Assert.Equal("validation_failed", Code(await DecideAsync(asOwner, id, Item("nightly export"), "change", "viewer", HttpStatusCode.BadRequest)));
        Assert.Equal("validation_failed", Code(await DecideAsync(asOwner, id, Item("member@review.example"), "change", "member", HttpStatusCode.BadRequest)));

        await DecideAsync(asOwner, id, Item("owner@review.example"), "keep");
        await DecideAsync(asOwner, id, Item("member@review.example"), "change", "viewer");
        await DecideAsync(asOwner, id, Item("nightly export"), "revoke");
        // Attesting is refused while one item is undecided, and nothing has changed yet.
        using (var early = await asOwner.PostAsJsonAsync($"{Reviews}/{id}/attest", new { }))
        {
            Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
            Assert.Equal("access_review_incomplete", Code(await JsonAsync(early)));
        }
        Assert.Equal(HttpStatusCode.OK, (await asToken.GetAsync("/api/v1/organizations/current")).StatusCode);

        await DecideAsync(asOwner, id, Item("keeper@review.example"), "keep");
        using (var attested = await asOwner.PostAsJsonAsync($"{Reviews}/{id}/attest", new { }))
        {
            Assert.Equal(HttpStatusCode.OK, attested.StatusCode);
            var summary = await JsonAsync(attested);
            Assert.Equal((2, 1, 1), (summary.GetProperty("kept").GetInt32(), summary.GetProperty("changed").GetInt32(), summary.GetProperty("revoked").GetInt32()));
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await asToken.GetAsync("/api/v1/organizations/current")).StatusCode);
        var members = await asOwner.GetFromJsonAsync<JsonElement>("/api/v1/members");
        Assert.Equal("viewer", members.EnumerateArray().Single(m => m.GetProperty("email").GetString() == "member@review.example").GetProperty("role").GetString());
        Assert.Equal("access_review_closed", Code(await DecideAsync(asOwner, id, Item("keeper@review.example"), "revoke", expected: HttpStatusCode.Conflict)));

        var overview = await asOwner.GetFromJsonAsync<JsonElement>(Reviews);
        Assert.Equal(JsonValueKind.Null, overview.GetProperty("current").ValueKind);
        Assert.False(overview.GetProperty("overdue").GetBoolean());
        Assert.Equal("attested", overview.GetProperty("history")[0].GetProperty("status").GetString());

        // The members' and tokens' own audit events, and the review's: the attestation holds ids and counts, no names or addresses.
        var events = await EventsAsync(owner.OrganizationId);
        Assert.Contains("access_review.started", events.Keys);
        Assert.Contains("member.role_changed", events.Keys);
        Assert.Contains("api_token.revoked", events.Keys);
        var attestation = events["access_review.attested"];
        var details = attestation.GetProperty("details");
        Assert.Equal(id, details.GetProperty("review").GetString());
        Assert.Equal(("2", "1", "1"), (details.GetProperty("kept").GetString(), details.GetProperty("changed").GetString(), details.GetProperty("revoked").GetString()));
        Assert.True(details.TryGetProperty("periodStart", out _) && details.TryGetProperty("periodEnd", out _));
        Assert.DoesNotContain("@", attestation.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("nightly", attestation.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attesting_a_decision_the_member_rules_refuse_changes_nothing()
    {
        var owner = await SignUpAsync(_app, "solo@review.example", organization: "Solo AB");
        using var asOwner = As(_app, owner.Session);
        await InviteAndAcceptAsync(owner, "demoted@review.example", "member");
        var (_, secret) = await CreateTokenAsync(asOwner, "ci");
        var review = await JsonAsync(await asOwner.PostAsJsonAsync(Reviews, new { }));
        var id = review.GetProperty("id").GetString()!;
        // A role change and the token's revocation are carried out (and saved) before the only owner's removal is refused.
        await DecideAllAsync(asOwner, id, review.GetProperty("items").EnumerateArray()
            .Select(i => i.GetProperty("detail").GetString() == "demoted@review.example"
                ? (i.GetProperty("id").GetString()!, "change", "viewer")
                : (i.GetProperty("id").GetString()!, "revoke", (string?)null)));
        using var attest = await asOwner.PostAsJsonAsync($"{Reviews}/{id}/attest", new { });
        Assert.Equal(HttpStatusCode.Conflict, attest.StatusCode);
        Assert.Equal("last_owner", Code(await JsonAsync(attest)));
        // The role change and the token's revocation were rolled back with the rest; the review is still open.
        Assert.Equal(HttpStatusCode.OK, (await As(_app, secret).GetAsync("/api/v1/organizations/current")).StatusCode);
        var members = await asOwner.GetFromJsonAsync<JsonElement>("/api/v1/members");
        Assert.Equal("member", members.EnumerateArray().Single(m => m.GetProperty("email").GetString() == "demoted@review.example").GetProperty("role").GetString());
        Assert.Equal(id, (await asOwner.GetFromJsonAsync<JsonElement>(Reviews)).GetProperty("current").GetProperty("id").GetString());
        var events = await EventsAsync(owner.OrganizationId);
        Assert.DoesNotContain("access_review.attested", events.Keys);
        Assert.DoesNotContain("api_token.revoked", events.Keys);
        Assert.DoesNotContain("member.role_changed", events.Keys);
    }

    [Fact]
    public async Task Making_someone_else_owner_and_removing_the_old_owner_in_one_review_succeeds()
    {
        var founder = await SignUpAsync(_app, "founder@handover.example", organization: "Handover AB");
        using var asFounder = As(_app, founder.Session);
        await InviteAndAcceptAsync(founder, "successor@handover.example", "member");
        var review = await JsonAsync(await asFounder.PostAsJsonAsync(Reviews, new { }));
        var id = review.GetProperty("id").GetString()!;
        // Whatever order the items' ids fall in, the promotion is carried out before the removal.
        await DecideAllAsync(asFounder, id, review.GetProperty("items").EnumerateArray()
            .Select(i => i.GetProperty("detail").GetString() == "founder@handover.example"
                ? (i.GetProperty("id").GetString()!, "revoke", (string?)null)
                : (i.GetProperty("id").GetString()!, "change", "owner")));
        using var attest = await asFounder.PostAsJsonAsync($"{Reviews}/{id}/attest", new { });
        Assert.True(attest.StatusCode == HttpStatusCode.OK, await attest.Content.ReadAsStringAsync());

        var successor = (await JsonAsync(await SignInAsync(_app, "successor@handover.example", Password))).GetProperty("session").GetString()!;
        using var asSuccessor = As(_app, successor);
        var members = (await asSuccessor.GetFromJsonAsync<JsonElement>("/api/v1/members")).EnumerateArray().ToList();
        Assert.Equal("owner", Assert.Single(members).GetProperty("role").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await asFounder.GetAsync("/api/v1/members")).StatusCode);
    }

    [Fact]
    public async Task Of_two_attestations_at_once_one_succeeds_and_the_other_finds_the_review_closed()
    {
        var owner = await SignUpAsync(_app, "owner@race.example", organization: "Race AB");
        using var asOwner = As(_app, owner.Session);
        var admin = await InviteAndAcceptAsync(owner, "admin@race.example", "admin");
        using var asAdmin = As(_app, admin);
        await CreateTokenAsync(asOwner, "deploy");
        var review = await JsonAsync(await asOwner.PostAsJsonAsync(Reviews, new { }));
        var id = review.GetProperty("id").GetString()!;
        await DecideAllAsync(asOwner, id, review.GetProperty("items").EnumerateArray()
            .Select(i => (i.GetProperty("id").GetString()!, i.GetProperty("kind").GetString() == "token" ? "revoke" : "keep", (string?)null)));

        var answers = await Task.WhenAll(
            asOwner.PostAsJsonAsync($"{Reviews}/{id}/attest", new { }),
            asAdmin.PostAsJsonAsync($"{Reviews}/{id}/attest", new { }));
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], answers.Select(a => a.StatusCode).Order());
        var refused = answers.Single(a => a.StatusCode == HttpStatusCode.Conflict);
        Assert.Equal("access_review_closed", Code(await JsonAsync(refused)));
        foreach (var answer in answers) answer.Dispose();

        await using var db = _app.Cells.Get("us").CreateDbContext();
        Assert.Equal(1, await db.Set<AuditEvent>().CountAsync(e => e.OrganizationId == owner.OrganizationId && e.Action == "access_review.attested"));
        Assert.Equal(1, await db.Set<AuditEvent>().CountAsync(e => e.OrganizationId == owner.OrganizationId && e.Action == "api_token.revoked"));
        // And after the attestation its decisions are fixed.
        using var late = await asOwner.PutAsJsonAsync($"{Reviews}/{id}/items", new { items = new[] { new { id = review.GetProperty("items")[0].GetProperty("id").GetString(), decision = "revoke" } } });
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Equal("access_review_closed", Code(await JsonAsync(late)));
    }

    [Fact]
    public async Task Decisions_are_saved_together_and_one_refused_saves_none()
    {
        var owner = await SignUpAsync(_app, "owner@batch.example", organization: "Batch AB");
        using var asOwner = As(_app, owner.Session);
        var admin = await InviteAndAcceptAsync(owner, "admin@batch.example", "admin");
        using var asAdmin = As(_app, admin);
        await InviteAndAcceptAsync(owner, "viewer@batch.example", "viewer");
        var review = await JsonAsync(await asAdmin.PostAsJsonAsync(Reviews, new { }));
        var id = review.GetProperty("id").GetString()!;
        string Item(string email) => review.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("detail").GetString() == email).GetProperty("id").GetString()!;

        // An admin may not remove an owner: the viewer's decision, valid on its own, is not saved either; the refusal names the item.
        using (var refused = await asAdmin.PutAsJsonAsync($"{Reviews}/{id}/items", new
        {
            items = new object[] { new { id = Item("viewer@batch.example"), decision = "keep" }, new { id = Item("owner@batch.example"), decision = "revoke" } },
        }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            var problem = await JsonAsync(refused);
            Assert.Equal("role_not_assignable", Code(problem));
            Assert.StartsWith(Item("owner@batch.example"), problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        Assert.Equal("validation_failed", Code(await DecideAllAsync(asAdmin, id, [(Item("viewer@batch.example"), "keep", null), (Item("viewer@batch.example"), "revoke", null)], HttpStatusCode.BadRequest)));
        Assert.Equal("validation_failed", Code(await DecideAllAsync(asAdmin, id, [("ari_not_in_this_review", "keep", null)], HttpStatusCode.BadRequest)));
        var saved = await asAdmin.GetFromJsonAsync<JsonElement>($"{Reviews}/{id}");
        Assert.All(saved.GetProperty("items").EnumerateArray(), i => Assert.Equal(JsonValueKind.Null, i.GetProperty("decision").ValueKind));

        await DecideAllAsync(asAdmin, id, [(Item("viewer@batch.example"), "change", "member"), (Item("admin@batch.example"), "keep", null), (Item("owner@batch.example"), "keep", null)]);
        saved = await asAdmin.GetFromJsonAsync<JsonElement>($"{Reviews}/{id}");
        Assert.Equal(["keep", "keep", "change"], saved.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("decision").GetString()!));
        Assert.Equal("member", saved.GetProperty("items")[2].GetProperty("newRole").GetString());
        // The overview counts them without listing the items.
        var current = (await asAdmin.GetFromJsonAsync<JsonElement>(Reviews)).GetProperty("current");
        Assert.Equal((3, 0, 2, 1), (current.GetProperty("members").GetInt32(), current.GetProperty("tokens").GetInt32(), current.GetProperty("kept").GetInt32(), current.GetProperty("changed").GetInt32()));
        Assert.False(current.TryGetProperty("items", out _));
    }

    [Fact]
    public async Task Reminders_turned_off_in_the_configuration_queue_no_daily_scan()
    {
        // Through the configuration file, as an operator would (the API tier's configuration drops keys whose value is null).
        await using var off = await SigillApp.StartAsync(backend, """{ "Jobs": { "RunWorker": false }, "AccessReviews": { "Reminders": false, "RemindDailyAtUtc": "00:00:00" } }""");
        Assert.False(off.ApiServices.GetRequiredService<AccessReviewOptions>().Reminders);
        foreach (var app in new[] { off, _app })
        {
            await app.ApiServices.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<AccessReviewReminderScheduler>().Single().ScheduleDueAsync(CancellationToken.None);
        }
        Assert.Equal(0, await ScanJobsAsync(off));
        Assert.Equal(1, await ScanJobsAsync(_app)); // reminders on (the default): today's scan

        static async Task<int> ScanJobsAsync(SigillApp app)
        {
            await using var db = app.Cells.Get("us").CreateDbContext();
            return await db.Jobs.CountAsync(j => j.Kind == AccessReviewScanJob.JobKind);
        }
    }

    [Fact]
    public async Task Members_and_tokens_cannot_review_and_another_organizations_review_answers_404()
    {
        var owner = await SignUpAsync(_app, "a@review-one.example", organization: "One AB");
        var other = await SignUpAsync(_app, "b@review-two.example", organization: "Two AB");
        using var asOwner = As(_app, owner.Session);
        var member = await InviteAndAcceptAsync(owner, "m@review-one.example", "member");
        var review = await JsonAsync(await asOwner.PostAsJsonAsync(Reviews, new { }));
        var id = review.GetProperty("id").GetString()!;
        var itemId = review.GetProperty("items")[0].GetProperty("id").GetString()!;

        using var asMember = As(_app, member);
        Assert.Equal(HttpStatusCode.Forbidden, (await asMember.GetAsync(Reviews)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await asMember.PostAsJsonAsync($"{Reviews}/{id}/attest", new { })).StatusCode);

        using var asOther = As(_app, other.Session);
        Assert.Equal(HttpStatusCode.NotFound, (await asOther.GetAsync($"{Reviews}/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await asOther.PutAsJsonAsync($"{Reviews}/{id}/items", new { items = new[] { new { id = itemId, decision = "revoke" } } })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await asOther.PostAsJsonAsync($"{Reviews}/{id}/attest", new { })).StatusCode);

        // A token with members:write reads the schedule but a person attests.
        var (_, secret) = await CreateTokenAsync(asOwner, "admin bot", "members:write");
        using var asToken = As(_app, secret);
        Assert.Equal(HttpStatusCode.OK, (await asToken.GetAsync(Reviews)).StatusCode);
        using var byToken = await asToken.PutAsJsonAsync($"{Reviews}/{id}/items", new { items = new[] { new { id = itemId, decision = "keep" } } });
        Assert.Equal(HttpStatusCode.Forbidden, byToken.StatusCode);
        Assert.Equal("session_required", Code(await JsonAsync(byToken)));
    }

    [Fact]
    public async Task An_overdue_review_reminds_owners_and_admins_once_a_day_until_it_is_attested()
    {
        var owner = await SignUpAsync(_app, "owner@late.example", organization: "Late AB");
        await InviteAndAcceptAsync(owner, "admin@late.example", "admin");
        await InviteAndAcceptAsync(owner, "member@late.example", "member");
        var asOwner = As(_app, owner.Session);
        Assert.False((await asOwner.GetFromJsonAsync<JsonElement>(Reviews)).GetProperty("overdue").GetBoolean());
        await RemindAsync();
        Assert.DoesNotContain(Outbox.To(_app.DataDirectory, "us", "owner@late.example"), IsReminder);

        _clock.Advance(TimeSpan.FromDays(91));
        asOwner.Dispose(); // the session ended with the months that passed: sign in again
        asOwner = As(_app, (await JsonAsync(await SignInAsync(_app, "owner@late.example", Password))).GetProperty("session").GetString()!);
        Assert.True((await asOwner.GetFromJsonAsync<JsonElement>(Reviews)).GetProperty("overdue").GetBoolean());
        await RemindAsync();
        await RemindAsync(); // the same day again: no second e-mail
        var reminder = Assert.Single(Outbox.To(_app.DataDirectory, "us", "owner@late.example"), IsReminder);
        Assert.Contains("/organization/access-review", reminder.TextBody, StringComparison.Ordinal);
        Assert.Equal("Access review overdue: Late AB", reminder.Subject); // never chose a language: English
        Assert.Contains("Start it, decide to keep, change or revoke each member and API token, then attest.", reminder.TextBody, StringComparison.Ordinal);
        Assert.Single(Outbox.To(_app.DataDirectory, "us", "admin@late.example"), IsReminder);
        Assert.DoesNotContain(Outbox.To(_app.DataDirectory, "us", "member@late.example"), IsReminder);

        _clock.Advance(TimeSpan.FromDays(1));
        await RemindAsync();
        Assert.Equal(2, Outbox.To(_app.DataDirectory, "us", "owner@late.example").Count(IsReminder));

        // Attested: no longer overdue, no more reminders.
        asOwner.Dispose(); // a day later: sign in again
        asOwner = As(_app, (await JsonAsync(await SignInAsync(_app, "owner@late.example", Password))).GetProperty("session").GetString()!);
        var review = await JsonAsync(await asOwner.PostAsJsonAsync(Reviews, new { }));
        var id = review.GetProperty("id").GetString()!;
        await DecideAllAsync(asOwner, id, review.GetProperty("items").EnumerateArray().Select(i => (i.GetProperty("id").GetString()!, "keep", (string?)null)));
        Assert.Equal(HttpStatusCode.OK, (await asOwner.PostAsJsonAsync($"{Reviews}/{id}/attest", new { })).StatusCode);
        _clock.Advance(TimeSpan.FromDays(1));
        await RemindAsync();
        Assert.Equal(2, Outbox.To(_app.DataDirectory, "us", "owner@late.example").Count(IsReminder));
        asOwner.Dispose();
        asOwner = As(_app, (await JsonAsync(await SignInAsync(_app, "owner@late.example", Password))).GetProperty("session").GetString()!);
        Assert.False((await asOwner.GetFromJsonAsync<JsonElement>(Reviews)).GetProperty("overdue").GetBoolean());
        asOwner.Dispose();
    }

    [Fact]
    public async Task The_reminder_speaks_the_organizations_default_language()
    {
        var owner = await SignUpAsync(_app, "owner@sen.example", organization: "Sen AB");
        using (var asOwner = As(_app, owner.Session))
        {
            Assert.Equal(HttpStatusCode.OK, (await asOwner.PatchAsJsonAsync("/api/v1/organizations/current", new { defaultLanguage = "sv" })).StatusCode);
        }
        _clock.Advance(TimeSpan.FromDays(91));
        await RemindAsync();
        var reminder = Assert.Single(Outbox.To(_app.DataDirectory, "us", "owner@sen.example"), m => (m.Subject ?? "").StartsWith("Behörighetsgranskning försenad", StringComparison.Ordinal));
        Assert.Equal("Behörighetsgranskning försenad: Sen AB", reminder.Subject);
        Assert.Contains("Den periodiska behörighetsgranskningen av Sen AB i Sigill", reminder.TextBody, StringComparison.Ordinal);
        Assert.Contains("/organization/access-review", reminder.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain(Outbox.To(_app.DataDirectory, "us", "owner@sen.example"), IsReminder);
    }

    [Fact]
    public async Task Operators_are_reviewed_from_the_command_line_and_the_attestation_is_in_the_regions_audit_log()
    {
        string[] Cli(params string[] args) => [.. args, "--data", _app.DataDirectory, "--config", _app.ConfigFile!];
        foreach (var name in new[] { "alice", "bob" })
        {
            var add = await SigillProcess.RunAsync(Generous, Cli("operators", "add", name, "--region", "us"));
            Assert.True(add.ExitCode == 0, add.Stderr);
        }
        var list = await SigillProcess.RunAsync(Generous, Cli("operators", "review", "--region", "us"));
        Assert.True(list.ExitCode == 0, list.Stderr);
        Assert.Contains("alice", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("last used never", list.Stdout, StringComparison.Ordinal);

        // Bob undecided: refused, nothing changes.
        var partial = await SigillProcess.RunAsync(Generous, Cli("operators", "review", "--region", "us", "--keep", "alice", "--attest-by", "Carol Auditor"));
        Assert.NotEqual(0, partial.ExitCode);
        Assert.Contains("no decision for bob", partial.Stderr, StringComparison.Ordinal);

        var review = await SigillProcess.RunAsync(Generous, Cli("operators", "review", "--region", "us", "--keep", "alice", "--disable", "bob", "--attest-by", "Carol Auditor"));
        Assert.True(review.ExitCode == 0, review.Stderr);
        Assert.Contains("1 kept, 1 disabled", review.Stdout, StringComparison.Ordinal);

        var cell = _app.Cells.Get("us");
        await using var db = cell.CreateDbContext();
        var operators = await db.Set<Sigill.Api.Features.StaffAccess.Operator>().ToDictionaryAsync(o => o.Name);
        Assert.Null(operators["alice"].DisabledAt);
        Assert.NotNull(operators["bob"].DisabledAt);
        var row = await db.Set<AuditEvent>().SingleAsync(e => e.Action == "staff_review.attested");
        Assert.Null(row.OrganizationId);
        var (_, canonical) = await AuditReceipts.OpenAsync(cell, row, CancellationToken.None);
        var details = JsonDocument.Parse(canonical).RootElement.GetProperty("details");
        Assert.Equal(operators["bob"].Id, details.GetProperty("disabledIds").GetString());
        Assert.Equal(operators["alice"].Id, details.GetProperty("keptIds").GetString());
        Assert.Equal("Carol Auditor", details.GetProperty("attestedBy").GetString());
        Assert.Equal(1, await db.Set<AuditEvent>().CountAsync(e => e.Action == "operator.disabled"));
    }

    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(90);

    private static bool IsReminder(MimeKit.MimeMessage m) => (m.Subject ?? "").StartsWith("Access review overdue", StringComparison.Ordinal);

    /// <summary>What the daily scheduler and the job worker do, on the app's clock.</summary>
    private async Task RemindAsync()
    {
        var services = _app.ApiServices;
        var scheduler = new AccessReviewReminderScheduler(_app.Cells, services.GetRequiredService<AccessReviewOptions>(), services.GetRequiredService<JobOptions>(),
            _clock, NullLogger<AccessReviewReminderScheduler>.Instance);
        await scheduler.ScheduleDueAsync(CancellationToken.None);
        await new JobWorker(_app.Cells.Get("us"), services.GetServices<IJobHandler>(), services.GetRequiredService<JobOptions>(), _clock, NullLogger.Instance)
            .DrainAsync(100, CancellationToken.None);
    }

    private static Task<JsonElement> DecideAsync(HttpClient client, string review, string item, string decision, string? role = null,
        HttpStatusCode expected = HttpStatusCode.NoContent) =>
        DecideAllAsync(client, review, [(item, decision, role)], expected);

    /// <summary>Saves decisions in one request (<c>PUT {id}/items</c>); the problem, when one is expected.</summary>
    private static async Task<JsonElement> DecideAllAsync(HttpClient client, string review, IEnumerable<(string Item, string Decision, string? Role)> decisions,
        HttpStatusCode expected = HttpStatusCode.NoContent)
    {
        using var response = await client.PutAsJsonAsync($"{Reviews}/{review}/items",
            new { items = decisions.Select(d => new { id = d.Item, decision = d.Decision, role = d.Role }).ToList() });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode} {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>The organization's audit events, newest per action, opened (their canonical JSON).</summary>
    private async Task<Dictionary<string, JsonElement>> EventsAsync(string organizationId)
    {
        var cell = _app.Cells.Get("us");
        await using var db = cell.CreateDbContext();
        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var row in await db.Set<AuditEvent>().Where(e => e.OrganizationId == organizationId).OrderBy(e => e.OccurredAt).ToListAsync())
        {
            var (_, canonical) = await AuditReceipts.OpenAsync(cell, row, CancellationToken.None);
            result[row.Action] = JsonDocument.Parse(canonical).RootElement.Clone();
        }
        return result;
    }

    private async Task<(string Id, string Secret)> CreateTokenAsync(HttpClient session, string name, string scope = "organization:read")
    {
        using var created = await session.PostAsJsonAsync("/api/v1/tokens", new { name, scopes = new[] { scope } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await JsonAsync(created);
        return (body.GetProperty("token").GetProperty("id").GetString()!, body.GetProperty("secret").GetString()!);
    }

    private async Task<string> InviteAndAcceptAsync(Account owner, string email, string role)
    {
        using var asOwner = As(_app, owner.Session);
        using var invited = await asOwner.PostAsJsonAsync("/api/v1/invitations", new { email, role });
        Assert.Equal(HttpStatusCode.Created, invited.StatusCode);
        using var web = _app.Web();
        using var accepted = await web.PostAsJsonAsync("/api/v1/regions/us/invitations/accept",
            new { invitation = InvitationFor(_app, email), password = Password, name = role + " person" });
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        return (await JsonAsync(accepted)).GetProperty("session").GetString()!;
    }

    /// <summary>The tests above on SQLite.</summary>
    public sealed class OnSqlite() : AccessReviewTests(Backend.Sqlite);

    /// <summary>The tests above on PostgreSQL + S3.</summary>
    public sealed class OnPostgresS3() : AccessReviewTests(Backend.PostgresS3);
}
