using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Sigill.Api.Platform.Jobs;
using Sigill.Http;

namespace Sigill.Api.Features.Documents;

/// <summary>Documents: their settings and the jobs that expire, remind and complete them. Endpoints: <see cref="DocumentEndpoints.MapDocuments"/>.</summary>
public static class DocumentsFeature
{
    public static IServiceCollection AddDocuments(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSigillOptions<DocumentOptions>("Documents");
        services.AddSingleton<IJobHandler, ExpireDocumentJob>();
        services.AddSingleton<IJobHandler, RemindDocumentJob>();
        services.AddSingleton<IJobHandler, DocumentCompletionJobHandler>();
        return services;
    }
}
