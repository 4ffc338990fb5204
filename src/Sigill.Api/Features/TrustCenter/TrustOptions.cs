using Sigill.Http;

namespace Sigill.Api.Features.TrustCenter;

/// <summary>
/// What the operator declares for the public trust center and <c>/.well-known/security.txt</c> (section <c>Trust</c>):
/// the hosting the installation runs on (provider, data-centre regions, certifications — Sigill cannot measure these, so
/// the operator states them), the security contact, and how long the generated page may be served from memory.
/// </summary>
public sealed class TrustOptions : IValidatedOptions
{
    /// <summary>Security contacts as URIs (<c>mailto:security@example.com</c>, <c>https://example.com/report</c>, <c>tel:</c>); security.txt needs one.</summary>
    public List<string> Contacts { get; set; } = [];

    /// <summary>The vulnerability disclosure policy (https URL), optional.</summary>
    public string? Policy { get; set; }

    /// <summary>Languages the security team reads (RFC 9116 <c>Preferred-Languages</c>), comma-separated tags.</summary>
    public string PreferredLanguages { get; set; } = "en";

    /// <summary>The site's public https origin (<c>https://sign.example.com</c>): security.txt's <c>Canonical</c>. Without it there is no Canonical line.</summary>
    public string? PublicUrl { get; set; }

    /// <summary>security.txt's <c>Expires</c> is this many days after the moment it is generated (RFC 9116 advises less than a year).</summary>
    public int ExpiresDays { get; set; } = 180;

    /// <summary>How long one computation of the trust center is served to everyone (so the public page cannot be used to load the cells).</summary>
    public TimeSpan CacheFor { get; set; } = TimeSpan.FromMinutes(1);

    public HostingDeclaration Hosting { get; set; } = new();

    /// <summary>Who runs this installation: named as the processor in the records of processing and in the privacy notice recipients see.</summary>
    public OperatorDeclaration Operator { get; set; } = new();

    /// <summary>The installation's data processing agreement, which each organization's owner accepts (none: nothing to accept).</summary>
    public DpaDeclaration Dpa { get; set; } = new();

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        for (var i = 0; i < Contacts.Count; i++)
        {
            if (!Uri.TryCreate(Contacts[i], UriKind.Absolute, out var c) || c.Scheme is not ("mailto" or "https" or "tel"))
            {
                problems.Add($"Trust:Contacts:{i} must be a mailto:, https: or tel: URI");
            }
        }
        if (Policy is not null && !IsHttps(Policy)) problems.Add("Trust:Policy must be an absolute https URL");
        if (PublicUrl is not null && (!IsHttps(PublicUrl) || new Uri(PublicUrl).AbsolutePath != "/")) problems.Add("Trust:PublicUrl must be the site's https origin (https://host, no path)");
        if (string.IsNullOrWhiteSpace(PreferredLanguages) || PreferredLanguages.Split(',').Any(l => l.Trim() is not { Length: >= 2 and <= 35 } t || !t.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '-')))
        {
            problems.Add("Trust:PreferredLanguages must be comma-separated language tags (en, sv, de-CH)");
        }
        if (ExpiresDays is < 1 or > 365) problems.Add("Trust:ExpiresDays must be 1-365");
        if (CacheFor < TimeSpan.FromSeconds(1) || CacheFor > TimeSpan.FromHours(1)) problems.Add("Trust:CacheFor must be between 1 second and 1 hour");
        if (Hosting.Provider is { Length: > 200 }) problems.Add("Trust:Hosting:Provider must be at most 200 characters");
        if (Hosting.Certifications.Any(c => string.IsNullOrWhiteSpace(c) || c.Length > 200)) problems.Add("Trust:Hosting:Certifications must be non-empty names (at most 200 characters)");
        if (Operator.Name is { } name && (string.IsNullOrWhiteSpace(name) || name.Length > 200)) problems.Add("Trust:Operator:Name must be a name of at most 200 characters");
        if (Operator.Contact is { } contact && (contact.Length > 300 || !Uri.TryCreate(contact, UriKind.Absolute, out var oc) || oc.Scheme is not ("mailto" or "https")))
        {
            problems.Add("Trust:Operator:Contact must be a mailto: or https: URI");
        }
        if (Dpa.Version is { } version && (version.Length is 0 or > 40 || !version.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '.' or '-' or '_')))
        {
            problems.Add("Trust:Dpa:Version must be 1-40 letters, digits, dots, dashes or underscores (2026-12)");
        }
        if (Dpa.Url is not null && !IsHttps(Dpa.Url) && !(Dpa.Url.StartsWith('/') && !Dpa.Url.StartsWith("//", StringComparison.Ordinal))) problems.Add("Trust:Dpa:Url must be an https URL or a path on this site");
        if (Dpa.Text is { Length: 0 or > 4000 }) problems.Add("Trust:Dpa:Text must be 1-4000 characters");
        if (Dpa.Version is not null && Dpa.Url is null && Dpa.Text is null) problems.Add("Trust:Dpa needs Url or Text with its Version: what the owner accepts");
        if (Dpa.Version is null && (Dpa.Url is not null || Dpa.Text is not null)) problems.Add("Trust:Dpa:Version is required when Url or Text is set");
        foreach (var (region, place) in Hosting.DataCentres)
        {
            if (!Platform.Cells.RegionName.IsWellFormed(region) || string.IsNullOrWhiteSpace(place) || place.Length > 200) problems.Add($"Trust:Hosting:DataCentres:{region} must name a region and its data centre (at most 200 characters)");
        }
        return problems;
    }

    private static bool IsHttps(string value) => Uri.TryCreate(value, UriKind.Absolute, out var u) && u.Scheme == Uri.UriSchemeHttps;
}

/// <summary>The operator's hosting, as declared (the seed's physical-security claim rests on it).</summary>
public sealed class HostingDeclaration
{
    public string? Provider { get; set; }
    public List<string> Certifications { get; set; } = [];
    /// <summary>Per region, where its data centre is (<c>eu: "Hetzner, Falkenstein, Germany"</c>).</summary>
    public Dictionary<string, string> DataCentres { get; set; } = new(StringComparer.Ordinal);
    public string? Notes { get; set; }
}

/// <summary>The operator of the installation as it names itself to customers and recipients (privacy contact, not the security one).</summary>
public sealed class OperatorDeclaration
{
    public string? Name { get; set; }
    /// <summary>Where people reach the operator about their data: <c>mailto:privacy@example.com</c> or an https page.</summary>
    public string? Contact { get; set; }
}

/// <summary>
/// The installation's data processing agreement (section <c>Trust:Dpa</c>): its version, and where to read it (an https
/// page) or its text. Owners accept a version at organization creation; raising the version asks every owner again.
/// </summary>
public sealed class DpaDeclaration
{
    /// <summary>The version owners accept (<c>2026-12</c>); null: this installation asks for no acceptance.</summary>
    public string? Version { get; set; }
    public string? Url { get; set; }
    public string? Text { get; set; }
}
