using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using Sigill.Api.Audit;
using Sigill.Api.Backups;
using Sigill.Api.Cells;
using Sigill.Api.Errors;
using Sigill.Api.Features.Organizations;
using Sigill.Api.Features.Setup;
using Sigill.Api.Health;
using Sigill.Api.Identity;
using Sigill.Api.Jobs;
using Sigill.Api.Persistence;
using Sigill.Api.Security;
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

    /// <param name="overrides">Registrations that replace the defaults (tests: a throttle on a fake clock).</param>
    public static WebApplication Build(IConfiguration configuration, string url, Action<ILoggingBuilder>? logging = null, Action<IServiceCollection>? overrides = null)
    {
        var options = ApiTierOptions.Bind(configuration);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("invalid API tier configuration: " + problems[0]);
        }

        var limits = RequestLimits.Bind(configuration);
        if (limits.Validate() is [var limitProblem, ..])
        {
            throw new InvalidOperationException("invalid API tier configuration: " + limitProblem);
        }

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
        Telemetry.CellLogs.Configure(builder.Logging, options); // identifiers only in their own region's log files

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(limits);
        services.AddSingleton(sp => new CellRegistry(options, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new SetupToken(options.SetupTokenFile));
        services.AddHttpContextAccessor();
        // Handlers take CellDbContext: a context on the authenticated caller's own cell, never one picked from input.
        services.AddScoped<CellDbContext>(sp =>
        {
            var user = sp.GetRequiredService<IHttpContextAccessor>().HttpContext?.User
                ?? throw new InvalidOperationException("CellDbContext is available inside requests only.");
            return sp.GetRequiredService<CellRegistry>().Get(Caller.From(user).Region).CreateDbContext();
        });

        services.AddProblemDetails(o => o.CustomizeProblemDetails = Problems.Customize);
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            // Every string a request body carries passes the boundary's text rule (control and bidi characters refused).
            o.SerializerOptions.TypeInfoResolver = (o.SerializerOptions.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(RequestText.Modifier);
        });
        services.AddExceptionHandler<RequestText.RefusedHandler>();
        services.AddAuthentication(ApiTokenAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null);
        services.AddAuthorization(Policies.Add);
        services.AddHealthChecks().AddCheck<CellsHealthCheck>("cells", tags: ["ready"]);
        services.AddOpenTelemetry().WithMetrics(m => m
            .AddAspNetCoreInstrumentation()
            .AddMeter(Telemetry.SigillMetrics.MeterName, Sigill.Crypto.CryptoMetrics.MeterName)
            .AddPrometheusExporter());
        services.AddSingleton<Telemetry.CellProbe>();
        services.AddHostedService(sp => sp.GetRequiredService<Telemetry.CellProbe>());
        services.AddSingleton<Telemetry.SigillMetrics>();
        services.AddAudit(configuration);
        services.AddJobs(configuration);
        services.AddSingleton<Jobs.IJobHandler, Encryption.ReencryptionJobHandler>();
        services.AddSingleton<Jobs.IJobHandler, Features.Documents.ExpireDocumentJob>();
        services.AddSingleton<Jobs.IJobHandler, Features.Documents.RemindDocumentJob>();
        services.AddSingleton<Jobs.IJobHandler, Features.Webhooks.WebhookDeliveryJob>();
        services.AddSingleton(Features.Webhooks.WebhookOptions.Bind(configuration));
        services.AddSingleton<Features.Webhooks.SsrfGuard>();
        services.AddSingleton<Identity.Sso.OidcClient>();
        services.AddOpenApi(OpenApiSetup.Configure);
        services.AddBackups(configuration);
        Alerts.AlertServiceCollectionExtensions.AddAlerts(services, configuration);
        services.AddSingleton(Features.Documents.DocumentOptions.Bind(configuration));
        Features.Templates.TemplateServices.AddTemplates(services, configuration);
        services.AddSingleton(Features.Timestamps.TimestampOptions.Bind(configuration));
        services.AddSingleton<Features.Signing.SigningKeys>();
        var identity = Identity.IdentityOptions.Bind(configuration);
        services.AddSingleton(identity);
        services.AddSingleton(Identity.Directory.FromBase64(identity.DirectoryKey));
        services.AddSingleton(new Identity.PasswordHasher(identity.PasswordMemoryKiB, identity.PasswordPasses));
        services.AddSingleton<Identity.Accounts>();
        services.AddSingleton<Identity.Throttle>();
        services.AddSingleton<Identity.SignIns>();
        services.AddSingleton<Jobs.IJobHandler, Features.Documents.DocumentCompletionJobHandler>();
        Mail.MailServices.AddSigillMail(services, configuration);
        overrides?.Invoke(services);

        var app = builder.Build();
        app.Services.GetRequiredService<Telemetry.SigillMetrics>(); // observable gauges exist from the start
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
        app.UseAuthentication();
        app.UseKeyAccessScopes();
        app.UseAuthorization();
        app.UseRequestLimits(limits); // after authorization: a stranger's body is never read, let alone parsed

        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") }).AllowAnonymous();
        app.MapPrometheusScrapingEndpoint(MetricsPath).AllowAnonymous();
        app.MapSetup();
        app.MapOrganizations();
        app.MapAuth();
        app.MapSignUp();
        app.MapAccount();
        app.MapMembers();
        app.MapTokens();
        app.MapSupport();
        Identity.Sso.SsoEndpoints.MapSsoSettings(app);
        Identity.Sso.SsoSignInEndpoints.MapSsoSignIn(app);
        app.MapAudit();
        Features.Documents.DocumentEndpoints.MapDocuments(app);
        Features.Templates.TemplateEndpoints.MapTemplates(app);
        Features.Signing.SigningEndpoints.MapSigning(app);
        Features.Signing.SigningReceipts.MapSigningReceipts(app);
        Features.Signing.PkiEndpoints.MapPki(app);
        Features.Signing.PkiPublication.MapPkiPublication(app);
        Features.Webhooks.WebhookEndpoints.MapWebhooks(app);
        app.MapOpenApi(OpenApiSetup.Path).AllowAnonymous();
        return app;
    }
}
