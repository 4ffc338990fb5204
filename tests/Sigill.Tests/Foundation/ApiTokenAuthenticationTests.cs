using System.Net;
using Microsoft.EntityFrameworkCore;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Foundation;

public sealed class ApiTokenAuthenticationTests : IAsyncLifetime
{
    private SigillApp _app = null!;
    private SigillApp.SetUpOrganization _org = null!;

    public async Task InitializeAsync()
    {
        _app = await SigillApp.StartAsync();
        _org = await _app.SetUpOrganizationAsync("Initech", "us");
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-token")]
    [InlineData("sgl_us_0000000000000000000000000_0000000000000000000000000000000000000000000000000000")]
    [InlineData("sgl_ca_00000000000000000000000000_0000000000000000000000000000000000000000000000000000")]
    public async Task A_missing_malformed_or_unknown_token_is_refused(string? token)
    {
        using var web = _app.Web(token);
        using var response = await web.GetAsync("/api/v1/organizations/current");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_token_with_a_wrong_secret_is_refused()
    {
        var forged = _org.ApiToken[..^4] + (_org.ApiToken.EndsWith("aaaa", StringComparison.Ordinal) ? "bbbb" : "aaaa");
        using var web = _app.Web(forged);
        Assert.Equal(HttpStatusCode.Unauthorized, (await web.GetAsync("/api/v1/organizations/current")).StatusCode);
    }

    [Fact]
    public async Task An_expired_or_revoked_token_is_refused()
    {
        using var web = _app.Web(_org.ApiToken);
        Assert.Equal(HttpStatusCode.OK, (await web.GetAsync("/api/v1/organizations/current")).StatusCode);

        await using (var db = _app.Cells.Get("us").CreateDbContext())
        {
            await db.ApiTokens.ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, DateTime.UtcNow));
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await web.GetAsync("/api/v1/organizations/current")).StatusCode);

        await using (var db = _app.Cells.Get("us").CreateDbContext())
        {
            await db.ApiTokens.ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, (DateTime?)null).SetProperty(t => t.ExpiresAt, DateTime.UtcNow.AddSeconds(-1)));
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await web.GetAsync("/api/v1/organizations/current")).StatusCode);
    }

    [Fact]
    public async Task Another_organizations_id_answers_404_in_any_region()
    {
        using var web = _app.Web(_org.ApiToken);
        foreach (var other in new[] { Sigill.Api.Platform.Cells.SigillId.New("org", "us"), Sigill.Api.Platform.Cells.SigillId.New("org", "eu"), "org_us_..%2f..%2fsecrets" })
        {
            using var response = await web.GetAsync($"/api/v1/organizations/{other}");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
    }

    [Fact]
    public async Task Using_a_token_records_its_last_use()
    {
        using var web = _app.Web(_org.ApiToken);
        await web.GetAsync("/api/v1/organizations/current");
        await using var db = _app.Cells.Get("us").CreateDbContext();
        var token = await db.ApiTokens.SingleAsync();
        Assert.NotNull(token.LastUsedAt);
        Assert.Equal(DateTimeKind.Utc, token.LastUsedAt!.Value.Kind);
    }
}
