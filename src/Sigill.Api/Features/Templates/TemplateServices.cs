using Microsoft.Extensions.DependencyInjection;
using Sigill.Http;

namespace Sigill.Api.Features.Templates;

public static class TemplateServices
{
    /// <summary>Binds and checks <c>Templates</c> (<see cref="TemplateLimits"/>) at start and registers the renderer.</summary>
    public static IServiceCollection AddTemplates(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSigillOptions<TemplateLimits>("Templates");
        services.AddSingleton<LiquidSandbox>();
        services.AddSingleton<TemplateMetrics>();
        services.AddSingleton<TemplateRenderer>();
        return services;
    }
}
