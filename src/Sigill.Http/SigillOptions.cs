using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Sigill.Http;

/// <summary>Options that check themselves: each problem is one line that names its setting (<c>Jobs:Lease must be ...</c>).</summary>
public interface IValidatedOptions
{
    IReadOnlyList<string> Validate();
}

/// <summary>
/// The one way both tiers take configuration: every options class is bound from its section with
/// <c>AddOptions&lt;T&gt;().BindConfiguration(section).ValidateOnStart()</c>, checked by its own <see cref="IValidatedOptions.Validate"/>,
/// and also registered as <typeparamref name="T"/> itself so that services take the value, not <c>IOptions&lt;T&gt;</c>.
/// A host runs every start check in <see cref="ValidateConfiguration"/> as soon as its container exists, so a bad setting
/// stops it before it listens or writes anything, as one <see cref="SigillConfigurationException"/>.
/// </summary>
public static class SigillOptions
{
    /// <param name="section">The configuration section; "" binds the tier's whole configuration (the tier options).</param>
    public static OptionsBuilder<T> AddSigillOptions<T>(this IServiceCollection services, string section)
        where T : class, IValidatedOptions
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<T>, SelfValidation<T>>());
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<T>>().Value);
        return services.AddOptions<T>().BindConfiguration(section).ValidateOnStart();
    }

    /// <summary>Runs every <c>ValidateOnStart</c> check now, in registration order; the first failure becomes a <see cref="SigillConfigurationException"/>.</summary>
    public static void ValidateConfiguration(this IServiceProvider services, string tier)
    {
        ArgumentNullException.ThrowIfNull(services);
        try
        {
            services.GetService<IStartupValidator>()?.Validate();
        }
        catch (OptionsValidationException e)
        {
            throw SigillConfigurationException.From(tier, e);
        }
        catch (AggregateException e) when (e.InnerExceptions is [OptionsValidationException first, ..])
        {
            throw SigillConfigurationException.From(tier, first);
        }
    }

    /// <summary>
    /// Options a host needs while it is still being built (its URLs, log sinks, cookie names): read through a container of
    /// their own with the same registration and checks as the host's, so there is no second way to bind or validate.
    /// </summary>
    public static T Read<T>(IConfiguration configuration, string tier, Action<IServiceCollection> register)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(register);
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        register(services);
        using var provider = services.BuildServiceProvider();
        provider.ValidateConfiguration(tier);
        return provider.GetRequiredService<IOptions<T>>().Value;
    }

    private sealed class SelfValidation<T> : IValidateOptions<T>
        where T : class, IValidatedOptions
    {
        public ValidateOptionsResult Validate(string? name, T options) =>
            options.Validate() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}
