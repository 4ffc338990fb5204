using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Sigill.Api.Features.Accounts;

/// <summary>Accounts: sign-up, sign-in with its second factor, sessions, passwords and the throttles that guard them.</summary>
public static class AccountsFeature
{
    public static IServiceCollection AddAccounts(this IServiceCollection services, IConfiguration configuration)
    {
        var identity = IdentityOptions.Bind(configuration);
        services.AddSingleton(identity);
        services.AddSingleton(Directory.FromBase64(identity.DirectoryKey));
        services.AddSingleton(new PasswordHasher(identity.PasswordMemoryKiB, identity.PasswordPasses));
        services.AddSingleton<Accounts>();
        services.AddSingleton<Throttle>();
        services.AddSingleton<SignIns>();
        return services;
    }

    public static IEndpointRouteBuilder MapAccounts(this IEndpointRouteBuilder app)
    {
        app.MapAuth();
        app.MapSignUp();
        app.MapAccount();
        return app;
    }
}
