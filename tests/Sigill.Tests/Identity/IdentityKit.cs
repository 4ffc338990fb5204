using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Identity;

/// <summary>Signing up, in and around through the public web tier, as the browser's backend would.</summary>
internal static partial class IdentityKit
{
    public const string Password = "a sturdy passphrase 42";

    public sealed record Account(string Session, string UserId, string OrganizationId);

    public static async Task<Account> SignUpAsync(SigillApp app, string email, string region = "us", string organization = "Kit AB")
    {
        using var web = app.Web();
        using var response = await web.PostAsJsonAsync($"/api/v1/regions/{region}/auth/sign-up", new { email, password = Password, name = "Kit Person", organizationName = organization });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var json = JsonDocument.Parse(body);
        return new(json.RootElement.GetProperty("session").GetString()!, json.RootElement.GetProperty("userId").GetString()!, json.RootElement.GetProperty("organizationId").GetString()!);
    }

    public static async Task<HttpResponseMessage> SignInAsync(SigillApp app, string email, string password, string region = "us", string? clientIp = null)
    {
        using var web = app.Web();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/regions/{region}/auth/sign-in") { Content = JsonContent.Create(new { email, password }) };
        return await web.SendAsync(request);
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
    public static string InvitationFor(SigillApp app, string email, string region = "us")
    {
        var folder = Path.Combine(app.DataDirectory, region, "outbox");
        var mail = System.IO.Directory.GetFiles(folder, "*.eml").Order(StringComparer.Ordinal).Select(File.ReadAllText)
            .Select(t => t.Replace("=\r\n", "", StringComparison.Ordinal).Replace("=\n", "", StringComparison.Ordinal))
            .Last(t => t.Contains(email, StringComparison.Ordinal));
        return InvitationLink().Match(mail).Groups[1].Value;
    }

    [System.Text.RegularExpressions.GeneratedRegex("/invitations/(sgi_[a-z]+_[0-9a-z]{26}_[0-9a-z]{52})")]
    private static partial System.Text.RegularExpressions.Regex InvitationLink();
}
