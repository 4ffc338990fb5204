using Microsoft.Extensions.DependencyInjection;
using Sigill.Api.Platform.Jobs;
using Sigill.Http;

namespace Sigill.Api.Features.Documents;

/// <summary>Documents: their settings and the jobs that expire, remind, tell the sender and deliver the sealed PDF (completion belongs to Signing). Endpoints: <see cref="DocumentEndpoints.MapDocuments"/>.</summary>
public static class DocumentsFeature
{
    public static IServiceCollection AddDocuments(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSigillOptions<DocumentOptions>("Documents");
        services.AddSingleton<IJobHandler, ExpireDocumentJob>();
        services.AddSingleton<IJobHandler, RemindDocumentJob>();
        services.AddSingleton<IJobHandler, DocumentNoticeJob>();
        services.AddSingleton<IJobHandler, DocumentDeliveryJob>();
        return services;
    }
}
