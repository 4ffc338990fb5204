using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Identity;

/// <summary>Signing up, in and around through the public web tier, as the browser's backend would.</summary>
internal static partial class IdentityKit
{
    public const string Password = "a sturdy passphrase 42";

    public sealed record Account(string Session, string UserId, string OrganizationId);

    /// <summary>Signs up through the API and follows the e-mailed link, as a person would: the new account's first session.</summary>
    public static async Task<Account> SignUpAsync(SigillApp app, string email, string region = "us", string organization = "Kit AB")
    {
        using var web = app.Web();
        using (var response = await web.PostAsJsonAsync($"/api/v1/regions/{region}/auth/sign-up", new { email, password = Password, name = "Kit Person", organizationName = organization, acceptDpaVersion = app.DpaVersion }))
        {
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        }
        using var verified = await VerifyAsync(app, SignUpLinkFor(app, email, region));
        var body = await verified.Content.ReadAsStringAsync();
        Assert.True(verified.StatusCode == HttpStatusCode.Created, body);
        using var json = JsonDocument.Parse(body);
        return new(json.RootElement.GetProperty("session").GetString()!, json.RootElement.GetProperty("userId").GetString()!, json.RootElement.GetProperty("organizationId").GetString()!);
    }

    /// <summary>Follows a sign-up link (<c>sgv_…</c>) through the API.</summary>
    public static async Task<HttpResponseMessage> VerifyAsync(SigillApp app, string link)
    {
        using var web = app.Web();
        return await web.PostAsJsonAsync($"/api/v1/regions/{link.Split('_')[1]}/auth/sign-up/verify", new { token = link });
    }

    /// <summary>
    /// A password sign-in. With <paramref name="clientIp"/> it goes to the API tier as the web tier would forward a person
    /// at that address (X-Forwarded-For, which only a holder of the service credential can set).
    /// </summary>
    public static async Task<HttpResponseMessage> SignInAsync(SigillApp app, string email, string password, string region = "us", string? clientIp = null, string? code = null)
    {
        using var client = clientIp is null ? app.Web() : app.Api(withServiceCredential: true);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/regions/{region}/auth/sign-in") { Content = JsonContent.Create(new { email, password, code }) };
        if (clientIp is not null)
        {
            request.Headers.Add("X-Forwarded-For", clientIp);
        }
        return await client.SendAsync(request);
    }

    public static HttpClient As(SigillApp app, string credential) => app.Web(credential);

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text.Length == 0 ? "{}" : text).RootElement.Clone();
    }

    public static string? Code(JsonElement problem) => problem.TryGetProperty("code", out var c) ? c.GetString() : null;

    public static void Bearer(HttpClient client, string credential) => client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", credential);

    /// <summary>The invitation (<c>sgi_…</c>) in the newest e-mail to <paramref name="email"/> in the region's outbox.</summary>
    public static string InvitationFor(SigillApp app, string email, string region = "us") =>
        InvitationLink().Match(Mails(app, region).Last(t => t.Contains(email, StringComparison.Ordinal))).Groups[1].Value;

    /// <summary>The sign-up link (<c>sgv_…</c>) in the newest sign-up e-mail to <paramref name="email"/> in the region's outbox.</summary>
    public static string SignUpLinkFor(SigillApp app, string email, string region = "us") =>
        SignUpLink().Match(Mails(app, region).Last(t => t.Contains(email, StringComparison.Ordinal) && SignUpLink().IsMatch(t))).Groups[1].Value;

    /// <summary>Every e-mail in the region's outbox, oldest first, with quoted-printable soft line breaks undone.</summary>
    public static IReadOnlyList<string> Mails(SigillApp app, string region = "us")
    {
        var folder = Path.Combine(app.DataDirectory, region, "outbox");
        return !System.IO.Directory.Exists(folder) ? [] : [.. System.IO.Directory.GetFiles(folder, "*.eml").Order(StringComparer.Ordinal).Select(File.ReadAllText)
            .Select(t => t.Replace("=\r\n", "", StringComparison.Ordinal).Replace("=\n", "", StringComparison.Ordinal))];
    }

    /// <summary>
    /// Signs up through the web tier's pages in <paramref name="web"/> (cookies on): the form, "check your e-mail", then the
    /// e-mailed link's page and its button. Returns the sealed session cookie's value; <paramref name="web"/> is signed in.
    /// </summary>
    public static async Task<string> SignUpThroughPagesAsync(SigillApp app, HttpClient web, string email, string region, string name = "Page Tester", string organization = "Pages AB")
    {
        var form = await web.GetStringAsync("/sign-up");
        using (var signUp = await web.PostAsync("/sign-up", Form(form, ("Name", name), ("Email", email), ("Password", Password), ("OrganizationName", organization), ("Region", region), ("AcceptDpa", "true"))))
        {
            var page = await signUp.Content.ReadAsStringAsync();
            Assert.True(signUp.StatusCode == HttpStatusCode.OK && page.Contains("Check your e-mail", StringComparison.Ordinal), page);
        }
        var link = SignUpLinkFor(app, email, region);
        var confirm = await web.GetStringAsync($"/sign-up/{link}");
        using var created = await web.PostAsync($"/sign-up/{link}", Form(confirm));
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        Assert.Equal("/account", created.Headers.Location!.OriginalString);
        return SessionCookie().Match(created.Headers.GetValues("Set-Cookie").First(c => c.StartsWith("sigill-session=", StringComparison.Ordinal))).Groups[1].Value;
    }

    /// <summary>A page's form, with its antiforgery token, filled with <paramref name="fields"/>.</summary>
    public static FormUrlEncodedContent Form(string page, params (string Name, string Value)[] fields) =>
        new([new("__RequestVerificationToken", AntiforgeryField().Match(page).Groups[1].Value), .. fields.Select(f => KeyValuePair.Create(f.Name, f.Value))]);

    [GeneratedRegex("/invitations/(sgi_[a-z]+_[0-9a-z]{26}_[0-9a-z]{52})")]
    private static partial Regex InvitationLink();

    [GeneratedRegex("/sign-up/(sgv_[a-z]+_[0-9a-z]{26}_[0-9a-z]{52})")]
    private static partial Regex SignUpLink();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("sigill-session=([^;]+)")]
    private static partial Regex SessionCookie();
}
