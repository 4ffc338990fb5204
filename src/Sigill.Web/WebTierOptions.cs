namespace Sigill.Web;

/// <summary>Everything the web tier knows: where the API tier is and how to prove itself to it. No database, no keys.</summary>
public sealed class WebTierOptions
{
    public string ApiBaseUrl { get; set; } = "";
    public string ServiceCredential { get; set; } = "";

    /// <summary>True when the public listener terminates TLS (or sits behind a TLS proxy): turns on HSTS.</summary>
    public bool Tls { get; set; }

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!Uri.TryCreate(ApiBaseUrl, UriKind.Absolute, out var api) || api.Scheme is not ("http" or "https"))
        {
            problems.Add("Web:ApiBaseUrl must be the API tier's absolute http(s) URL");
        }
        if (ServiceCredential.Length < 32)
        {
            problems.Add("Web:ServiceCredential must be the installation's service credential (at least 32 characters)");
        }
        return problems;
    }
}
