using Microsoft.Extensions.Configuration;
using Sigill.Api;
using Sigill.Http;

namespace Sigill.Tests.Infrastructure;

/// <summary>Options as the API tier binds and checks them (<see cref="SigillOptions"/>), from a configuration a test builds.</summary>
internal static class ConfiguredOptions
{
    /// <param name="section">The section, or "" for the tier's own options at the top level.</param>
    public static T Api<T>(IConfiguration configuration, string section)
        where T : class, IValidatedOptions =>
        SigillOptions.Read<T>(configuration, ApiHost.Tier, s => s.AddSigillOptions<T>(section));
}
