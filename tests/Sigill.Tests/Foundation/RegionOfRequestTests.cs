using Microsoft.AspNetCore.Http;
using Sigill.Web.Routing;

namespace Sigill.Tests.Foundation;

public sealed class RegionOfRequestTests
{
    [Theory]
    [InlineData("/api/v1/organizations/current", "Bearer sgl_eu_0123456789abcdefghjkmnpqrs_0123456789abcdefghjkmnpqrs0123456789abcdefghjkmnpq", "eu")]
    [InlineData("/api/v1/organizations/org_us_0123456789abcdefghjkmnpqrs", "Bearer sgl_eu_0123456789abcdefghjkmnpqrs_0123456789abcdefghjkmnpqrs0123456789abcdefghjkmnpq", "eu")]
    [InlineData("/api/v1/organizations/org_us_0123456789abcdefghjkmnpqrs", null, "us")]
    [InlineData("/api/v1/documents/doc_eu_0123456789abcdefghjkmnpqrs/pdf", null, "eu")]
    [InlineData("/api/v1/signing/sgr_eu_0123456789abcdefghjkmnpqrs0123456789abcdefghjkmnpqrs/document.pdf", null, "eu")]
    [InlineData("/audit/us/checkpoint", null, "us")]
    [InlineData("/api/v1/setup", null, null)]
    [InlineData("/api/v1/organizations/org_eu_short", null, null)]
    public void The_region_comes_from_the_token_then_the_log_path_then_an_identifier(string path, string? authorization, string? region)
    {
        var context = new DefaultHttpContext();
        context.Request.Path = path;
        if (authorization is not null)
        {
            context.Request.Headers.Authorization = authorization;
        }
        Assert.Equal(region, RegionRouting.RegionOf(context.Request));
    }
}
