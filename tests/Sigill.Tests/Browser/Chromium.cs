using System.Text.Json;
using Microsoft.Playwright;

namespace Sigill.Tests.Browser;

/// <summary>
/// One Debian Chromium for a test class, driven by Playwright (never a downloaded browser). Each
/// <see cref="NewSessionAsync"/> is a fresh browser context — its own cookies and storage, like another
/// person's browser — that records console messages and page errors for the CSP checks.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Chromium is not running");

    /// <summary>Screenshots of each main page go here (the test output folder).</summary>
    public static string ScreenshotDirectory { get; } = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;

    public async Task InitializeAsync()
    {
        _playwright = await Playwright.CreateAsync();
        // Playwright gives every launch a fresh temporary user-data directory.
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>A fresh browser session; mobile-sized by default (the recipient page is mobile first).</summary>
    /// <param name="locale">The browser's language (its Accept-Language), for the pages that speak it.</param>
    public async Task<Session> NewSessionAsync(Uri baseUrl, bool mobile = true, string locale = "en-US")
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUrl.ToString(),
            ViewportSize = mobile ? new ViewportSize { Width = 390, Height = 844 } : new ViewportSize { Width = 1280, Height = 900 },
            DeviceScaleFactor = 1,
            HasTouch = mobile,
            AcceptDownloads = true,
            Locale = locale,
            TimezoneId = "UTC",
        });
        context.SetDefaultTimeout(45_000); // a shared 2-core machine: a sign-in (password hashing) under a parallel build took over 20 s
        var page = await context.NewPageAsync();
        var session = new Session(context, page);
        page.Console += (_, message) => session.Console.Add($"{message.Type}: {message.Text}");
        page.PageError += (_, error) => session.Console.Add($"pageerror: {error}");
        return session;
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _playwright?.Dispose();
    }

    public sealed class Session(IBrowserContext context, IPage page) : IAsyncDisposable
    {
        private static readonly Lazy<string> AxeSource = new(() => File.ReadAllText(FindAxe()));

        public IBrowserContext Context { get; } = context;
        public IPage Page { get; } = page;
        public List<string> Console { get; } = [];

        /// <summary>Chromium reports every CSP violation on the console ("Refused to … Content Security Policy").</summary>
        public void AssertNoCspViolations()
        {
            var violations = Console.Where(m => m.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase)).ToList();
            Assert.True(violations.Count == 0, "CSP violations:\n" + string.Join("\n", violations));
            var errors = Console.Where(m => m.StartsWith("pageerror:", StringComparison.Ordinal)).ToList();
            Assert.True(errors.Count == 0, "script errors:\n" + string.Join("\n", errors));
        }

        /// <summary>Runs axe-core (npm, injected through the DevTools protocol, so the page's CSP stays as it is) and fails on serious or critical violations.</summary>
        public async Task AssertAccessibleAsync(string name)
        {
            await Page.EvaluateAsync(AxeSource.Value);
            var found = await Page.EvaluateAsync<JsonElement>("""
                async () => (await axe.run(document, { resultTypes: ["violations"] })).violations
                  .filter(v => v.impact === "serious" || v.impact === "critical")
                  .map(v => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map(n => n.target.join(" ")).join(", ")}`)
                """);
            var violations = found.EnumerateArray().Select(v => v.GetString()).ToList();
            Assert.True(violations.Count == 0, $"axe on {name}:\n" + string.Join("\n", violations));
        }

        public Task ScreenshotAsync(string name) =>
            Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });

        /// <summary>Screenshot, axe and the CSP check: what every main page gets.</summary>
        public async Task CheckPageAsync(string name)
        {
            await ScreenshotAsync(name);
            await AssertAccessibleAsync(name);
            AssertNoCspViolations();
        }

        /// <summary>Signs up through the pages (the form, then the e-mailed link from the outbox) and waits for the account page.</summary>
        internal async Task SignUpAsync(Sigill.Tests.Infrastructure.SigillApp app, string name, string email, string organization, string region)
        {
            await Page.GotoAsync("/sign-up");
            await Page.FillAsync("#name", name);
            await Page.FillAsync("#email", email);
            await Page.FillAsync("#password", Sigill.Tests.Identity.IdentityKit.Password);
            await Page.FillAsync("#organization", organization);
            await Page.SelectOptionAsync("#region", region);
            if (await Page.Locator("#accept-dpa").CountAsync() > 0)
            {
                await Page.CheckAsync("#accept-dpa"); // the installation's data processing agreement (Trust:Dpa), when it has one
            }
            await Page.ClickAsync("#sign-up-submit");
            await Page.WaitForSelectorAsync("#sign-up-sent");
            await Page.GotoAsync("/sign-up/" + Sigill.Tests.Identity.IdentityKit.SignUpLinkFor(app, email, region));
            await Page.ClickAsync("#sign-up-verify-submit");
            await Page.WaitForSelectorAsync("#account");
        }

        public ValueTask DisposeAsync() => new(Context.CloseAsync());

        private static string FindAxe()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tools", "test-services", "node_modules", "axe-core", "axe.min.js");
                if (File.Exists(candidate)) return candidate;
            }
            throw new FileNotFoundException("axe-core is missing: run ./test.sh (npm ci in tools/test-services)");
        }
    }
}
