using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Security;

namespace Sigill.Api.Platform.Cells;

/// <summary>
/// The one cell a request works in, bound once per request: the region its route names (<c>{region}</c>: sign-in,
/// sign-up, single sign-on, the public audit log), else the region of the authenticated caller's credential. It is the
/// only source of a handler's <see cref="CellDbContext"/>, so a handler never picks a cell from its input.
/// Signing links name their cell in the token and bind it themselves (<c>Features/Signing/SigningLink</c>).
/// </summary>
public sealed class RequestCell
{
    private readonly Cell? _cell;

    private RequestCell(HttpContext http, CellRegistry cells)
    {
        Region = http.GetRouteValue("region") as string ?? http.User.FindFirstValue(SigillClaims.Region);
        _cell = Region is not null && cells.TryGet(Region, out var cell) ? cell : null;
    }

    /// <summary>The region the request names (null when it names none).</summary>
    public string? Region { get; }

    public bool IsServed => _cell is not null;

    public Cell Cell => _cell ?? throw new InvalidOperationException(
        "The request names no region this deployment serves: map the endpoint with RequireServedRegion, or require authorization.");

    /// <summary>404 <c>region_not_served</c>, the same for every region this deployment does not serve.</summary>
    public static ProblemHttpResult NotServed(string? region) => Problems.Create(StatusCodes.Status404NotFound, ErrorCodes.RegionNotServed,
        "This deployment does not serve that region.", $"Region '{region}' is not served here.");

    /// <summary>Registers <see cref="RequestCell"/>, and <see cref="CellDbContext"/> on its cell (disposed with the request).</summary>
    internal static void Register(IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        services.AddScoped(sp => new RequestCell(
            sp.GetRequiredService<IHttpContextAccessor>().HttpContext ?? throw new InvalidOperationException("A request cell exists inside requests only."),
            sp.GetRequiredService<CellRegistry>()));
        services.AddScoped<CellDbContext>(sp => sp.GetRequiredService<RequestCell>().Cell.CreateDbContext());
    }
}

/// <summary>
/// For every anonymous group whose route names a region: an unserved region ends the request before its handler's
/// parameters are bound (a <see cref="CellDbContext"/> parameter needs a served cell), and before its body is read.
/// </summary>
public static class ServedRegions
{
    private sealed class Required;

    private static readonly Required Marker = new();

    public static TBuilder RequireServedRegion<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(Marker);

    /// <summary>Place after routing and authorization, before anything reads the body.</summary>
    public static IApplicationBuilder UseServedRegions(this IApplicationBuilder app)
    {
        var cells = app.ApplicationServices.GetRequiredService<CellRegistry>();
        return app.Use(async (http, next) =>
        {
            if (http.GetEndpoint()?.Metadata.GetMetadata<Required>() is not null
                && (http.GetRouteValue("region") is not string region || !cells.TryGet(region, out _)))
            {
                await RequestCell.NotServed(http.GetRouteValue("region") as string).ExecuteAsync(http);
                return;
            }
            await next(http);
        });
    }
}
