using Microsoft.Extensions.DependencyInjection;
using Sigill.Api.Platform.Jobs;
using Sigill.Http;

namespace Sigill.Api.Features.AccessReviews;

/// <summary>Periodic access reviews: their settings and the daily reminder. Endpoints: <see cref="AccessReviewEndpoints.MapAccessReviews"/>.</summary>
public static class AccessReviewsFeature
{
    public static IServiceCollection AddAccessReviews(this IServiceCollection services)
    {
        services.AddSigillOptions<AccessReviewOptions>("AccessReviews");
        services.AddSingleton<IJobHandler, AccessReviewScanJob>();
        services.AddSingleton<IJobHandler, AccessReviewRemindJob>();
        services.AddHostedService<AccessReviewReminderScheduler>();
        return services;
    }
}
