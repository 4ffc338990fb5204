using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Sigill.Api.Features.ApiTokens;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Authorization;

/// <summary>
/// The authorization matrix: every endpoint of the API tier, read from the application's own route
/// table, must have an entry here saying who may call it — and the entry is checked over HTTP with no
/// token, an expired token, a revoked token, a token that lacks the scope, and a session of every role
/// (owner, admin, member, viewer) and of an operator without a grant. A new endpoint without an entry fails the suite.
/// </summary>
public sealed class EndpointMatrixTests : IAsyncLifetime
{
    private const string Anonymous = "anonymous";

    /// <summary>"METHOD pattern" → the scope it requires, or <see cref="Anonymous"/> (still behind the service credential).</summary>
    private static readonly Dictionary<string, string> Matrix = new(StringComparer.Ordinal)
    {
        ["ANY /health/live"] = Anonymous,
        ["ANY /health/ready"] = Anonymous,
        ["ANY /metrics"] = Anonymous,
        ["GET /api/v1/setup/"] = Anonymous,
        ["POST /api/v1/setup/"] = Anonymous,
        ["GET /api/v1/organizations/current"] = "organization:read",
        ["PATCH /api/v1/organizations/current"] = "organization:write",
        ["GET /api/v1/organizations/current/logo"] = "organization:read",
        ["PUT /api/v1/organizations/current/logo"] = "organization:write",
        ["DELETE /api/v1/organizations/current/logo"] = "organization:write",
        ["GET /api/v1/organizations/{id}"] = "organization:read",
        ["GET /api/v1/regions/{region}/sub-processors"] = Anonymous,
        ["GET /api/v1/sub-processors"] = "organization:read",
        ["GET /api/v1/trust"] = Anonymous,
        ["GET /audit/{region}/checkpoint"] = Anonymous,
        ["GET /audit/{region}/verifier-key"] = Anonymous,
        ["GET /audit/{region}/tile/{**path}"] = Anonymous,
        ["GET /audit/{region}/proof/inclusion"] = Anonymous,
        ["GET /audit/{region}/proof/consistency"] = Anonymous,
        ["GET /api/v1/audit/events/{id}/receipt"] = "organization:read",
        ["GET /api/v1/pki/{region}/root.pem"] = Anonymous,
        ["GET /pki/{region}/ca.crl"] = Anonymous,
        ["GET /pki/{region}/ca.cer"] = Anonymous,
        ["POST /api/v1/privacy/search"] = "privacy",
        ["GET /api/v1/privacy/records-of-processing"] = "privacy",
        ["POST /api/v1/privacy/exports/"] = "privacy",
        ["GET /api/v1/privacy/exports/{id}"] = "privacy",
        ["POST /api/v1/privacy/erasures"] = "privacy",
        ["POST /api/v1/privacy/holds"] = "privacy",
        ["GET /api/v1/privacy/holds"] = "privacy",
        ["GET /api/v1/privacy/dpa"] = "privacy",
        ["POST /api/v1/privacy/dpa/accept"] = "privacy",
        ["POST /api/v1/privacy/holds/{id}/release"] = "privacy",
        ["GET /api/v1/privacy/retention"] = "privacy",
        ["PUT /api/v1/privacy/retention"] = "privacy",
        ["GET /api/v1/privacy/requests/"] = "privacy",
        ["POST /api/v1/privacy/requests/"] = "privacy",
        ["POST /api/v1/privacy/requests/{id}/actions"] = "privacy",
        ["POST /api/v1/regions/{region}/privacy-requests/"] = Anonymous,
        ["POST /api/v1/regions/{region}/privacy-requests/confirm"] = Anonymous,
        ["GET /api/v1/documents/"] = "documents:read",
        ["GET /api/v1/documents/{id}"] = "documents:read",
        ["GET /api/v1/documents/{id}/pdf"] = "documents:read",
        ["GET /api/v1/documents/{id}/sealed.pdf"] = "documents:read",
        ["GET /api/v1/documents/{id}/attachments/{fieldId}"] = "documents:read",
        ["GET /api/v1/documents/{id}/activity"] = "documents:read",
        ["POST /api/v1/documents/"] = "documents:write",
        ["POST /api/v1/documents/from-template"] = "documents:write", // and templates:read
        ["POST /api/v1/documents/{id}/recipients"] = "documents:write",
        ["DELETE /api/v1/documents/{id}/recipients/{recipientId}"] = "documents:write",
        ["POST /api/v1/documents/{id}/fields"] = "documents:write",
        ["DELETE /api/v1/documents/{id}/fields/{fieldId}"] = "documents:write",
        ["PATCH /api/v1/documents/{id}/fields/{fieldId}"] = "documents:write",
        ["POST /api/v1/documents/{id}/send"] = "documents:write",
        ["POST /api/v1/documents/{id}/void"] = "documents:write",
        ["POST /api/v1/documents/{id}/recipients/{recipientId}/resend"] = "documents:write",
        ["POST /api/v1/documents/{id}/recipients/{recipientId}/embed-url"] = "documents:write",
        ["POST /api/v1/documents/{id}/embed-send-url"] = "documents:write",
        // Ends the embedded sending session presented (404 for any other credential).
        ["POST /api/v1/embed/sign-out"] = "documents:read",
        ["POST /api/v1/documents/{id}/remind"] = "documents:write",
        ["PATCH /api/v1/documents/{id}/recipients/{recipientId}"] = "documents:write",
        ["POST /api/v1/documents/{id}/duplicate"] = "documents:write",
        ["DELETE /api/v1/documents/{id}"] = "documents:write",
        ["GET /api/v1/templates/"] = "templates:read",
        ["GET /api/v1/templates/{id}"] = "templates:read",
        ["POST /api/v1/templates/{id}/preview"] = "templates:read",
        ["PUT /api/v1/templates/{id}"] = "templates:write",
        ["PUT /api/v1/templates/{id}/translations/{language}"] = "templates:write",
        ["DELETE /api/v1/templates/{id}/translations/{language}"] = "templates:write",
        ["GET /api/v1/templates/blocks"] = "templates:read",
        ["POST /api/v1/templates/"] = "templates:write",
        ["POST /api/v1/templates/blocks"] = "templates:write",
        ["POST /api/v1/templates/{id}/direct-links/"] = "templates:write",
        ["GET /api/v1/templates/{id}/direct-links/"] = "templates:write",
        ["POST /api/v1/templates/{id}/direct-links/{linkId}/disable"] = "templates:write",
        // A direct link's 256-bit token in the path is the only credential of the public look-up.
        ["GET /api/v1/direct/{token}"] = Anonymous,
        ["POST /api/v1/bulk-sends/preview"] = "documents:write", // and templates:read
        ["POST /api/v1/bulk-sends/"] = "documents:write", // and templates:read
        ["POST /api/v1/bulk-sends/{id}/cancel"] = "documents:write",
        ["GET /api/v1/bulk-sends/"] = "documents:read",
        ["GET /api/v1/bulk-sends/{id}"] = "documents:read",
        ["GET /api/v1/bulk-sends/{id}/rows"] = "documents:read",
        ["GET /api/v1/bulk-sends/{id}/report.csv"] = "documents:read",
        ["POST /api/v1/direct/{token}/start"] = Anonymous,
        // A one-time embedded signing URL's 256-bit token is the only credential of opening it.
        ["POST /api/v1/embed/{token}/open"] = Anonymous,
        // The same for a one-time embedded sending URL (it opens a session scoped to one draft).
        ["POST /api/v1/embed/{token}/open-send"] = Anonymous,
        // Recipients hold no API token: the 256-bit link token in the path is their credential.
        ["GET /api/v1/signing/{token}/"] = Anonymous,
        ["GET /api/v1/signing/{token}/document.pdf"] = Anonymous,
        ["POST /api/v1/signing/{token}/consent"] = Anonymous,
        ["POST /api/v1/signing/{token}/sign"] = Anonymous,
        ["POST /api/v1/signing/{token}/decline"] = Anonymous,
        ["POST /api/v1/signing/{token}/fields/{fieldId}/attachment"] = Anonymous,
        // Signing up and in: anonymous, the region in the path routes them; throttled per account and address.
        ["POST /api/v1/regions/{region}/auth/locate"] = Anonymous,
        ["POST /api/v1/regions/{region}/auth/sign-up"] = Anonymous,
        ["POST /api/v1/regions/{region}/auth/sign-up/verify"] = Anonymous,
        ["POST /api/v1/regions/{region}/auth/password-reset"] = Anonymous,
        ["POST /api/v1/regions/{region}/auth/password-reset/complete"] = Anonymous,
        ["POST /api/v1/regions/{region}/auth/sign-in"] = Anonymous,
        ["POST /api/v1/regions/{region}/auth/second-factor"] = Anonymous,
        ["POST /api/v1/regions/{region}/invitations/accept"] = Anonymous,
        // Single sign-on: anonymous like sign-in; the one-time state (sga_…) and the provider's code are the credential.
        ["POST /api/v1/regions/{region}/auth/sso/start"] = Anonymous,
        ["POST /api/v1/regions/{region}/auth/sso/callback"] = Anonymous,
        // The organization's single sign-on connection decides who becomes a member: owners and admins.
        ["GET /api/v1/organization/sso/"] = "members:write",
        ["PUT /api/v1/organization/sso/"] = "members:write",
        ["DELETE /api/v1/organization/sso/"] = "members:write",
        ["GET /api/v1/organization/embedding/"] = "organization:write",
        ["PUT /api/v1/organization/embedding/"] = "organization:write",
        // A person's own account: browser sessions only, never API tokens.
        ["GET /api/v1/account/"] = "account",
        ["POST /api/v1/account/sign-out"] = "account",
        ["GET /api/v1/account/sessions"] = "account",
        ["DELETE /api/v1/account/sessions/{id}"] = "account",
        ["POST /api/v1/account/sessions/revoke-all"] = "account",
        ["POST /api/v1/account/organization"] = "account",
        ["POST /api/v1/account/organizations"] = "account",
        ["POST /api/v1/account/password"] = "account",
        ["POST /api/v1/account/delete"] = "account",
        ["POST /api/v1/account/totp"] = "account",
        ["GET /api/v1/account/totp"] = "account",
        ["POST /api/v1/account/totp/confirm"] = "account",
        ["POST /api/v1/account/totp/disable"] = "account",
        ["GET /api/v1/account/notices"] = "account",
        ["PUT /api/v1/account/notices"] = "account",
        ["GET /api/v1/account/export"] = "account",
        ["GET /api/v1/tokens/"] = "account",
        ["POST /api/v1/tokens/"] = "account",
        ["DELETE /api/v1/tokens/{id}"] = "account",
        ["GET /api/v1/members/"] = "members:read",
        ["PATCH /api/v1/members/{userId}"] = "members:write",
        ["DELETE /api/v1/members/{userId}"] = "members:write",
        ["GET /api/v1/invitations/"] = "members:read",
        ["POST /api/v1/invitations/"] = "members:write",
        ["DELETE /api/v1/invitations/{id}"] = "members:write",
        // Staff access: operators only; the organization decides and sees everything.
        ["POST /api/v1/support/grants"] = "support",
        ["GET /api/v1/support/grants"] = "support",
        ["POST /api/v1/support/break-glass"] = "support",
        ["POST /api/v1/support/break-glass/{id}/confirm"] = "support",
        ["GET /api/v1/organization/support-grants"] = "organization:read",
        ["POST /api/v1/organization/support-grants/{id}/approve"] = "organization:write",
        ["POST /api/v1/organization/support-grants/{id}/deny"] = "organization:write",
        ["POST /api/v1/organization/support-grants/{id}/revoke"] = "organization:write",
        ["GET /api/v1/organization/access-log"] = "organization:read",
        ["POST /api/v1/signing/receipt"] = Anonymous,
        ["GET /api/v1/delivery/{token}"] = Anonymous,
        ["GET /api/v1/delivery/{token}/files/{fieldId}"] = Anonymous,
        ["POST /api/v1/signing/{token}/step-up"] = Anonymous,
        ["POST /api/v1/signing/{token}/step-up/code"] = Anonymous,
        ["GET /api/v1/signing/{token}/privacy"] = Anonymous,
        // Payments: the processor connection is an organization setting; a document's payment is the sender's.
        ["GET /api/v1/organization/payments/"] = "organization:read",
        ["PUT /api/v1/organization/payments/"] = "organization:write",
        ["DELETE /api/v1/organization/payments/"] = "organization:write",
        ["GET /api/v1/organization/access-reviews/"] = "members:write",
        ["POST /api/v1/organization/access-reviews/"] = "members:write",
        ["GET /api/v1/organization/access-reviews/{id}"] = "members:write",
        ["PUT /api/v1/organization/access-reviews/{id}/items"] = "members:write",
        ["POST /api/v1/organization/access-reviews/{id}/attest"] = "members:write",
        ["PUT /api/v1/documents/{id}/payment/"] = "documents:write",
        ["DELETE /api/v1/documents/{id}/payment/"] = "documents:write",
        ["POST /api/v1/documents/{id}/payment/outside"] = "documents:write",
        ["POST /api/v1/documents/{id}/payment/refunds"] = "documents:write",
        // The payer's link token is the credential; the processor's events carry its signature.
        ["GET /api/v1/pay/{token}/"] = Anonymous,
        ["POST /api/v1/pay/{token}/checkout"] = Anonymous,
        ["POST /api/v1/pay/{token}/return"] = Anonymous,
        ["POST /api/v1/payments/stripe/{accountId}/events"] = Anonymous,
        // Webhooks are organization settings; roles will map onto these scopes.
        ["GET /api/v1/webhooks/"] = "organization:read",
        ["GET /api/v1/webhooks/{id}/deliveries"] = "organization:read",
        ["POST /api/v1/webhooks/"] = "organization:write",
        ["DELETE /api/v1/webhooks/{id}"] = "organization:write",
        ["GET /api/v1/openapi.json"] = Anonymous,
    };

