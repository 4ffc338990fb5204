using Microsoft.Extensions.DependencyInjection;
using Sigill.Api.Platform.Jobs;
using Sigill.Http;

namespace Sigill.Api.Features.BulkSend;

/// <summary>Bulk send: its limits and its job. Endpoints: <see cref="BulkSendEndpoints.MapBulkSends"/>.</summary>
public static class BulkSendFeature
{
    public static IServiceCollection AddBulkSend(this IServiceCollection services)
    {
        services.AddSigillOptions<BulkSendOptions>("BulkSend");
        services.AddSingleton<IJobHandler, BulkSendJob>();
        return services;
    }
}
