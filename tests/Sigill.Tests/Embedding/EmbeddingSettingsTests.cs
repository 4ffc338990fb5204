using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Embedding;
using Sigill.Api.Features.Organizations;
using Sigill.Tests.Identity;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Embedding;

/// <summary>
/// An organization's allowed embedding origins (issue part 2, priority 1): stored per organization on both backends,
/// canonical and deduplicated, audited once per change, and every malformed or loosened origin refused with
/// <c>embed_origin_invalid</c> and nothing stored. Who may call the routes is in the authorization matrix.
/// </summary>
public sealed class EmbeddingSettingsTests
{
    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Origins_are_stored_per_organization_canonical_and_audited(Backend backend)
    {
        await using var app = await SigillApp.StartAsync(backend);
        var account = await IdentityKit.SignUpAsync(app, "emma.embed@example.com", "eu", "Embed AB");
        var other = await IdentityKit.SignUpAsync(app, "otto.other@example.com", "eu", "Other AB");
        using var owner = app.Web(account.Session);
        using var otherOwner = app.Web(other.Session);

        Assert.Empty(await OriginsAsync(await owner.GetAsync(EmbeddingEndpoints.Path)));
        var saved = await OriginsAsync(await owner.PutAsJsonAsync(EmbeddingEndpoints.Path,
            new { allowedOrigins = new[] { "https://App.Example.com", "https://app.example.com:443", "https://app.example.com:8443", "http://localhost:5173" } }));
        Assert.Equal(["https://app.example.com", "https://app.example.com:8443", "http://localhost:5173"], saved);
        Assert.Equal(saved, await OriginsAsync(await owner.GetAsync(EmbeddingEndpoints.Path)));
        Assert.Empty(await OriginsAsync(await otherOwner.GetAsync(EmbeddingEndpoints.Path))); // per organization

        // Saving the same list again changes nothing and records nothing.
        await OriginsAsync(await owner.PutAsJsonAsync(EmbeddingEndpoints.Path, new { allowedOrigins = saved }));
        var cell = app.Cells.Get("eu");
        await using (var db = cell.CreateDbContext())
        {
            Assert.Equal(1, await db.Set<AuditEvent>().CountAsync(e => e.OrganizationId == account.OrganizationId && e.Action == "organization.embedding_changed"));
            Assert.Equal("https://app.example.com\nhttps://app.example.com:8443\nhttp://localhost:5173",
                (await db.Organizations.SingleAsync(o => o.Id == account.OrganizationId)).EmbedOrigins);
        }

        // An empty list turns embedding off.
        Assert.Empty(await OriginsAsync(await owner.PutAsJsonAsync(EmbeddingEndpoints.Path, new { allowedOrigins = Array.Empty<string>() })));
        await using (var db = cell.CreateDbContext())
        {
            Assert.Null((await db.Organizations.SingleAsync(o => o.Id == account.OrganizationId)).EmbedOrigins);
            Assert.Equal(2, await db.Set<AuditEvent>().CountAsync(e => e.OrganizationId == account.OrganizationId && e.Action == "organization.embedding_changed"));
        }
    }

    public static TheoryData<string> BadOrigins() =>
    [
        "*", "https://*.example.com", "https://example.com/", "https://example.com/path", "https://example.com?x=1", "https://example.com#f",
        "http://example.com", "http://192.168.1.5", "ftp://example.com", "javascript:alert(1)", "data:text/html,x", "example.com",
        "https://user:pw@example.com", "https://exa mple.com", "", "null", "https://[::1]", "file:///etc/passwd",
        "https://" + new string('a', 200) + ".com",
    ];

    [Theory]
    [MemberData(nameof(BadOrigins))]
    public async Task Bad_origins_are_refused_and_nothing_is_stored(string origin)
    {
        await using var app = await SigillApp.StartAsync(Backend.Sqlite);
        var account = await IdentityKit.SignUpAsync(app, "bea.bad@example.com", "eu", "Bad Origins AB");
        using var owner = app.Web(account.Session);
        await OriginsAsync(await owner.PutAsJsonAsync(EmbeddingEndpoints.Path, new { allowedOrigins = new[] { "https://good.example" } }));

        using var refused = await owner.PutAsJsonAsync(EmbeddingEndpoints.Path, new { allowedOrigins = new[] { "https://other.example", origin } });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("embed_origin_invalid", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal(["https://good.example"], await OriginsAsync(await owner.GetAsync(EmbeddingEndpoints.Path)));
    }

    [Fact]
    public async Task Too_many_or_missing_origins_are_refused()
    {
        await using var app = await SigillApp.StartAsync(Backend.Sqlite);
        var account = await IdentityKit.SignUpAsync(app, "max.many@example.com", "eu", "Many AB");
        using var owner = app.Web(account.Session);
        var eleven = Enumerable.Range(1, EmbeddingEndpoints.MaxOrigins + 1).Select(i => $"https://app{i}.example").ToArray();
        using (var refused = await owner.PutAsJsonAsync(EmbeddingEndpoints.Path, new { allowedOrigins = eleven }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("embed_origin_invalid", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        }
        using (var missing = await owner.PutAsJsonAsync(EmbeddingEndpoints.Path, new { }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
            Assert.Equal("validation_failed", (await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        }
        Assert.Empty(await OriginsAsync(await owner.GetAsync(EmbeddingEndpoints.Path)));
    }

    private static async Task<string[]> OriginsAsync(HttpResponseMessage response)
    {
        using (response)
        {
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            return body.GetProperty("allowedOrigins").EnumerateArray().Select(o => o.GetString()!).ToArray();
        }
    }
}
