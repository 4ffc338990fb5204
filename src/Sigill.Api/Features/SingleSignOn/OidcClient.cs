using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Features.Webhooks;


namespace Sigill.Api.Features.SingleSignOn;

/// <summary>The identity provider could not be used (unreachable, refused by the SSRF guard, malformed, or it refused the code).</summary>
public sealed class IdentityProviderException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>
/// The OpenID Connect relying party's outbound calls: discovery, the JWKS and the token endpoint. Threat: an
/// organization admin types an issuer on the installation's own network (the database, the API tier, a metadata
/// service) and uses Sigill to reach it. Every call goes through the webhook <see cref="SsrfGuard"/>'s client: the
/// addresses actually dialled are checked (loopback, private and link-local refused unless
/// <c>Webhooks:AllowedNetworks</c> covers them), no redirects are followed, responses are capped at 256 KB.
/// Plain http is accepted only for a loopback issuer (tests and development); everything else needs https.
/// <para>
/// Discovery documents and key sets are kept for <see cref="CacheLifetime"/>, so a sign-in calls the provider only for
/// its token; saving a connection always reads discovery afresh, and a sign-in whose ID token the cached keys do not
/// accept reads the key set again once (the provider may have rotated its keys).
/// </para>
/// </summary>
internal sealed class OidcClient(SsrfGuard guard, TimeProvider time)
{
    private const int MaxResponseBytes = 256 * 1024;

    /// <summary>How long a discovery document or key set is reused.</summary>
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromMinutes(10);

    private readonly Lazy<HttpClient> _http = new(guard.CreateClient);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (Discovery Value, DateTimeOffset Expires)> _discoveries = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Uri, (JsonElement Value, DateTimeOffset Expires)> _keySets = new();

    public sealed record Discovery(string Issuer, Uri AuthorizationEndpoint, Uri TokenEndpoint, Uri JwksUri, bool BasicAuth);

    /// <summary>Null when the issuer is acceptable as typed; otherwise why not.</summary>
    public static string? IssuerProblem(string? issuer, out Uri? parsed)
    {
        parsed = null;
        if (issuer is not { Length: > 0 and <= 500 } || !Uri.TryCreate(issuer, UriKind.Absolute, out var url)
            || url.UserInfo.Length > 0 || url.Query.Length > 0 || url.Fragment.Length > 0)
        {
            return "issuer must be an absolute URL without user name, query or fragment (at most 500 characters).";
        }
        if (url.Scheme != "https" && !(url.Scheme == "http" && url.IsLoopback))
        {
            return "issuer must use https (plain http only on loopback, for development).";
        }
        parsed = url;
        return null;
    }

