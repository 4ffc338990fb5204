using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sigill.Http;

namespace Sigill.Web;

/// <summary>Everything the web tier knows: where the API tier is and how to prove itself to it. No database, no keys.</summary>
public sealed class WebTierOptions : IValidatedOptions
{
    /// <summary>The default API deployment: one URL, or several API nodes separated by commas (load-balanced).</summary>
    public string ApiBaseUrl { get; set; } = "";
    public string ServiceCredential { get; set; } = "";

    /// <summary>The installation's directory key (base64): hashes an e-mail address to ask each region whether it holds the account.</summary>
    public string DirectoryKey { get; set; } = "";

    /// <summary>
    /// The installation's web cookie key (base64 of 32 random bytes, <c>secrets/web-cookie-key</c> in the embedded
    /// default): seals the session and antiforgery cookies so that they survive restarts and work on every web node.
    /// Required in production; the same value on every web node.
    /// </summary>
    public string CookieKey { get; set; } = "";

    internal byte[]? CookieKeyBytes => KeyBytes(CookieKey);

    /// <summary>
    /// Cookie keys used before <see cref="CookieKey"/>: cookies they sealed still open, nothing new is sealed under them.
    /// To rotate, move the current key here and set a new <see cref="CookieKey"/> on every web node; drop the old key
    /// once its cookies have expired (account sessions end after Identity:SessionAbsoluteTimeout, 12 hours by default). Empty by default.
    /// </summary>
    public List<string> PreviousCookieKeys { get; set; } = [];

    internal List<byte[]> PreviousCookieKeyBytes => [.. PreviousCookieKeys.Select(KeyBytes).OfType<byte[]>()];

    private static byte[]? KeyBytes(string key)
    {
        if (key.Length == 0) return null;
        var bytes = new byte[key.Length]; // base64 never decodes to more bytes than it has characters
        return Convert.TryFromBase64String(key, bytes, out var length) && length >= 32 ? bytes[..length] : null;
    }

    /// <summary>
    /// Production with one API deployment per region: <c>Web:RegionApis:eu = http://api-eu-1:8081</c>. A region served
    /// by several API nodes lists them all, comma-separated or as a JSON array; the web tier balances requests over the
    /// healthy ones. Requests are routed by the region their token, path or identifiers carry; anything else goes to
    /// <see cref="ApiBaseUrl"/>.
    /// </summary>
    public Dictionary<string, string[]> RegionApis { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How often each API node's <c>/health/ready</c> is probed when a deployment has several nodes.</summary>
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a node that failed requests stays out of the rotation before it is tried again.</summary>
    public TimeSpan ReactivationPeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>True when the public listener terminates TLS (or sits behind a TLS proxy): turns on HSTS. Required in production.</summary>
    public bool Tls { get; set; }

    /// <summary>
    /// The origins of the payment processor's hosted checkout pages; unset, Stripe's (<see cref="DefaultCheckoutOrigins"/>).
    /// The payer's page (<c>/p/{token}</c>) answers its Pay button with a redirect there, so that page alone allows these
    /// origins in its Content-Security-Policy's <c>form-action</c>, and the web tier redirects to nowhere else. Each is an
    /// origin, <c>https://host[:port]</c> (http outside production, for a local test double), without a path. A list
    /// given replaces the default.
    /// </summary>
    public List<string>? CheckoutOrigins { get; set; }

    public static readonly IReadOnlyList<string> DefaultCheckoutOrigins = ["https://checkout.stripe.com"];

    /// <summary>The checkout origins in effect, written as the policy names them (no trailing slash).</summary>
    internal IReadOnlyList<string> CheckoutOriginList => CheckoutOrigins is { Count: > 0 } origins
        ? [.. origins.Select(o => o.Trim().TrimEnd('/'))]
        : DefaultCheckoutOrigins;

    /// <summary>production, staging or development: the same value as the API tier's.</summary>
    public string Environment { get; set; } = "development";

    /// <summary>The API nodes of the default deployment.</summary>
    public IReadOnlyList<string> ApiNodes => Split(ApiBaseUrl);

    /// <summary>
    /// The tier's whole configuration is this class's section. A region's API nodes may be one string (comma-separated)
    /// or an array, which the binder cannot tell apart, so <see cref="RegionApis"/> is read after it.
    /// </summary>
    public static OptionsBuilder<WebTierOptions> Register(IServiceCollection services) =>
        services.AddSigillOptions<WebTierOptions>("").Configure<IConfiguration>((options, configuration) =>
            options.RegionApis = configuration.GetSection("RegionApis").GetChildren().ToDictionary(
                c => c.Key,
                c => (c.Value is { } value ? Split(value) : c.GetChildren().Select(n => n.Value ?? "").ToList()).ToArray(),
                StringComparer.Ordinal));

    private static List<string> Split(string value) =>
        [.. value.Split([',', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (ApiNodes.Count == 0 || !ApiNodes.All(IsHttpUrl))
        {
            problems.Add("Web:ApiBaseUrl must be the API tier's absolute http(s) URL (several nodes: comma-separated)");
        }
        foreach (var (region, urls) in RegionApis)
        {
            if (urls.Length == 0 || !urls.All(IsHttpUrl))
            {
                problems.Add($"Web:RegionApis:{region} must be that region's API tier URL (several nodes: comma-separated or an array)");
            }
        }
        if (HealthCheckInterval < TimeSpan.FromMilliseconds(100) || ReactivationPeriod < TimeSpan.FromMilliseconds(100))
        {
            problems.Add("Web:HealthCheckInterval and Web:ReactivationPeriod must be at least 00:00:00.1");
        }
        if (Environment == "production" && !Tls)
        {
            problems.Add("Web:Tls must be true in production: the public tier serves HTTPS only (terminated here or by its proxy)");
        }
        if (CookieKey.Length > 0 && CookieKeyBytes is null)
        {
            problems.Add("Web:CookieKey must be base64 of at least 32 random bytes (e.g. openssl rand -base64 32)");
        }
        if (PreviousCookieKeys.Any(k => KeyBytes(k) is null))
        {
            problems.Add("Web:PreviousCookieKeys must each be base64 of at least 32 bytes (the cookie keys used before Web:CookieKey)");
        }
        if (PreviousCookieKeys.Count > 0 && CookieKey.Length == 0)
        {
            problems.Add("Web:PreviousCookieKeys needs a current Web:CookieKey to seal new cookies under");
        }
        if (Environment == "production" && CookieKey.Length == 0)
        {
            problems.Add("Web:CookieKey is required in production: it keeps people signed in across restarts and web nodes");
        }
        if (CheckoutOrigins is { Count: > 0 } && !CheckoutOriginList.All(o => IsOrigin(o, httpsOnly: Environment == "production")))
        {
            problems.Add("Web:CheckoutOrigins must each be an origin of the payment processor's checkout pages, https://host[:port] without a path (http only outside production)");
        }
        if (ServiceCredential.Length < 32)
        {
            problems.Add("Web:ServiceCredential must be the installation's service credential (at least 32 characters)");
        }
        return problems;
    }

    /// <summary>A bare origin: scheme, host and port only, exactly as written (no path, query, user or wildcard).</summary>
    private static bool IsOrigin(string origin, bool httpsOnly) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && (uri.Scheme == "https" || (uri.Scheme == "http" && !httpsOnly))
        && uri.UserInfo.Length == 0 && uri.HostNameType is UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6
        && string.Equals(uri.GetLeftPart(UriPartial.Authority), origin, StringComparison.OrdinalIgnoreCase);

    private static bool IsHttpUrl(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";
}
