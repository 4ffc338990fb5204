using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Sigill.Api.Platform.Jobs;

namespace Sigill.Api.Features.Alerts;

public static class AlertServiceCollectionExtensions
{
    /// <summary>The alert dispatcher and its notification jobs, when <c>Alerts:Primary</c> is configured.</summary>
    public static IServiceCollection AddAlerts(this IServiceCollection services, IConfiguration configuration)
    {
        var options = AlertOptions.Bind(configuration);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("invalid API tier configuration: " + problems[0]);
        }
        services.AddSingleton(options);
        if (options.Enabled)
        {
            services.AddHttpClient(AlertNotifier.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(10));
            services.AddSingleton<AlertNotifier>();
            services.AddSingleton<IJobHandler, AlertNotifyJobHandler>();
            services.AddSingleton<AlertDispatcher>();
            services.AddHostedService(sp => sp.GetRequiredService<AlertDispatcher>());
        }
        return services;
    }
}
