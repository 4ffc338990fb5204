using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sigill.Http;
using Sigill.Web.Api;
using Sigill.Web.Recipient;
using Sigill.Web.Routing;
using Sigill.Web.Security;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms;

namespace Sigill.Web;

/// <summary>
/// Builds the web tier (the public DMZ listener) as its own <see cref="WebApplication"/>: pages,
/// static assets, health, and a pass-through of <c>/api/v1</c> — and nothing else — to the API tier.
/// Its configuration is only <see cref="WebTierOptions"/>: no connection string, no key material.
/// </summary>
public static class WebTierHost
{
    /// <summary>How configuration errors name this tier: <c>invalid web tier configuration: ...</c>.</summary>
    public const string Tier = "web tier";

    private const string UploadRoute = "api-v1-upload";
    private const string BulkUploadRoute = "api-v1-bulk-upload";
    private const string AttachmentRoute = "api-v1-attachment";

    public static WebApplication Build(IConfiguration configuration, string url, Action<ILoggingBuilder>? logging = null)
    {
        // The options shape the host itself (proxy routes, cookie names, Kestrel limits), so they are read before it is
        // built, through the same registration and checks as the container's.
        Icu.EnsureAvailable(Tier); // per-language pages: never silently in the invariant culture
        var options = SigillOptions.Read<WebTierOptions>(configuration, Tier, s => WebTierOptions.Register(s));
        // The same keys and defaults as the API tier's (Sigill.Http): the web tier refuses first, from Content-Length.
        var limits = SigillOptions.Read<RequestLimits>(configuration, Tier, s => RequestLimits.Register(s));

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(WebTierHost).Assembly.GetName().Name,
            EnvironmentName = Environments.Production,
            ContentRootPath = AppContext.BaseDirectory,
            WebRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(configuration);
        builder.WebHost.UseUrls(url);
        builder.WebHost.UseRequestLimits(limits, perAddress: true); // the public tier: slow clients and connection hoarders are cut here
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);

        var services = builder.Services;
        WebTierOptions.Register(services);
        RequestLimits.Register(services);
        // Cookies (sessions, antiforgery) are sealed under Web:CookieKey, so they survive a restart and work on every web
        // node; without one (a bare development web tier) an in-memory key ring, and a restart signs everyone out.
        services.AddSingleton<Microsoft.AspNetCore.DataProtection.IDataProtectionProvider>(options.CookieKeyBytes is { } cookieKey
            ? new CookieProtection(cookieKey, options.PreviousCookieKeyBytes)
            : new Microsoft.AspNetCore.DataProtection.EphemeralDataProtectionProvider());
        services.AddRazorPages();
        services.AddLocalization(); // IStringLocalizer<T> over the .resx beside T (Pages/PublicText*.resx); SenderText reads its own
        services.AddAntiforgery(a =>
        {
            // Every form post carries a token bound to this cookie. With TLS: __Host- (Secure, Path=/, no Domain).
            a.Cookie.Name = options.Tls ? "__Host-sigill-af" : "sigill-af";
            a.Cookie.SecurePolicy = options.Tls ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            a.Cookie.SameSite = SameSiteMode.Strict;
            a.Cookie.HttpOnly = true;
        });
        services.AddProblemDetails();
        services.AddHttpContextAccessor();
        services.AddTransient<ForwardedClient>();
        services.AddHttpClient<ApiClient>(c =>
        {
            c.DefaultRequestHeaders.Add(SigillHeaders.ServiceCredential, options.ServiceCredential);
            c.Timeout = TimeSpan.FromSeconds(30);
        }).AddHttpMessageHandler<ForwardedClient>();
        services.AddSingleton<Yarp.ReverseProxy.Health.IProbingRequestFactory, ApiClusters.CredentialedProbes>();
        services.AddHealthChecks().AddCheck<ApiTierHealthCheck>("api-tier", tags: ["ready"]);
        services.AddReverseProxy()
            .LoadFromMemory(
                [
                    new RouteConfig { RouteId = "api-v1", ClusterId = "api", Match = new RouteMatch { Path = "/api/v1/{**rest}" } },
                    // PDF uploads: the upload body limit (the API tier reads and judges the form itself).
                    new RouteConfig { RouteId = UploadRoute, ClusterId = "api", Match = new RouteMatch { Path = "/api/v1/documents", Methods = ["POST"] } },
                    // Bulk-send CSV files (preview and start): the same upload limit.
                    new RouteConfig { RouteId = BulkUploadRoute, ClusterId = "api", Match = new RouteMatch { Path = "/api/v1/bulk-sends/{**rest}", Methods = ["POST"] } },
                    // A signer's attachment (at most 10 MiB, which the API tier counts while reading): the upload limit here.
                    new RouteConfig { RouteId = AttachmentRoute, ClusterId = "api", Match = new RouteMatch { Path = "/api/v1/signing/{token}/fields/{fieldId}/attachment", Methods = ["POST"] } },
                    // The public, read-only audit log (tiles, checkpoints, proofs): GET only.
                    new RouteConfig { RouteId = "audit", ClusterId = "api", Match = new RouteMatch { Path = "/audit/{**rest}", Methods = ["GET", "HEAD"] } },
                    // The region CAs' CRLs and certificates, the addresses in every certificate they issue: GET only.
                    new RouteConfig { RouteId = "pki", ClusterId = "api", Match = new RouteMatch { Path = "/pki/{**rest}", Methods = ["GET", "HEAD"] } },
                ],
                ApiClusters.Build(options))
            .AddTransforms(t =>
            {
                // Whatever a client sends in the credential header is replaced by the real one;
                // the browser's cookies belong to the web tier and never travel to the API tier.
                t.AddRequestHeader(SigillHeaders.ServiceCredential, options.ServiceCredential, append: false);
                t.AddRequestHeaderRemove("Cookie");
                // When this tier cut the client's body (too large, broken), the API tier answers about the truncated copy
                // it got, possibly first; that answer is dropped, and RequestLimits answers the client itself.
                t.AddResponseTransform(context =>
                {
                    if (RequestLimitsMiddleware.WillAnswerBodyFailure(context.HttpContext)) context.SuppressResponseBody = true;
                    return ValueTask.CompletedTask;
                });
            });

