using Microsoft.Extensions.DependencyInjection;
using Sigill.Api.Platform.Jobs;
using Sigill.Http;
using Sigill.Api.Features.Timestamps;

namespace Sigill.Api.Features.Signing;

/// <summary>Signing: the recipient's link, completion (the sealed PDF), signing receipts, the cell's signing keys and its public PKI files.</summary>
public static class SigningFeature
{
    public static IServiceCollection AddSigning(this IServiceCollection services)
    {
        services.AddSigillOptions<TimestampOptions>("Timestamps");
        services.AddScoped<SigningLink>();
        services.AddSingleton<IJobHandler, DocumentCompletionJobHandler>(); // seals a document once its last recipient has acted
        services.AddSingleton<IJobHandler, ArchiveRenewalJobHandler>(); // re-timestamps sealed documents before their TSA certificate expires
        services.AddHostedService<ArchiveRenewalScheduler>();
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
