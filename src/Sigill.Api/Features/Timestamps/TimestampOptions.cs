using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Sigill.Http;
using Sigill.Pdf.Timestamps;

namespace Sigill.Api.Features.Timestamps;

/// <summary>One external TSA; the credential, when given, goes as HTTP basic auth.</summary>
public sealed class TimestampServerOptions
{
    public string Url { get; set; } = "";
    public string? Username { get; set; }
    public string? Password { get; set; }
}

/// <summary>
/// Section <c>Timestamps</c> (docs/adr/0013-long-term-signatures.md): the external TSAs tried in order, their trust
/// anchors, the timeout and hash; or <c>BuiltIn</c>, the region's own TSA (the operator's clock, for air-gapped
/// installations); <c>AllowLevelB</c> lets a seal complete without a timestamp when every TSA fails (recorded in the
/// audit log) instead of waiting for the queue's retry; <c>PublicBaseUrl</c> is written into issued certificates as
/// their CRL and CA-certificate addresses; <c>CrlAllowedNetworks</c> (CIDR) opens otherwise refused addresses —
/// loopback, private, link-local, metadata — to the CRL fetches that TSA certificates point at (the webhook SSRF
/// guard, with its own list; empty by default). Nothing configured: signatures stay at baseline B, as before.
/// </summary>
public sealed class TimestampOptions : IValidatedOptions
{
    public List<TimestampServerOptions> Servers { get; set; } = [];
    public string? TrustAnchorsFile { get; set; }
    public int TimeoutSeconds { get; set; } = 10;
    public string HashAlgorithm { get; set; } = "SHA256";
    public bool BuiltIn { get; set; }
    public bool AllowLevelB { get; set; }
    public string? PublicBaseUrl { get; set; }
    public List<string> CrlAllowedNetworks { get; set; } = [];

    /// <summary>The parsed <see cref="CrlAllowedNetworks"/>, read once the options are bound and validated.</summary>
    internal IReadOnlyList<IPNetwork> CrlAllowed => _crlAllowed ??= [.. CrlAllowedNetworks.Select(n => IPNetwork.Parse(n))];

    private IPNetwork[]? _crlAllowed;

    /// <summary>Renew a document's archive timestamp when its TSA certificate expires within this many days.</summary>
    public int RenewBeforeExpiryDays { get; set; } = 180;

    /// <summary>Time of day (UTC) each cell's renewal job becomes due, when a TSA is configured.</summary>
    public TimeSpan RenewDailyAtUtc { get; set; } = TimeSpan.FromHours(3);

    public bool Enabled => Servers.Count > 0 || BuiltIn;

    /// <summary>The TSAs' roots from <see cref="TrustAnchorsFile"/>, read once.</summary>
    internal X509Certificate2Collection Anchors => _anchors ??= ReadAnchors();

    private X509Certificate2Collection? _anchors;

    private X509Certificate2Collection ReadAnchors()
    {
        var anchors = new X509Certificate2Collection();
        if (TrustAnchorsFile is not null && File.Exists(TrustAnchorsFile))
        {
            anchors.ImportFromPemFile(TrustAnchorsFile);
        }
        return anchors;
    }

    public Uri? PublicBase => PublicBaseUrl is null ? null : new Uri(PublicBaseUrl);

    internal TimestampClientSettings Settings => new()
    {
        HashAlgorithm = new HashAlgorithmName(HashAlgorithm.ToUpperInvariant().Replace("-", "", StringComparison.Ordinal)),
        Timeout = TimeSpan.FromSeconds(TimeoutSeconds),
    };

    internal IReadOnlyList<TimestampServer> ServerList =>
        Servers.Select(s => new TimestampServer(new Uri(s.Url), s.Username, s.Password)).ToList();

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Servers.Any(s => !Uri.TryCreate(s.Url, UriKind.Absolute, out var u) || (u.Scheme != Uri.UriSchemeHttps && u.Scheme != Uri.UriSchemeHttp)))
        {
            problems.Add("Timestamps:Servers:Url must be an absolute http(s) URL");
        }
        if (Servers.Count > 0)
        {
            if (TrustAnchorsFile is null || !File.Exists(TrustAnchorsFile))
            {
                problems.Add("Timestamps:TrustAnchorsFile must name a PEM file with the TSAs' roots when Servers are configured");
            }
            else if (Anchors.Count == 0)
            {
                problems.Add("Timestamps:TrustAnchorsFile holds no certificate");
            }
        }
        if (TimeoutSeconds is < 1 or > 120) problems.Add("Timestamps:TimeoutSeconds must be 1-120");
        if (HashAlgorithm.ToUpperInvariant().Replace("-", "", StringComparison.Ordinal) is not ("SHA256" or "SHA384" or "SHA512"))
        {
            problems.Add("Timestamps:HashAlgorithm must be SHA256, SHA384 or SHA512");
        }
        if (PublicBaseUrl is not null && (!Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out var b) || b.Scheme is not ("https" or "http")))
        {
            problems.Add("Timestamps:PublicBaseUrl must be an absolute http(s) URL");
        }
        foreach (var network in CrlAllowedNetworks.Where(n => !IPNetwork.TryParse(n, out _)))
        {
            problems.Add($"Timestamps:CrlAllowedNetworks has '{network}', not a CIDR network");
        }
        if (RenewBeforeExpiryDays is < 1 or > 3650) problems.Add("Timestamps:RenewBeforeExpiryDays must be 1-3650");
        if (RenewDailyAtUtc < TimeSpan.Zero || RenewDailyAtUtc >= TimeSpan.FromDays(1)) problems.Add("Timestamps:RenewDailyAtUtc must be a time of day (00:00-23:59)");
        return problems;
    }
}