        var app = builder.Build();
        app.Services.ValidateConfiguration(Tier);
        // Pages and any address outside /api get the site's own error page; /api keeps problem details.
        app.UseWhen(http => !http.Request.Path.StartsWithSegments("/api"), pages =>
        {
            pages.UseExceptionHandler("/error/500");
            pages.UseStatusCodePagesWithReExecute("/error/{0}", "?status={0}"); // the original query (a page handler) must not run again
        });
        app.UseWhen(http => http.Request.Path.StartsWithSegments("/api"), api =>
        {
            api.UseExceptionHandler("/error");
            api.UseStatusCodePages();
        });
        app.UseRouting(); // here, after the error pages: a re-executed request is routed again to /error/{status}
        if (options.Tls)
        {
            // Web:Tls says the public side is HTTPS, terminated here or by the proxy in front: requests are
            // treated as HTTPS, so Secure cookies and the antiforgery checks hold behind a TLS-terminating proxy.
            app.Use((context, next) =>
            {
                context.Request.Scheme = "https";
                return next(context);
            });
        }
        app.UseSecurityHeaders(options.Tls);
        app.UseRequestLimits(limits);
        app.UseStaticAssets();
        // The pages speak the language picked with the select (cookie), else the browser's (Accept-Language): only the
        // UI culture changes; the culture stays invariant (forms, data- attributes), as do evidence and the API
        // pass-through. The recipient's signing pages take the recipient's language explicitly (PageLanguage).
        var pageLanguages = Pages.PageLanguage.Options();
        app.UseWhen(http => Pages.PageLanguage.Applies(http.Request.Path), pages => pages.UseRequestLocalization(pageLanguages));
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        app.MapRazorPages();
        app.MapRecipientDocuments();
        Trust.SecurityTxt.MapSecurityTxt(app);
        app.MapReverseProxy(proxy =>
        {
            proxy.Use(Routing.RegionRouting.SelectAsync);
            proxy.Use(ApiClusters.RetryRefusedConnectsAsync);
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        }).ConfigureEndpoints((endpoint, route) =>
        {
            if (route.RouteId == UploadRoute) endpoint.WithMetadata(new UploadEndpointAttribute { ReadsForm = false });
            if (route.RouteId == AttachmentRoute) endpoint.WithMetadata(new UploadEndpointAttribute { ReadsForm = false, TooLargeCode = "attachment_too_large", TooLargeTitle = "The attachment is too large." });
            if (route.RouteId == BulkUploadRoute) endpoint.WithMetadata(new UploadEndpointAttribute { ReadsForm = false, TooLargeCode = "bulk_file_too_large", TooLargeTitle = "The file is too large." });
        });
        app.Map("/error", () => Results.Problem(statusCode: 500, title: "An unexpected error occurred."));
        app.MapGet("/favicon.ico", () => Results.Redirect(Routing.StaticAssets.Url("favicon.svg"), permanent: false));
        return app;
    }

    private sealed class ApiTierHealthCheck(ApiClient api) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            await api.IsReadyAsync(cancellationToken) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("API tier not ready");
    }
}
