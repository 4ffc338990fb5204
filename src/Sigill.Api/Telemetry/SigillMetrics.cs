using System.Diagnostics.Metrics;

namespace Sigill.Api.Telemetry;

/// <summary>Sigill's own instruments. Created through IMeterFactory so each host's container owns its meter.</summary>
public sealed class SigillMetrics
{
    public const string MeterName = "Sigill.Api";

    public SigillMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        OrganizationsCreated = meter.CreateCounter<long>("sigill.organizations.created", description: "Organizations created, by region.");
    }

    public Counter<long> OrganizationsCreated { get; }
}
