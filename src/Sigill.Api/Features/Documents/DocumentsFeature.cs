using Microsoft.Extensions.DependencyInjection;
using Sigill.Api.Platform.Jobs;
using Sigill.Http;

namespace Sigill.Api.Features.Documents;

/// <summary>Documents: their settings and the jobs that expire and remind them (completion belongs to Signing). Endpoints: <see cref="DocumentEndpoints.MapDocuments"/>.</summary>
public static class DocumentsFeature
{
    public static IServiceCollection AddDocuments(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSigillOptions<DocumentOptions>("Documents");
        services.AddSingleton<IJobHandler, ExpireDocumentJob>();
        services.AddSingleton<IJobHandler, RemindDocumentJob>();
        return services;
    }
}
