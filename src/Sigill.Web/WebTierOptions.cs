namespace Sigill.Web;

/// <summary>Everything the web tier knows: where the API tier is and how to prove itself to it. No database, no keys.</summary>
public sealed class WebTierOptions
{
    public string ApiBaseUrl { get; set; } = "";
    public string ServiceCredential { get; set; } = "";

    /// <summary>The installation's directory key (base64): hashes an e-mail address to ask each region whether it holds the account.</summary>
    public string DirectoryKey { get; set; } = "";

    /// <summary>
    /// Production with one API deployment per region: <c>Web:RegionApis:eu = http://api-eu:8081</c>.
    /// Requests are routed by the region their token, path or identifiers carry; anything else goes to <see cref="ApiBaseUrl"/>.
    /// </summary>
    public Dictionary<string, string> RegionApis { get; set; } = new(StringComparer.Ordinal);

    /// <summary>True when the public listener terminates TLS (or sits behind a TLS proxy): turns on HSTS. Required in production.</summary>
    public bool Tls { get; set; }

    /// <summary>production, staging or development: the same value as the API tier's.</summary>
    public string Environment { get; set; } = "development";

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!Uri.TryCreate(ApiBaseUrl, UriKind.Absolute, out var api) || api.Scheme is not ("http" or "https"))
        {
            problems.Add("Web:ApiBaseUrl must be the API tier's absolute http(s) URL");
        }
        foreach (var (region, url) in RegionApis)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var regionApi) || regionApi.Scheme is not ("http" or "https"))
            {
                problems.Add($"Web:RegionApis:{region} must be that region's API tier URL");
            }
        }
        if (Environment == "production" && !Tls)
        {
            problems.Add("Web:Tls must be true in production: the public tier serves HTTPS only (terminated here or by its proxy)");
        }
        if (ServiceCredential.Length < 32)
        {
            problems.Add("Web:ServiceCredential must be the installation's service credential (at least 32 characters)");
        }
        return problems;
    }
}
