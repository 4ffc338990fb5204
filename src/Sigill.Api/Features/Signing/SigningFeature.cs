using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Sigill.Api.Features.Timestamps;
using Sigill.Http;

namespace Sigill.Api.Features.Signing;

/// <summary>Signing: the recipient's link, signing receipts, the cell's signing keys and its public PKI files.</summary>
public static class SigningFeature
{
    public static IServiceCollection AddSigning(this IServiceCollection services)
    {
        services.AddSigillOptions<TimestampOptions>("Timestamps");
        services.AddScoped<SigningLink>();
        return services.AddSingleton<SigningKeys>();
    }

    public static IEndpointRouteBuilder MapSigning(this IEndpointRouteBuilder app)
    {
        app.MapSigningLinks();
        app.MapSigningReceipts();
        app.MapPki();
        app.MapPkiPublication();
        return app;
    }
}
