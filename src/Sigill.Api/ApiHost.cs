using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using Sigill.Api.Features.AccessReviews;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Backups;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Features.Organizations;
using Sigill.Api.Features.Payments;
using Sigill.Api.Features.Privacy;
using Sigill.Api.Features.Setup;
using Sigill.Api.Platform.OpenApi;
using Sigill.Api.Platform.Health;
using Sigill.Api.Features.Accounts;
using Sigill.Api.Features.Members;
using Sigill.Api.Features.ApiTokens;
using Sigill.Api.Features.StaffAccess;
using Sigill.Api.Platform.Jobs;
using Sigill.Api.Platform.Security;
using Sigill.Api.Features.Alerts;
using Sigill.Api.Features.Documents;
using Sigill.Api.Features.SingleSignOn;
using Sigill.Api.Features.Embedding;
using Sigill.Api.Features.Signing;
using Sigill.Api.Features.BulkSend;
using Sigill.Api.Features.Templates;
using Sigill.Api.Features.Webhooks;
using Sigill.Api.Features.SubProcessors;
using Sigill.Api.Features.TrustCenter;
using Sigill.Api.Platform.Mail;
using Sigill.Http;

namespace Sigill.Api;

/// <summary>
/// Builds the API tier as its own <see cref="WebApplication"/> with its own configuration and
/// service container. It sees only the configuration it is given: nothing from the process
/// environment leaks in, so two tiers in one process stay as separate as two processes.
/// </summary>
public static class ApiHost
{
    public const string MetricsPath = "/metrics";

    /// <summary>How configuration errors name this tier: <c>invalid API tier configuration: ...</c>.</summary>
    public const string Tier = "API tier";

    /// <param name="overrides">Registrations that replace the defaults (tests: a throttle on a fake clock).</param>
    public static WebApplication Build(IConfiguration configuration, string url, Action<ILoggingBuilder>? logging = null, Action<IServiceCollection>? overrides = null)
    {
        Icu.EnsureAvailable(Tier); // per-language e-mails and certificates: never silently in the invariant culture
        // What the host needs before its container exists (log sinks, Kestrel limits), checked the same way as the rest.
        var options = SigillOptions.Read<ApiTierOptions>(configuration, Tier, s => ApiTierOptions.Register(s));
        var limits = SigillOptions.Read<RequestLimits>(configuration, Tier, s => RequestLimits.Register(s));
        var rateLimits = SigillOptions.Read<Platform.Security.RateLimitOptions>(configuration, Tier, s => Platform.Security.RateLimitOptions.Register(s));

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(ApiHost).Assembly.GetName().Name,
            EnvironmentName = Environments.Production,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(configuration);
        builder.WebHost.UseUrls(url);
        builder.WebHost.UseRequestLimits(limits); // the same body limits as the web tier's, and no Server header
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        Platform.Telemetry.CellLogs.Configure(builder.Logging, options); // identifiers only in their own region's log files

        var services = builder.Services;
        ApiTierOptions.Register(services);
        RequestLimits.Register(services);
        Platform.Security.RateLimitOptions.Register(services);
        services.AddSingleton(sp => new CellRegistry(sp.GetRequiredService<ApiTierOptions>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new SetupToken(sp.GetRequiredService<ApiTierOptions>().SetupTokenFile));
        Caller.Register(services); // handlers take Caller and CellDbContext, bound once per request

        services.AddProblemDetails(o => o.CustomizeProblemDetails = Problems.Customize);
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            // Every string a request body carries passes the boundary's text rule (control and bidi characters refused).
            o.SerializerOptions.TypeInfoResolver = (o.SerializerOptions.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(RequestText.Modifier);
        });
        services.AddExceptionHandler<RequestText.RefusedHandler>();
        services.AddExceptionHandler<Platform.Errors.StoreUnavailableHandler>();
        services.AddExceptionHandler<Platform.Errors.StorageFullHandler>();
        services.AddAuthorization(Policies.Add);
        services.AddSingleton<CellReadiness>();
        services.AddHealthChecks().AddCheck<CellsHealthCheck>("cells", tags: ["ready"]);
        services.AddOpenTelemetry().WithMetrics(m => m
            .AddAspNetCoreInstrumentation()
            .AddMeter(Platform.Telemetry.SigillMetrics.MeterName, Sigill.Crypto.CryptoMetrics.MeterName)
            .AddPrometheusExporter());
        services.AddSingleton<Platform.Telemetry.CellProbe>();
        services.AddHostedService(sp => sp.GetRequiredService<Platform.Telemetry.CellProbe>());
        services.AddSingleton<Platform.Telemetry.SigillMetrics>();
        services.AddAudit(configuration);
        services.AddJobs(configuration);
        services.AddSingleton<IJobHandler, Platform.Encryption.ReencryptionJobHandler>();
        services.AddOpenApi(OpenApiSetup.Configure);
        services.AddSigillMail(configuration);

        services.AddAccounts(configuration);
        services.AddSingleSignOn();
        services.AddDocuments(configuration);
        services.AddSigillOptions<EmbeddingOptions>("Embedding");
        services.AddTemplates(configuration);
        services.AddBulkSend();
        services.AddSigning();
        services.AddWebhooks(configuration);
        services.AddPayments();
        services.AddBackups(configuration);
        services.AddAlerts(configuration);
        services.AddSubProcessors();
        services.AddTrustCenter();
        services.AddAccessReviews();
        services.AddPrivacyExports();
        services.AddRetention();
        overrides?.Invoke(services);

        var app = builder.Build();
        app.Services.ValidateConfiguration(Tier); // every section's checks, before anything listens or is written
        app.Services.GetRequiredService<Platform.Telemetry.SigillMetrics>(); // observable gauges exist from the start
        app.UseServiceCredential(options.ServiceCredential);
        if (options.Diagnostics.Enabled)
        {
            app.UseDeveloperExceptionPage(); // development only: ApiTierOptions refuses it in production
        }
        else
        {
            app.UseExceptionHandler();
        }
        app.UseStatusCodePages();
        app.UseRateLimits(rateLimits); // before authentication: a flood of bad credentials costs no credential check
        app.UseAuthentication();
        app.UseKeyAccessScopes();
        app.UseDocumentScopes(); // an embedded sending session: its one document's draft routes, nothing else
        app.UseAuthorization();
        app.UseServedRegions(); // a route naming a region this deployment does not serve ends here, the same everywhere
        app.UseRequestLimits(limits); // after authorization: a stranger's body is never read, let alone parsed

        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") }).AllowAnonymous();
        app.MapPrometheusScrapingEndpoint(MetricsPath).AllowAnonymous();
        app.MapSetup();
        app.MapOrganizations();
        app.MapAccounts();
        app.MapMembers();
        app.MapTokens();
        app.MapSupport();
        app.MapSingleSignOn();
        app.MapEmbedding();
        app.MapEmbedGrants();
        app.MapEmbedSending();
        app.MapAudit();
        app.MapDocuments();
        app.MapTemplates();
        app.MapDirectLinks();
        app.MapBulkSends();
        app.MapSigning();
        app.MapWebhooks();
        app.MapPayments();
        app.MapSubProcessors();
        app.MapTrustCenter();
        app.MapAccessReviews();
        app.MapPrivacy();
        app.MapOpenApi(OpenApiSetup.Path).AllowAnonymous();
        return app;
    }
}
