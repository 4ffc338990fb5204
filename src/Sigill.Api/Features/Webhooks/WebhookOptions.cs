using System.Net;
using Microsoft.Extensions.Configuration;

namespace Sigill.Api.Features.Webhooks;

/// <summary>
/// Section <c>Webhooks</c>. <see cref="AllowedNetworks"/> (CIDR, e.g. <c>127.0.0.1/32</c>) opens otherwise
/// refused targets — loopback, private, link-local, metadata — for installations that deliver to their own
/// network on purpose. Empty by default.
/// </summary>
public sealed class WebhookOptions
{
    public List<string> AllowedNetworks { get; set; } = [];
    public int MaxAttempts { get; set; } = 8;
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    internal IReadOnlyList<IPNetwork> Allowed { get; private set; } = [];

    public static WebhookOptions Bind(IConfiguration configuration)
    {
        var options = new WebhookOptions();
        configuration.GetSection("Webhooks").Bind(options);
        var allowed = new List<IPNetwork>();
        foreach (var network in options.AllowedNetworks)
        {
            if (!IPNetwork.TryParse(network, out var parsed))
            {
                throw new InvalidOperationException($"invalid API tier configuration: Webhooks:AllowedNetworks has '{network}', not a CIDR network");
            }
            allowed.Add(parsed);
        }
        options.Allowed = allowed;
        if (options.MaxAttempts is < 1 or > 100)
        {
            throw new InvalidOperationException("invalid API tier configuration: Webhooks:MaxAttempts must be 1-100");
        }
        if (options.Timeout < TimeSpan.FromSeconds(1) || options.Timeout > TimeSpan.FromMinutes(2))
        {
            throw new InvalidOperationException("invalid API tier configuration: Webhooks:Timeout must be 00:00:01-00:02:00");
        }
        return options;
    }
}
