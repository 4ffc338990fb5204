using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Sigill.Contracts;
using Sigill.Tests.Browser;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.TrustCenter;

/// <summary>
/// The public trust center: generated from the installation, computed once for a flood of requests, readable with
/// JavaScript off and clean under axe; security.txt with the declared contact and an Expires in the future; the
/// organization's sub-processor page with the version it accepted.
/// </summary>
public sealed class TrustCenterTests(Chromium chromium) : IClassFixture<Chromium>
{
    private static string Config(string backups) => new JsonObject
    {
        ["SubProcessors"] = new JsonObject { ["Entries"] = new JsonArray(SubProcessorRegisterTests.Entry("Mailgate"), SubProcessorRegisterTests.Entry("Euro Archive", "Stores backups", null, "eu")) },
        ["Trust"] = new JsonObject
        {
            ["Contacts"] = new JsonArray("mailto:security@sigill.example", "https://sigill.example/report"),
            ["Policy"] = "https://sigill.example/disclosure",
            ["PublicUrl"] = "https://sigill.example",
            ["PreferredLanguages"] = "en, sv",
            ["Hosting"] = new JsonObject
            {
                ["Provider"] = "Example Hosting GmbH",
                ["Certifications"] = new JsonArray("ISO/IEC 27001", "SOC 2 Type II"),
                ["DataCentres"] = new JsonObject { ["eu"] = "Falkenstein, Germany", ["us"] = "Ashburn, Virginia" },
            },
        },
        ["Backups"] = new JsonObject { ["Directory"] = backups },
    }.ToJsonString();

