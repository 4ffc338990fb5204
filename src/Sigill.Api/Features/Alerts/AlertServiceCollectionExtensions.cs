using Microsoft.Extensions.DependencyInjection;
using Sigill.Api.Platform.Jobs;
using Sigill.Http;

namespace Sigill.Api.Features.Alerts;

public static class AlertServiceCollectionExtensions
{
    /// <summary>The alert dispatcher and its notification jobs, when <c>Alerts:Primary</c> is configured.</summary>
    public static IServiceCollection AddAlerts(this IServiceCollection services, IConfiguration configuration)
    {
        // Registered whether or not a contact is set (the options are read from the container, after binding): the
        // dispatcher stays idle without Alerts:Primary, so nothing is evaluated or sent.
        services.AddSigillOptions<AlertOptions>("Alerts");
        services.AddHttpClient(AlertNotifier.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(10));
        services.AddSingleton<AlertNotifier>();
        services.AddSingleton<IJobHandler, AlertNotifyJobHandler>();
        services.AddSingleton<AlertDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertDispatcher>());
        return services;
    }
}