    /// <summary>Whether the issuer's host resolves only to addresses the SSRF guard allows.</summary>
    public async Task<bool> HostAllowedAsync(Uri issuer, CancellationToken ct)
    {
        try
        {
            await guard.ResolveAsync(issuer.IdnHost, ct);
            return true;
        }
        catch (Exception e) when (e is WebhookTargetRefusedException or System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    /// <summary>The issuer's discovery document: from the cache unless <paramref name="fresh"/> or older than <see cref="CacheLifetime"/>.</summary>
    public async Task<Discovery> DiscoverAsync(string issuer, CancellationToken ct, bool fresh = false)
    {
        if (!fresh && _discoveries.TryGetValue(issuer, out var cached) && cached.Expires > time.GetUtcNow())
        {
            return cached.Value;
        }
        var discovery = await FetchDiscoveryAsync(issuer, ct);
        _discoveries[issuer] = (discovery, time.GetUtcNow() + CacheLifetime);
        return discovery;
    }

    private async Task<Discovery> FetchDiscoveryAsync(string issuer, CancellationToken ct)
    {
        var json = await GetJsonAsync(new Uri(issuer.TrimEnd('/') + "/.well-known/openid-configuration"), "discovery", ct);
        if (Text(json, "issuer") != issuer)
        {
            throw new IdentityProviderException(ErrorCodes.SsoProviderError, "The provider's discovery document names another issuer.");
        }
        var plainHttp = issuer.StartsWith("http:", StringComparison.Ordinal);
        Uri Endpoint(string name) => Text(json, name) is { } value && Uri.TryCreate(value, UriKind.Absolute, out var url)
            && (url.Scheme == "https" || (plainHttp && url.Scheme == "http")) && url.UserInfo.Length == 0
            ? url
            : throw new IdentityProviderException(ErrorCodes.SsoProviderError, $"The provider's discovery document has no usable {name}.");
        var methods = json.TryGetProperty("token_endpoint_auth_methods_supported", out var m) && m.ValueKind == JsonValueKind.Array
            ? m.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()).ToList()
            : ["client_secret_basic"]; // the default the specification names
        if (!methods.Contains("client_secret_basic") && !methods.Contains("client_secret_post"))
        {
            throw new IdentityProviderException(ErrorCodes.SsoProviderError, "The provider accepts neither client_secret_basic nor client_secret_post at its token endpoint.");
        }
        return new Discovery(issuer, Endpoint("authorization_endpoint"), Endpoint("token_endpoint"), Endpoint("jwks_uri"), methods.Contains("client_secret_basic"));
    }

    /// <summary>The provider's key set (JWKS): from the cache unless <paramref name="fresh"/> or older than <see cref="CacheLifetime"/>.</summary>
    public async Task<JsonElement> KeysAsync(Discovery discovery, CancellationToken ct, bool fresh = false)
    {
        ArgumentNullException.ThrowIfNull(discovery);
        if (!fresh && _keySets.TryGetValue(discovery.JwksUri, out var cached) && cached.Expires > time.GetUtcNow())
        {
            return cached.Value;
        }
        var keys = await GetJsonAsync(discovery.JwksUri, "keys", ct);
        _keySets[discovery.JwksUri] = (keys, time.GetUtcNow() + CacheLifetime);
        return keys;
    }

    /// <summary>Exchanges the authorization code (with the PKCE verifier) for the ID token.</summary>
    public async Task<string> ExchangeCodeAsync(Discovery discovery, string clientId, string clientSecret, string code, string redirectUri, string verifier, CancellationToken ct)
    {
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = redirectUri,
            ["code_verifier"] = verifier,
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, discovery.TokenEndpoint);
        if (discovery.BasicAuth)
        {
            // RFC 6749 §2.3.1: both parts form-urlencoded before base64.
            var credentials = Uri.EscapeDataString(clientId) + ":" + Uri.EscapeDataString(clientSecret);
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(credentials)));
        }
        else
        {
            form["client_id"] = clientId;
            form["client_secret"] = clientSecret;
        }
        request.Content = new FormUrlEncodedContent(form);
        request.Headers.Accept.ParseAdd("application/json");
        var (status, json) = await SendAsync(request, "token", ct);
        if (status is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized)
        {
            // invalid_grant (a code for another client, used, expired, or a wrong verifier) or invalid_client.
            var error = json.ValueKind == JsonValueKind.Object && Text(json, "error") is { Length: <= 64 } e && e.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') ? e : "error";
            throw new IdentityProviderException(ErrorCodes.SsoCodeRejected, $"The identity provider refused the sign-in code ({error}).");
        }
        if ((int)status is < 200 or > 299 || Text(json, "id_token") is not { } idToken)
        {
            throw new IdentityProviderException(ErrorCodes.SsoProviderError, "The identity provider's token endpoint answered without an ID token.");
        }
        return idToken;
    }

    private async Task<JsonElement> GetJsonAsync(Uri url, string what, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.ParseAdd("application/json");
        var (status, json) = await SendAsync(request, what, ct);
        if (status != HttpStatusCode.OK || json.ValueKind != JsonValueKind.Object)
        {
            throw new IdentityProviderException(ErrorCodes.SsoProviderError, $"The identity provider's {what} document could not be read (HTTP {(int)status}).");
        }
        return json;
    }

    private async Task<(HttpStatusCode Status, JsonElement Json)> SendAsync(HttpRequestMessage request, string what, CancellationToken ct)
    {
        try
        {
            using var response = await _http.Value.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await body.ReadAsync(chunk, ct)) > 0)
            {
                if (buffer.Length + read > MaxResponseBytes)
                {
                    throw new IdentityProviderException(ErrorCodes.SsoProviderError, $"The identity provider's {what} response is too large.");
                }
                buffer.Write(chunk, 0, read);
            }
            JsonElement json = default;
            if (buffer.Length > 0)
            {
                try
                {
                    json = ProviderJson.Parse(buffer.ToArray());
                }
                catch (JsonException)
                {
                }
            }
            return (response.StatusCode, json);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or WebhookTargetRefusedException)
        {
            var refused = e is WebhookTargetRefusedException || e.InnerException is WebhookTargetRefusedException;
            throw new IdentityProviderException(refused ? ErrorCodes.SsoIssuerRefused : ErrorCodes.SsoProviderError, refused
                ? "The identity provider resolves to an address Sigill refuses to call (loopback, private, link-local or metadata)."
                : $"The identity provider's {what} endpoint could not be reached.");
        }
    }

    private static string? Text(JsonElement json, string name) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