    [Fact]
    public async Task Many_requests_to_the_trust_center_cause_one_computation_and_security_txt_names_the_contact()
    {
        using var backups = new TempDirectory();
        var drillAt = DateTimeOffset.UtcNow.AddHours(-3);
        await File.WriteAllTextAsync(Path.Combine(backups.Path, "drills.jsonl"),
            $$"""{"at":"{{drillAt:O}}","archive":"a.sgbk","region":"eu","ok":true,"restoreSeconds":1.5,"recoverySeconds":2.25,"organizations":1,"organizationsChecked":1,"objectsChecked":3,"shredded":0,"failures":0,"audit":"ok","problem":null}""" + "\n");
        await using var app = await SigillApp.StartAsync(Config(backups.Path));
        var trust = app.ApiServices.GetRequiredService<Sigill.Api.Features.TrustCenter.TrustCenter>();
        var before = trust.Computations;

        using var web = app.Web();
        var pages = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => web.GetAsync("/trust")));
        Assert.All(pages, p => Assert.Equal(HttpStatusCode.OK, p.StatusCode));
        var views = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => web.GetFromJsonAsync<TrustView>("/api/v1/trust")));
        // The anonymous register answers from the same cached view: it cannot be used to load the cells either.
        var registers = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => web.GetFromJsonAsync<SubProcessorRegisterView>($"/api/v1/regions/{(i % 2 == 0 ? "eu" : "us")}/sub-processors")));
        Assert.All(registers.Where((_, i) => i % 2 == 0), r => Assert.Equal(["Euro Archive", "Mailgate"], r!.Current.Select(e => e.Name)));
        Assert.InRange(trust.Computations - before, 0, 1); // one computation (or none, when an earlier request had just made it)
        Assert.True(trust.Computations >= 1);

        var view = views[0]!;
        Assert.Equal(["eu", "us"], view.Regions.Select(r => r.Region));
        var eu = view.Regions[0];
        Assert.Equal("file", eu.KeyProvider);
        Assert.Equal(1, eu.RootKeyVersion);
        Assert.Equal("Falkenstein, Germany", eu.DataCentre);
        Assert.Equal("/audit/eu/checkpoint", eu.AuditLog.CheckpointUrl);
        Assert.NotNull(eu.AuditLog.VerifierKey);
        Assert.Equal(2.25, eu.Backups.LastDrillRecoverySeconds);
        Assert.Equal(["Euro Archive", "Mailgate"], eu.SubProcessors.Current.Select(e => e.Name));
        Assert.Equal(["Mailgate"], view.Regions[1].SubProcessors.Current.Select(e => e.Name));
        Assert.Contains("SOC 2 Type II", view.Hosting.Certifications);
        pages.ToList().ForEach(p => p.Dispose());

        using var txt = await web.GetAsync("/.well-known/security.txt");
        Assert.Equal(HttpStatusCode.OK, txt.StatusCode);
        Assert.Equal("text/plain", txt.Content.Headers.ContentType?.MediaType);
        var lines = (await txt.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("Contact: mailto:security@sigill.example", lines);
        Assert.Contains("Contact: https://sigill.example/report", lines);
        Assert.Contains("Preferred-Languages: en,sv", lines);
        Assert.Contains("Canonical: https://sigill.example/.well-known/security.txt", lines);
        Assert.Contains("Policy: https://sigill.example/disclosure", lines);
        var expires = DateTimeOffset.Parse(lines.Single(l => l.StartsWith("Expires: ", StringComparison.Ordinal))["Expires: ".Length..], CultureInfo.InvariantCulture);
        Assert.InRange(expires, DateTimeOffset.UtcNow.AddDays(170), DateTimeOffset.UtcNow.AddDays(181));
    }

    [Fact]
    public async Task Without_a_declared_contact_there_is_no_security_txt()
    {
        await using var app = await SigillApp.StartAsync();
        using var web = app.Web();
        Assert.Equal(HttpStatusCode.NotFound, (await web.GetAsync("/.well-known/security.txt")).StatusCode);
    }

    [Fact]
    public async Task The_trust_center_reads_without_javascript_passes_axe_and_owners_see_the_register_they_accepted()
    {
        using var backups = new TempDirectory();
        await using var app = await SigillApp.StartAsync(Config(backups.Path));
        foreach (var mobile in new[] { false, true })
        {
            await using var s = await chromium.NewSessionAsync(app.WebUrl, mobile);
            await s.Page.GotoAsync("/trust");
            Assert.Contains("Example Hosting GmbH", await s.Page.InnerTextAsync("#trust-hosting-provider"), StringComparison.Ordinal);
            await s.CheckPageAsync(mobile ? "19-trust-phone" : "19-trust-desktop");
        }

        // JavaScript off: everything is in the HTML.
        var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = app.WebUrl.ToString(), JavaScriptEnabled = false });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/trust");
        Assert.Equal(2, await page.Locator(".trust-keys").CountAsync());
        Assert.Contains("security@sigill.example", await page.InnerTextAsync("#trust-contact"), StringComparison.Ordinal);
        Assert.Equal(1, await page.Locator("#trust-sub-processors .sub-processors[data-region='us'] .sub-processor").CountAsync());
        Assert.Contains("UTC", await page.InnerTextAsync("#trust-generated"), StringComparison.Ordinal);
        await context.CloseAsync();

        // An owner signs up (accepting the register) and reads it from the organization page.
        await using var owner = await chromium.NewSessionAsync(app.WebUrl, mobile: false);
        var p = owner.Page;
        await p.GotoAsync("/sign-up");
        Assert.Contains("accepts this installation's sub-processors", await p.InnerTextAsync("#sub-processors-accept"), StringComparison.Ordinal);
        await owner.SignUpAsync(app, "Tove Trust", "tove.trust@example.com", "Trust Pages AB", "eu");
        await p.GotoAsync("/organization");
        await p.ClickAsync("#link-sub-processors");
        await p.WaitForSelectorAsync("#register");
        Assert.Equal(["Euro Archive", "Mailgate"], await p.Locator("#register .sub-processor").EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.name)"));
        Assert.StartsWith("Version 1 accepted", await p.InnerTextAsync("#accepted"), StringComparison.Ordinal);
        await owner.CheckPageAsync("19-sub-processors-desktop");
        await owner.Page.SetViewportSizeAsync(390, 844);
        await owner.ScreenshotAsync("19-sub-processors-phone");
    }
}
