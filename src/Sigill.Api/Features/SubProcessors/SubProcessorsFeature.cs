using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Jobs;
using Sigill.Api.Platform.Security;
using Sigill.Contracts;
using Sigill.Http;

namespace Sigill.Api.Features.SubProcessors;

/// <summary>
/// The sub-processor register (docs/trust-center.md): options, the watch that publishes changes and queues the owners'
/// notices, and two read endpoints — public per region (for customers who monitor it, and the trust center), and the
/// caller's organization's view with its acceptance.
/// </summary>
public static class SubProcessorsFeature
{
    public static IServiceCollection AddSubProcessors(this IServiceCollection services)
    {
        services.AddSigillOptions<SubProcessorOptions>("SubProcessors");
        services.AddSingleton<SubProcessorRegister>();
        services.AddSingleton<IJobHandler, SubProcessorNotifyJob>();
        services.AddSingleton<IJobHandler, SubProcessorNoticeJob>();
        services.AddHostedService<SubProcessorWatch>();
        return services;
    }

    public static IEndpointRouteBuilder MapSubProcessors(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/regions/{region}/sub-processors", Public).WithTags("Sub-processors").AllowAnonymous().RequireServedRegion();
        app.MapGet("/api/v1/sub-processors", ForOrganization).WithTags("Sub-processors").RequireAuthorization(Policies.OrganizationRead);
        return app;
    }

    /// <summary>Anonymous: answered from the trust center's view, computed at most once per <c>Trust:CacheFor</c> for every region.</summary>
    private static async Task<Ok<SubProcessorRegisterView>> Public(RequestCell cell, TrustCenter.TrustCenter trust, HttpContext http)
    {
        var view = await trust.GetAsync();
        http.Response.Headers.CacheControl = "public, max-age=60";
        return TypedResults.Ok(view.Regions.Single(r => r.Region == cell.Cell.Region).SubProcessors);
    }

    private static async Task<Ok<SubProcessorRegisterView>> ForOrganization(Caller caller, Platform.Persistence.CellDbContext db, SubProcessorRegister register, CancellationToken ct) =>
        TypedResults.Ok(await register.ViewAsync(db, caller.Region, caller.OrganizationId, ct));
}