    private SigillApp _app = null!;
    private IReadOnlyList<(string Key, string Method, string Pattern, RouteEndpoint Endpoint)> _endpoints = [];

    public async Task InitializeAsync()
    {
        _app = await SigillApp.StartAsync();
        _endpoints = [.. _app.ApiServices.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["ANY"])
                .Select(m => ($"{m} {e.RoutePattern.RawText}", m, e.RoutePattern.RawText ?? "", e)))];
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public void Every_endpoint_in_the_route_table_has_a_matrix_entry()
    {
        var missing = _endpoints.Select(e => e.Key).Where(k => !Matrix.ContainsKey(k)).ToList();
        Assert.True(missing.Count == 0, "endpoints without an authorization matrix entry: " + string.Join("; ", missing));
        var stale = Matrix.Keys.Where(k => _endpoints.All(e => e.Key != k)).ToList();
        Assert.True(stale.Count == 0, "matrix entries for endpoints that no longer exist: " + string.Join("; ", stale));
    }

    [Fact]
    public void Every_endpoint_declares_exactly_the_access_its_matrix_entry_says()
    {
        foreach (var (key, _, _, endpoint) in _endpoints.Where(e => Matrix.ContainsKey(e.Key)))
        {
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            var policies = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).Where(p => p is not null).ToList();
            if (Matrix[key] == Anonymous)
            {
                Assert.True(anonymous || IsInfrastructure(key), $"{key} should allow anonymous callers");
            }
            else
            {
                Assert.False(anonymous, $"{key} must not allow anonymous callers");
                Assert.Contains(Matrix[key], policies);
            }
        }
    }

    [Fact]
    public async Task Protected_endpoints_refuse_no_token_expired_revoked_and_wrong_scope_tokens()
    {
        var org = await _app.SetUpOrganizationAsync("Matrix AB", "us");
        var expired = await IssueTokenAsync(org.OrganizationId, ["organization:read", "organization:write"], expired: true);
        var revoked = await IssueTokenAsync(org.OrganizationId, ["organization:read", "organization:write"], revoked: true);
        var noScopes = await IssueTokenAsync(org.OrganizationId, []);

        foreach (var (key, method, pattern, _) in _endpoints.Where(e => Matrix.TryGetValue(e.Key, out var access) && access != Anonymous))
        {
            var path = Concrete(pattern);
            Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(method, path, null));
            Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(method, path, expired));
            Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(method, path, revoked));
            var wrongScope = await SendAsync(method, path, noScopes);
            Assert.True(wrongScope == HttpStatusCode.Forbidden, $"{key} with a token lacking {Matrix[key]} answered {wrongScope}");
        }
    }

    [Fact]
    public async Task Anonymous_endpoints_answer_without_a_token()
    {
        foreach (var (key, method, pattern, _) in _endpoints.Where(e => Matrix.TryGetValue(e.Key, out var access) && access == Anonymous && e.Method is "GET" or "ANY"))
        {
            var status = await SendAsync(method == "ANY" ? "GET" : method, Concrete(pattern), null);
            Assert.True(status is not HttpStatusCode.Unauthorized and not HttpStatusCode.Forbidden, $"{key} refused an anonymous caller with {status}");
        }
    }

    [Fact]
    public async Task Every_role_gets_exactly_the_endpoints_its_scopes_allow()
    {
        var org = await _app.SetUpOrganizationAsync("Roles AB", "us");
        var failures = new List<string>();
        foreach (var role in Sigill.Api.Features.Members.Roles.All.Append("operator"))
        {
            var held = role == "operator" ? new[] { "support" } : [.. Sigill.Api.Features.Members.Roles.ScopesOf(role), "account"];
            foreach (var (key, method, pattern, _) in _endpoints.Where(e => Matrix.TryGetValue(e.Key, out var access) && access != Anonymous))
            {
                // A fresh credential per call: sign-out and revoke-all end the session they are called with.
                var credential = role == "operator" ? await IssueOperatorAsync() : await IssueSessionAsync(org.OrganizationId, role);
                var (status, code) = await SendWithCodeAsync(method, Concrete(pattern), credential);
                var refused = status == HttpStatusCode.Unauthorized || (status == HttpStatusCode.Forbidden && code == "forbidden");
                if (refused == held.Contains(Matrix[key]))
                {
                    failures.Add($"{role} → {key}: {(int)status} {code}");
                }
            }
        }
        Assert.True(failures.Count == 0, "role matrix violations: " + string.Join("; ", failures));
    }

    private async Task<string> IssueSessionAsync(string organizationId, string role)
    {
        var cell = _app.Cells.Get("us");
        var now = DateTime.UtcNow;
        await using var db = cell.CreateDbContext();
        var accounts = _app.ApiServices.GetRequiredService<Sigill.Api.Features.Accounts.Accounts>();
        var email = $"{role}-{Guid.NewGuid():N}@example.com";
        var user = await accounts.NewUserAsync(cell, email, role, null, CancellationToken.None);
        var userId = user.Id;
        db.Users.Add(user);
        db.Memberships.Add(await Sigill.Api.Features.Accounts.Accounts.NewMembershipAsync(cell, organizationId, userId, email, role, role, now, CancellationToken.None));
        var (presented, id, hash) = Sigill.Api.Platform.Security.PresentedSecret.Session.Issue("us");
        db.Sessions.Add(new Sigill.Api.Features.Accounts.Session
        {
            Id = id, UserId = userId, OrganizationId = organizationId, SecretHash = hash, Method = "password",
            CreatedAt = now, LastSeenAt = now, ExpiresAt = now.AddHours(1),
        });
        await db.SaveChangesAsync();
        return presented;
    }

    private async Task<string> IssueOperatorAsync()
    {
        await using var db = _app.Cells.Get("us").CreateDbContext();
        var (presented, id, hash) = Sigill.Api.Platform.Security.PresentedSecret.Operator.Issue("us");
        db.Operators.Add(new Sigill.Api.Features.StaffAccess.Operator { Id = id, Name = id, SecretHash = hash, CreatedAt = DateTime.UtcNow });
        await db.SaveChangesAsync();
        return presented;
    }

    private static bool IsInfrastructure(string key) => key is "ANY /health/live" or "ANY /health/ready" or "ANY /metrics";

    /// <summary>Fills route parameters with well-formed values of this installation's regions.</summary>
    private static string Concrete(string pattern) => System.Text.RegularExpressions.Regex.Replace(pattern, "\\{\\*{0,2}([a-z]+)[^}]*\\}", m => m.Groups[1].Value switch
    {
        "region" => "us",
        "path" => "tile/0/000",
        _ => Sigill.Api.Platform.Cells.SigillId.New("obj", "us"),
    });

    private async Task<HttpStatusCode> SendAsync(string method, string path, string? token) => (await SendWithCodeAsync(method, path, token)).Status;

    private async Task<(HttpStatusCode Status, string? Code)> SendWithCodeAsync(string method, string path, string? token)
    {
        using var api = _app.Api(withServiceCredential: true);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "POST" or "PUT" or "PATCH")
        {
            request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        }
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        using var response = await api.SendAsync(request);
        string? code = null;
        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
        {
            using var problem = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            code = problem.RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
        }
        return (response.StatusCode, code);
    }

    private async Task<string> IssueTokenAsync(string organizationId, string[] scopes, bool expired = false, bool revoked = false)
    {
        var (presented, id, hash) = Sigill.Api.Platform.Security.PresentedSecret.ApiToken.Issue("us");
        var now = DateTime.UtcNow;
        await using var db = _app.Cells.Get("us").CreateDbContext();
        db.ApiTokens.Add(new ApiToken
        {
            Id = id,
            OrganizationId = organizationId,
            Name = "matrix",
            SecretHash = hash,
            Scopes = string.Join(' ', scopes),
            CreatedAt = now.AddDays(-2),
            ExpiresAt = expired ? now.AddMinutes(-1) : now.AddDays(1),
            RevokedAt = revoked ? now.AddMinutes(-1) : null,
        });
        await db.SaveChangesAsync();
        return presented;
    }
}
