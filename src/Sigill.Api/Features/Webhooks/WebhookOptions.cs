using System.Net;
using Sigill.Http;

namespace Sigill.Api.Features.Webhooks;

/// <summary>
/// Section <c>Webhooks</c>. <see cref="AllowedNetworks"/> (CIDR, e.g. <c>127.0.0.1/32</c>) opens otherwise
/// refused targets — loopback, private, link-local, metadata — for installations that deliver to their own
/// network on purpose. Empty by default.
/// </summary>
public sealed class WebhookOptions : IValidatedOptions
{
    public List<string> AllowedNetworks { get; set; } = [];
    public int MaxAttempts { get; set; } = 8;
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    private IPNetwork[]? _allowed;

    /// <summary>The parsed <see cref="AllowedNetworks"/>, read once the options are bound and <see cref="Validate"/> accepted them.</summary>
    internal IReadOnlyList<IPNetwork> Allowed => _allowed ??= [.. AllowedNetworks.Select(n => IPNetwork.Parse(n))];

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        foreach (var network in AllowedNetworks)
        {
            if (!IPNetwork.TryParse(network, out _))
            {
                problems.Add($"Webhooks:AllowedNetworks has '{network}', not a CIDR network");
            }
        }
        if (MaxAttempts is < 1 or > 100)
        {
            problems.Add("Webhooks:MaxAttempts must be 1-100");
        }
        if (Timeout < TimeSpan.FromSeconds(1) || Timeout > TimeSpan.FromMinutes(2))
        {
            problems.Add("Webhooks:Timeout must be 00:00:01-00:02:00");
        }
        return problems;
    }
}
