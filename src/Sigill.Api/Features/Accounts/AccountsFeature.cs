using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Sigill.Http;

namespace Sigill.Api.Features.Accounts;

/// <summary>Accounts: sign-up, sign-in with its second factor, sessions, passwords, the throttles that guard them, and the authentication of every credential.</summary>
public static class AccountsFeature
{
    public static IServiceCollection AddAccounts(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSigillOptions<IdentityOptions>("Identity");
        services.AddSingleton(sp => Directory.FromBase64(sp.GetRequiredService<IdentityOptions>().DirectoryKey));
        services.AddSingleton(sp => new PasswordHasher(sp.GetRequiredService<IdentityOptions>().PasswordMemoryKiB, sp.GetRequiredService<IdentityOptions>().PasswordPasses));
        services.AddSingleton<Accounts>();
        services.AddSingleton<Throttle>();
        services.AddSingleton<SignIns>();
        services.AddAuthentication(CredentialAuthenticationHandler.SchemeName) // API tokens, sessions and operator credentials
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, CredentialAuthenticationHandler>(CredentialAuthenticationHandler.SchemeName, null);
        return services;
    }

    public static IEndpointRouteBuilder MapAccounts(this IEndpointRouteBuilder app)
    {
        app.MapAuth();
        app.MapSignUp();
        app.MapPasswordResets();
        app.MapAccount();
        return app;
    }
}
