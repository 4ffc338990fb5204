using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sigill.Api.Features.Accounts;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Identity.IdentityKit;

namespace Sigill.Tests.Identity;

/// <summary>
/// Two requests that create the same unique thing at the same moment: one wins, the other gets its documented 4xx answer,
/// never a 500, and nothing of the loser is stored. On both providers, whose unique-key errors differ.
/// </summary>
public sealed class UniqueRaceTests
{
    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Two_sign_up_links_for_one_address_followed_at_once_make_one_account_and_no_error(Backend backend)
    {
        // The app's errors go into the assertion's message: a rare 500 here under load (once, SQLite) names its exception.
        var log = new Sigill.Tests.Foundation.CapturedLog();
        await using var app = await SigillApp.StartAsync(backend, logging: b => b.AddProvider(log).SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Error));
        using var web = app.Web();
        for (var i = 0; i < 2; i++)
        {
            using var signUp = await web.PostAsJsonAsync("/api/v1/regions/us/auth/sign-up", new { email = "race@example.com", password = Password, name = $"Racer {i}", organizationName = $"Race {i} AB" });
            Assert.Equal(HttpStatusCode.Accepted, signUp.StatusCode);
        }
        var links = Mails(app).Select(m => System.Text.RegularExpressions.Regex.Match(m, "/sign-up/(sgv_[a-z0-9_]+)")).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, links.Count);

        var verified = await Task.WhenAll(links.Select(l => VerifyAsync(app, l)));
        var statuses = verified.Select(v => v.StatusCode).Order().ToArray();
        Assert.True(statuses.SequenceEqual([HttpStatusCode.Created, HttpStatusCode.NotFound]), $"{string.Join(", ", statuses)}\n{string.Join("\n", log.Lines)}");
        Assert.Equal("sign_up_link_invalid", Code(await JsonAsync(verified.Single(v => v.StatusCode == HttpStatusCode.NotFound))));
        await using var db = app.Cells.Get("us").CreateDbContext();
        Assert.Equal(1, await db.Users.CountAsync());
        Assert.Equal(1, await db.Organizations.CountAsync());
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_sign_up_link_that_loses_its_address_to_another_account_at_the_last_moment_answers_404_and_stores_nothing(Backend backend)
    {
        await using var app = await SigillApp.StartAsync(backend);
        using (var web = app.Web())
        using (var signUp = await web.PostAsJsonAsync("/api/v1/regions/us/auth/sign-up", new { email = "late@example.com", password = Password, name = "Late Person", organizationName = "Late AB" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, signUp.StatusCode);
        }
        // The winner of the race, committed after this link was checked and before its account is inserted: the link
        // passes every check and only the unique e-mail hash stops it, which is the loser's path in a real race.
        var cell = app.Cells.Get("us");
        await using (var db = cell.CreateDbContext())
        {
            db.Users.Add(await app.ApiServices.GetRequiredService<Accounts>().NewUserAsync(cell, "late@example.com", "Winner", null, CancellationToken.None));
            await db.SaveChangesAsync();
        }

        using var verified = await VerifyAsync(app, SignUpLinkFor(app, "late@example.com"));
        Assert.Equal(HttpStatusCode.NotFound, verified.StatusCode);
        Assert.Equal("sign_up_link_invalid", Code(await JsonAsync(verified)));
        await using var after = cell.CreateDbContext();
        Assert.Equal(1, await after.Users.CountAsync());
        Assert.Equal(0, await after.Organizations.CountAsync());
        Assert.Equal(0, await after.Memberships.CountAsync());
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Content_blocks_with_one_name_saved_at_once_make_one_block_and_the_others_get_409(Backend backend)
    {
        await using var app = await SigillApp.StartAsync(backend);
        var org = await app.SetUpOrganizationAsync("Blocks AB", "us");
        using var api = app.Web(org.ApiToken);
        var saved = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => api.PostAsJsonAsync("/api/v1/templates/blocks", new { name = "payment_terms", body = "Net 30 days." })));
        Assert.Single(saved, r => r.StatusCode == HttpStatusCode.Created);
        foreach (var refused in saved.Where(r => r.StatusCode != HttpStatusCode.Created))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Equal("content_block_exists", Code(await JsonAsync(refused)));
        }
        await using var db = app.Cells.Get("us").CreateDbContext();
        Assert.Equal(1, await db.ContentBlocks.CountAsync());
    }
}
