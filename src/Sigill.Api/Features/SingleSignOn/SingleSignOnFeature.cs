using Microsoft.Extensions.DependencyInjection;

namespace Sigill.Api.Features.SingleSignOn;

/// <summary>Single sign-on: an organization's identity provider settings and the OpenID Connect sign-in.</summary>
public static class SingleSignOnFeature
{
    public static IServiceCollection AddSingleSignOn(this IServiceCollection services) => services.AddSingleton<OidcClient>();

    public static IEndpointRouteBuilder MapSingleSignOn(this IEndpointRouteBuilder app)
    {
        app.MapSsoSettings();
        app.MapSsoSignIn();
        return app;
    }
}
