using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Identity.Sso;

/// <summary>
/// A real OpenID Connect provider (npm oidc-provider, tools/test-services/oidc-provider.js) on a free loopback port,
/// with two confidential clients — <c>sigill</c> and <c>other-app</c>, both allowed to redirect to the installation's
/// callback — and a few accounts. <see cref="SignInAsync"/> plays the person at the provider over HTTP (login form,
/// automatic consent) and returns the redirect back to Sigill.
/// </summary>
internal sealed partial class TestIdentityProvider : IAsyncDisposable
{
    public const string ClientId = "sigill";
    public const string ClientSecret = "test-client-secret-0123456789abcdef";
    public const string OtherClientId = "other-app";
    public const string OtherClientSecret = "other-client-secret-0123456789abcdef";
    public const string Password = "idp passphrase 7";

    private readonly Process _process;
    private readonly TempDirectory _directory;

    private TestIdentityProvider(Process process, TempDirectory directory, string issuer)
    {
        _process = process;
        _directory = directory;
        Issuer = issuer;
    }

    public string Issuer { get; }

    /// <summary>login → (e-mail, verified). Logins: ada (verified, sso.example), bob (unverified), eve (verified, elsewhere.example), carl (verified, sso.example).</summary>
    public static readonly Dictionary<string, (string Email, bool Verified)> Accounts = new()
    {
        ["ada"] = ("ada@sso.example", true),
        ["bob"] = ("bob@sso.example", false),
        ["eve"] = ("eve@elsewhere.example", true),
        ["carl"] = ("carl@sso.example", true),
    };

    public static async Task<TestIdentityProvider> StartAsync(string redirectUri)
    {
        var directory = new TempDirectory();
        var config = directory.Combine("idp.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            clients = new object[]
            {
                new { client_id = ClientId, client_secret = ClientSecret, redirect_uris = new[] { redirectUri } },
                new { client_id = OtherClientId, client_secret = OtherClientSecret, redirect_uris = new[] { redirectUri } },
            },
            accounts = Accounts.ToDictionary(a => a.Key, a => new { password = Password, email = a.Value.Email, email_verified = a.Value.Verified, name = char.ToUpperInvariant(a.Key[0]) + a.Key[1..] + " Idp" }),
        }));
        var start = new ProcessStartInfo("node", [Path.Combine(FindTestServices(), "oidc-provider.js"), config])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (line is null || !line.StartsWith("issuer ", StringComparison.Ordinal))
        {
            process.Kill();
            throw new InvalidOperationException("the test OpenID provider did not start: " + line);
        }
        return new TestIdentityProvider(process, directory, line["issuer ".Length..].Trim());
    }

    /// <summary>Follows the authorization URL at the provider as <paramref name="login"/> and returns the redirect to Sigill (code, state, iss).</summary>
    public static async Task<Uri> SignInAsync(string authorizationUrl, string login, string password = Password)
    {
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer(), CheckCertificateRevocationList = true });
        var url = new Uri(authorizationUrl);
        for (var hop = 0; hop < 10; hop++)
        {
            using var response = await browser.GetAsync(url);
            var location = response.Headers.Location;
            if (response.StatusCode == HttpStatusCode.OK && (await response.Content.ReadAsStringAsync()).Contains("idp-form", StringComparison.Ordinal))
            {
                using var posted = await browser.PostAsync(new Uri(url, url.AbsolutePath + "/login"), new FormUrlEncodedContent([new("login", login), new("password", password)]));
                location = posted.Headers.Location;
            }
            if (location is null)
            {
                throw new InvalidOperationException($"the provider answered {(int)response.StatusCode} at {url.AbsolutePath}");
            }
            url = new Uri(url, location);
            if (url.AbsolutePath == "/sso/callback")
            {
                return url;
            }
        }
        throw new InvalidOperationException("the provider never redirected back");
    }

    /// <summary>A query parameter of a URL (decoded).</summary>
    public static string Parameter(Uri url, string name) =>
        Uri.UnescapeDataString(QueryParameter().Matches(url.Query).First(m => m.Groups[1].Value == name).Groups[2].Value);

    /// <summary>The URL with one query parameter's value replaced.</summary>
    public static string WithParameter(string url, string name, string value) =>
        Regex.Replace(url, $"([?&]){Regex.Escape(name)}=[^&]*", m => m.Groups[1].Value + name + "=" + Uri.EscapeDataString(value));

    [GeneratedRegex("[?&]([^=&]+)=([^&]*)")]
    private static partial Regex QueryParameter();

    private static string FindTestServices()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tools", "test-services");
            if (File.Exists(Path.Combine(candidate, "node_modules", "oidc-provider", "package.json")))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException("oidc-provider is missing: run ./test.sh (npm ci in tools/test-services)");
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
        _process.Dispose();
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }
}
