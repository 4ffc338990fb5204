using Microsoft.Extensions.DependencyInjection;
using Sigill.Api.Platform.Jobs;
using Sigill.Http;

namespace Sigill.Api.Features.Webhooks;

/// <summary>Webhooks: their settings, the SSRF guard and the delivery job. Endpoints: <see cref="WebhookEndpoints.MapWebhooks"/>.</summary>
public static class WebhooksFeature
{
    public static IServiceCollection AddWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IJobHandler, WebhookDeliveryJob>();
        services.AddSigillOptions<WebhookOptions>("Webhooks");
        services.AddSingleton(sp => new SsrfGuard(sp.GetRequiredService<WebhookOptions>()));
        return services;
    }
}
