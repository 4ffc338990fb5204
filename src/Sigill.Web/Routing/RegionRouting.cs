using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Model;

namespace Sigill.Web.Routing;

/// <summary>
/// Sends each proxied request to the API deployment of its region, without any global database:
/// the region is read from what the request carries — the bearer credential (<c>sgl_</c>, <c>sgs_</c> or
/// <c>sgo_{region}_…</c>), a region path (<c>/api/v1/regions/{region}/…</c> for sign-in, <c>/audit/{region}/…</c>, <c>/pki/{region}/…</c>),
/// or an identifier or recipient link token in the path (<c>{kind}_{region}_…</c>, <c>sgr_{region}_…</c>),
/// in that order. A request that names no region goes to the default API tier. The API tier itself
/// refuses anything of a region it does not serve; nothing is ever forwarded from one region to another.
/// </summary>
internal static partial class RegionRouting
{
    public static string? RegionOf(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (TokenRegion().Match(authorization) is { Success: true } token)
        {
            return token.Groups[1].Value;
        }
        var path = request.Path.Value ?? "";
        if (RegionPath().Match(path) is { Success: true } audit)
        {
            return audit.Groups[1].Value;
        }
        return IdRegion().Match(path) is { Success: true } id ? id.Groups[1].Value : null;
    }

    /// <summary>YARP pipeline step: moves the request to its region's API cluster (or leaves it on the default API).</summary>
    public static Task SelectAsync(HttpContext context, Func<Task> next)
    {
        if (RegionOf(context.Request) is { } region
            && context.RequestServices.GetRequiredService<Yarp.ReverseProxy.IProxyStateLookup>().TryGetCluster(ApiClusters.RegionCluster(region), out var cluster))
        {
            context.ReassignProxyRequest(cluster);
        }
        return next();
    }

    [GeneratedRegex("^Bearer sg[lso]_([a-z][a-z0-9-]{1,15})_")]
    private static partial Regex TokenRegion();

    [GeneratedRegex("^/(?:audit|pki|api/v1/regions)/([a-z][a-z0-9-]{1,15})/")]
    private static partial Regex RegionPath();

    // Identifiers ({kind}_{region}_ + 26 base32 chars) and recipient link tokens (sgr_{region}_ + 52).
    [GeneratedRegex("/[a-z]{2,8}_([a-z][a-z0-9-]{1,15})_[0-9a-z]{26}(?:[0-9a-z]{26})?(?:/|$)")]
    private static partial Regex IdRegion();
}
