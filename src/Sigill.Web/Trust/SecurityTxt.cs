using System.Globalization;
using System.Text;
using Sigill.Web.Api;

namespace Sigill.Web.Trust;

/// <summary>
/// <c>/.well-known/security.txt</c> (RFC 9116), written from the trust center's data: a <c>Contact</c> line per
/// declared contact, <c>Expires</c> computed at each refresh of that data (so it is never stale), <c>Preferred-Languages</c>,
/// and <c>Canonical</c> and <c>Policy</c> when configured. Without a declared contact there is no file (404): RFC 9116
/// requires one.
/// </summary>
internal static class SecurityTxt
{
    public const string Path = "/.well-known/security.txt";

    public static IEndpointRouteBuilder MapSecurityTxt(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, async (ApiClient api, HttpContext http, CancellationToken ct) =>
        {
            var trust = await api.GetTrustAsync(ct);
            if (trust is null) return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            if (trust.Security.Contact.Count == 0) return Results.NotFound();
            http.Response.Headers.CacheControl = "public, max-age=3600";
            return Results.Text(Write(trust.Security), "text/plain; charset=utf-8");
        });
        return app;
    }

    public static string Write(TrustSecurityContactView security)
    {
        var text = new StringBuilder();
        foreach (var contact in security.Contact) text.Append("Contact: ").Append(contact).Append('\n');
        text.Append("Expires: ").Append(security.Expires.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)).Append('\n');
        text.Append("Preferred-Languages: ").Append(security.PreferredLanguages).Append('\n');
        if (security.Canonical is { } canonical) text.Append("Canonical: ").Append(canonical).Append('\n');
        if (security.Policy is { } policy) text.Append("Policy: ").Append(policy).Append('\n');
        return text.ToString();
    }
}
