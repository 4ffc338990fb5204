using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Sigill.Api;
using Sigill.Api.Features.SubProcessors;
using Sigill.Cli.Hosting;
using Sigill.Contracts;
using Sigill.Http;
using Sigill.Tests.Identity;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.TrustCenter;

/// <summary>
/// The sub-processor register: published per region, a change announced by e-mail to every owner of every organization of
/// the region (read from the SMTP sink) with its effective date, exactly once even when the check runs again; the history
/// kept; the register (and pending changes) listed by the API; bad declarations stop the host with one line.
/// </summary>
public sealed class SubProcessorRegisterTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    internal static JsonObject Entry(string name, string purpose = "Sends e-mail", string? effective = null, params string[] regions)
    {
        var entry = new JsonObject
        {
            ["Name"] = name, ["Purpose"] = purpose, ["DataCategories"] = new JsonArray("e-mail addresses", "names"),
            ["Location"] = "Frankfurt, Germany", ["TransferMechanism"] = "none: within the EEA", ["TermsUrl"] = $"https://{name.ToLowerInvariant().Replace(' ', '-')}.example/dpa",
            ["Added"] = "2026-01-15", ["Regions"] = new JsonArray([.. regions.Select(r => (JsonNode)r)]),
        };
        if (effective is not null) entry["Effective"] = effective;
        return entry;
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_change_is_mailed_once_to_every_owner_of_the_region_with_its_effective_date_and_kept_in_the_history(Backend backend)
    {
        var config = new JsonObject { ["SubProcessors"] = new JsonObject { ["Entries"] = new JsonArray(Entry("Mailgate"), Entry("Old Storage")) } };
        await using var app = await SigillApp.StartAsync(backend, config.ToJsonString());
        var tag = Guid.NewGuid().ToString("N")[..8];
        var ownerA = await IdentityKit.SignUpAsync(app, $"owner-a-{tag}@example.com", "us", "Alpha AB");
        var ownerB = await IdentityKit.SignUpAsync(app, $"owner-b-{tag}@example.com", "us", "Beta AB");
        var ownerEu = await IdentityKit.SignUpAsync(app, $"owner-eu-{tag}@example.com", "eu", "Euro AB");
        var ownerSv = await IdentityKit.SignUpAsync(app, $"owner-sv-{tag}@example.com", "us", "Svensk AB");
        using (var asSv = IdentityKit.As(app, ownerSv.Session))
        {
            Assert.Equal(HttpStatusCode.OK, (await asSv.PatchAsJsonAsync("/api/v1/organizations/current", new { defaultLanguage = "sv" })).StatusCode);
        }

        // Version 1 is in force; a new organization accepted it.
        var before = await RegisterAsync(app, ownerA.Session);
        Assert.Equal(1, before.Version);
        Assert.Equal(["Mailgate", "Old Storage"], before.Current.Select(e => e.Name));
        Assert.Equal(1, before.Accepted?.Version);
        Assert.Empty(before.Pending);

        // The operator adds one, removes one (and now mails through SMTP); the restarted API notices the change.
        var json = JsonNode.Parse(await File.ReadAllTextAsync(app.ConfigFile!))!.AsObject();
        json["SubProcessors"] = new JsonObject { ["Revision"] = 2, ["Entries"] = new JsonArray(Entry("Mailgate"), Entry("Signal Cloud", "Sends text messages")) };
        json["Mail"] = System.Text.Json.JsonSerializer.SerializeToNode(Outbox.SmtpSettings);
        await File.WriteAllTextAsync(app.ConfigFile!, json.ToJsonString());
        var announcedAt = DateTimeOffset.UtcNow;
        await app.RestartAsync();

        var effective = (await RegisterAsync(app, ownerA.Session)).Pending.Single().EffectiveAt;
        Assert.InRange(effective, announcedAt.AddDays(30).AddMinutes(-5), announcedAt.AddDays(30).AddMinutes(5));
        foreach (var owner in new[] { $"owner-a-{tag}@example.com", $"owner-b-{tag}@example.com", $"owner-eu-{tag}@example.com" })
        {
            var mail = await Outbox.WaitForAsync(Outbox.SmtpSink, owner, "Sub-processor change on ");
            Assert.Contains(effective.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), mail.Subject, StringComparison.Ordinal);
            Assert.Contains("Signal Cloud: added", mail.Text, StringComparison.Ordinal);
            Assert.Contains("Old Storage: removed", mail.Text, StringComparison.Ordinal);
        }
        // An organization in Swedish: its owner reads the notice in Swedish (the names and the ISO date as they are).
        var swedish = await Outbox.WaitForAsync(Outbox.SmtpSink, $"owner-sv-{tag}@example.com", "Ändrade underbiträden från ");
        Assert.Equal($"Ändrade underbiträden från {effective.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)}", swedish.Subject);
        Assert.Contains("Signal Cloud: tillagt", swedish.TextBody, StringComparison.Ordinal);
        Assert.Contains("Old Storage: borttaget", swedish.TextBody, StringComparison.Ordinal);
        Assert.Contains(effective.UtcDateTime.ToString("d MMMM yyyy", Sigill.Contracts.Languages.Culture("sv")), swedish.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain(Outbox.To(Outbox.SmtpSink, $"owner-sv-{tag}@example.com"), m => (m.Subject ?? "").StartsWith("Sub-processor change", StringComparison.Ordinal));

        // The check runs again (another start, and by hand): nothing new is published, nobody is mailed twice.
        await app.RestartAsync();
        foreach (var cell in app.Cells.All)
        {
            Assert.Null(await app.ApiServices.GetRequiredService<SubProcessorRegister>().CheckAsync(cell, CancellationToken.None));
        }
        await Task.Delay(TimeSpan.FromSeconds(3)); // time for any duplicate to be sent
        foreach (var owner in new[] { $"owner-a-{tag}@example.com", $"owner-b-{tag}@example.com", $"owner-eu-{tag}@example.com" })
        {
            Assert.Single(Outbox.To(Outbox.SmtpSink, owner), m => (m.Subject ?? "").StartsWith("Sub-processor change", StringComparison.Ordinal));
        }

        // Until the effective date, v1 is in force and v2 is shown pending; the history keeps both.
        var after = await RegisterAsync(app, ownerB.Session);
        Assert.Equal(1, after.Version);
        Assert.Equal(["Mailgate", "Old Storage"], after.Current.Select(e => e.Name));
        var pending = Assert.Single(after.Pending);
        Assert.Equal(2, pending.Version);
        Assert.Equal([("Signal Cloud", "added"), ("Old Storage", "removed")], pending.Changes.Select(c => (c.Name, c.Change)));
        Assert.Equal([2, 1], after.History.Select(h => h.Version));
        Assert.True(after.History[0].Pending);

        // The public endpoint, for customers who monitor the register without a token.
        using var anonymous = app.Web();
        var listed = await anonymous.GetFromJsonAsync<SubProcessorRegisterView>("/api/v1/regions/eu/sub-processors");
        Assert.Equal(2, listed!.History.Count);
        Assert.Null(listed.Accepted);
        Assert.Equal(2, listed.Pending.Single().Version);
        _ = ownerEu;
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_shredded_organization_stops_neither_the_host_nor_the_notices_to_the_other_owners(Backend backend)
    {
        var config = new JsonObject { ["SubProcessors"] = new JsonObject { ["Entries"] = new JsonArray(Entry("Mailgate"), Entry("Old Storage")) } };
        await using var app = await SigillApp.StartAsync(backend, config.ToJsonString());
        var tag = Guid.NewGuid().ToString("N")[..8];
        var gone = await IdentityKit.SignUpAsync(app, $"owner-gone-{tag}@example.com", "us", "Gone AB");
        var stay = await IdentityKit.SignUpAsync(app, $"owner-stay-{tag}@example.com", "us", "Stay AB");

        // `sigill keys shred`: the organization's keys are destroyed; its membership rows stay (their tokens now throw KeyDestroyed).
        var us = app.Cells.Get("us");
        await us.Keys.ScheduleShredAsync(gone.OrganizationId);
        await using (var db = us.CreateDbContext())
        {
            await db.ShredRequests.Where(r => r.OrganizationId == gone.OrganizationId)
                .ExecuteUpdateAsync(r => r.SetProperty(x => x.DueAt, DateTime.UtcNow.AddMinutes(-1)));
        }
        Assert.Equal([gone.OrganizationId], await us.Keys.ExecuteDueShredsAsync());

        // The register changes: the restarted host publishes it and keeps running (an exception here stopped it at every start).
        var json = JsonNode.Parse(await File.ReadAllTextAsync(app.ConfigFile!))!.AsObject();
        json["SubProcessors"] = new JsonObject { ["Revision"] = 2, ["Entries"] = new JsonArray(Entry("Mailgate"), Entry("Signal Cloud", "Sends text messages")) };
        json["Mail"] = System.Text.Json.JsonSerializer.SerializeToNode(Outbox.SmtpSettings);
        await File.WriteAllTextAsync(app.ConfigFile!, json.ToJsonString());
        await app.RestartAsync();

        var mail = await Outbox.WaitForAsync(Outbox.SmtpSink, $"owner-stay-{tag}@example.com", "Sub-processor change on ");
        Assert.Contains("Signal Cloud: added", mail.Text, StringComparison.Ordinal);
        using (var anonymous = app.Web())
        {
            var listed = await anonymous.GetFromJsonAsync<SubProcessorRegisterView>("/api/v1/regions/us/sub-processors");
            Assert.Equal(2, listed!.Pending.Single().Version);
        }

        // The shredded organization's notice job succeeded without a mail (skipped, not failed or dead-lettered).
        var key = $"subprocessors:us:v2:{gone.OrganizationId}";
        var deadline = DateTime.UtcNow.AddSeconds(30);
        Sigill.Api.Platform.Jobs.JobState? state = null;
        while (DateTime.UtcNow < deadline)
        {
            await using var db = app.Cells.Get("us").CreateDbContext();
            state = await db.Set<Sigill.Api.Platform.Jobs.JobRow>().Where(j => j.IdempotencyKey == key).Select(j => (Sigill.Api.Platform.Jobs.JobState?)j.State).SingleOrDefaultAsync();
            if (state == Sigill.Api.Platform.Jobs.JobState.Succeeded) break;
            await Task.Delay(200);
        }
        Assert.Equal(Sigill.Api.Platform.Jobs.JobState.Succeeded, state);
        await Task.Delay(TimeSpan.FromSeconds(3)); // time for any duplicate to be sent
        Assert.Single(Outbox.To(Outbox.SmtpSink, $"owner-stay-{tag}@example.com"), m => (m.Subject ?? "").StartsWith("Sub-processor change", StringComparison.Ordinal));
        Assert.DoesNotContain(Outbox.To(Outbox.SmtpSink, $"owner-gone-{tag}@example.com"), m => (m.Subject ?? "").StartsWith("Sub-processor change", StringComparison.Ordinal));
        _ = stay;
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Concurrent_checks_publish_once_and_nodes_with_an_older_revision_or_only_other_regions_publish_nothing(Backend backend)
    {
        var config = new JsonObject { ["SubProcessors"] = new JsonObject { ["Entries"] = new JsonArray(Entry("Mailgate"), Entry("Old Storage")) } };
        await using var app = await SigillApp.StartAsync(backend, config.ToJsonString());
        var tag = Guid.NewGuid().ToString("N")[..8];
        string[] owners = [$"owner-a-{tag}@example.com", $"owner-b-{tag}@example.com", $"owner-eu-{tag}@example.com"];
        await IdentityKit.SignUpAsync(app, owners[0], "us", "Alpha AB");
        await IdentityKit.SignUpAsync(app, owners[1], "us", "Beta AB");
        await IdentityKit.SignUpAsync(app, owners[2], "eu", "Euro AB");
        var json = JsonNode.Parse(await File.ReadAllTextAsync(app.ConfigFile!))!.AsObject();
        json["Mail"] = System.Text.Json.JsonSerializer.SerializeToNode(Outbox.SmtpSettings);
        await File.WriteAllTextAsync(app.ConfigFile!, json.ToJsonString());
        await app.RestartAsync(); // the same register: nothing published

        // Two nodes with the new revision check at once: one version per cell.
        var newer = Options(2, Declared("Mailgate"), Declared("Signal Cloud"));
        foreach (var cell in app.Cells.All)
        {
            var published = await Task.WhenAll(Node(newer).CheckAsync(cell, CancellationToken.None), Node(newer).CheckAsync(cell, CancellationToken.None));
            Assert.Equal(2, Assert.Single(published, v => v is not null)!.Version);
        }

        // A node still on revision 1 does not publish its register back; the same revision with other entries publishes
        // nothing; naming a region the entry already served changes nothing for either region.
        var stale = Options(1, Declared("Mailgate"), Declared("Old Storage"));
        var sameRevision = Options(2, Declared("Mailgate"));
        var regionsOnly = Options(3, Declared("Mailgate", "eu", "us"), Declared("Signal Cloud"));
        foreach (var cell in app.Cells.All)
        {
            Assert.Null(await Node(stale).CheckAsync(cell, CancellationToken.None));
            Assert.Null(await Node(sameRevision).CheckAsync(cell, CancellationToken.None));
            Assert.Null(await Node(regionsOnly).CheckAsync(cell, CancellationToken.None));
            await using var db = cell.CreateDbContext();
            Assert.Equal([1, 2], await db.SubProcessorVersions.OrderBy(v => v.Version).Select(v => v.Version).ToListAsync());
        }

        foreach (var owner in owners)
        {
            await Outbox.WaitForAsync(Outbox.SmtpSink, owner, "Sub-processor change on ");
        }
        await Task.Delay(TimeSpan.FromSeconds(3)); // time for any duplicate to be sent
        foreach (var owner in owners)
        {
            Assert.Single(Outbox.To(Outbox.SmtpSink, owner), m => (m.Subject ?? "").StartsWith("Sub-processor change", StringComparison.Ordinal));
        }

        // A later version never takes effect before an earlier pending one (here: no notice period asked).
        var us = app.Cells.Get("us");
        var immediate = Options(4, Declared("Mailgate"));
        immediate.NoticeDays = 0;
        var v3 = await Node(immediate).CheckAsync(us, CancellationToken.None);
        await using (var db = us.CreateDbContext())
        {
            var v2 = await db.SubProcessorVersions.SingleAsync(v => v.Version == 2);
            Assert.Equal(3, v3!.Version);
            Assert.Equal(4, v3.Revision);
            Assert.True(v3.EffectiveAt >= v2.EffectiveAt, $"v3 effective {v3.EffectiveAt:O} before v2 {v2.EffectiveAt:O}");
        }
    }

    private static SubProcessorRegister Node(SubProcessorOptions options) =>
        new(options, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<SubProcessorRegister>.Instance);

    private static SubProcessorOptions Options(int revision, params SubProcessorEntry[] entries) => new() { Revision = revision, Entries = [.. entries] };

    /// <summary>The same entry as <see cref="Entry"/> declares, as options.</summary>
    private static SubProcessorEntry Declared(string name, params string[] regions) => new()
    {
        Name = name, Purpose = name == "Signal Cloud" ? "Sends text messages" : "Sends e-mail", DataCategories = ["e-mail addresses", "names"],
        Location = "Frankfurt, Germany", TransferMechanism = "none: within the EEA", TermsUrl = $"https://{name.ToLowerInvariant().Replace(' ', '-')}.example/dpa",
        Added = new DateOnly(2026, 1, 15), Regions = [.. regions],
    };

    private static async Task<SubProcessorRegisterView> RegisterAsync(SigillApp app, string session)
    {
        using var web = app.Web(session);
        return (await web.GetFromJsonAsync<SubProcessorRegisterView>("/api/v1/sub-processors"))!;
    }

    public static TheoryData<string, string> BadDeclarations() => new()
    {
        { """{ "Purpose": "x" }""", "SubProcessors:Entries:0:Name is required (at most 100 characters)" },
        { Entry("Bad Url").ToJsonString().Replace("https://bad-url.example/dpa", "ftp://bad.example", StringComparison.Ordinal), "SubProcessors:Entries:0 (Bad Url):TermsUrl must be an absolute https URL" },
        { Entry("Early", effective: "2026-01-01").ToJsonString(), "SubProcessors:Entries:0 (Early):Effective (2026-01-01) is before Added (2026-01-15)" },
        { Entry("No Region", regions: "US!").ToJsonString(), "SubProcessors:Entries:0 (No Region):Regions must be region names (empty: every region)" },
    };

    [Theory]
    [MemberData(nameof(BadDeclarations))]
    public void A_bad_declaration_stops_the_api_tier_with_one_line_naming_it(string entry, string expected)
    {
        var settings = new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes($$"""{ "SubProcessors": { "Entries": [ {{entry}} ] } }"""))).Build();
        var configuration = new ConfigurationBuilder()
            .AddConfiguration(SigillConfiguration.ForApi(SigillConfiguration.Load(Installation.OpenOrCreate(_directory.Combine("data")), null)))
            .AddConfiguration(settings)
            .Build();
        var refused = Assert.Throws<SigillConfigurationException>(() => ApiHost.Build(configuration, "http://127.0.0.1:0"));
        Assert.Equal("invalid API tier configuration: " + expected, refused.Message);
    }

    [Fact]
    public void A_contact_that_is_not_a_uri_stops_the_api_tier()
    {
        var configuration = new ConfigurationBuilder()
            .AddConfiguration(SigillConfiguration.ForApi(SigillConfiguration.Load(Installation.OpenOrCreate(_directory.Combine("data")), null)))
            .AddInMemoryCollection([KeyValuePair.Create("Trust:Contacts:0", (string?)"security@example.com")])
            .Build();
        var refused = Assert.Throws<SigillConfigurationException>(() => ApiHost.Build(configuration, "http://127.0.0.1:0"));
        Assert.Equal("invalid API tier configuration: Trust:Contacts:0 must be a mailto:, https: or tel: URI", refused.Message);
    }

    public void Dispose() => _directory.Dispose();
}
