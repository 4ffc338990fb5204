using System.Diagnostics.Metrics;
using Sigill.Api.Audit;

namespace Sigill.Api.Telemetry;

/// <summary>
/// Sigill's own instruments, created through IMeterFactory so each host's container owns its meter.
/// Exported at the API tier's /metrics (Prometheus names: dots become underscores, units suffixed);
/// deploy/prometheus/sigill-rules.yml alerts on them.
/// </summary>
public sealed class SigillMetrics
{
    public const string MeterName = "Sigill.Api";

    public SigillMetrics(IMeterFactory meters, AuditLogs audit, TimeProvider time)
    {
        var meter = meters.Create(MeterName);
        OrganizationsCreated = meter.CreateCounter<long>("sigill.organizations.created", description: "Organizations created, by region.");
        SignInFailures = meter.CreateCounter<long>("sigill.sign_in.failures", description: "Failed sign-ins, by reason (credentials, second_factor, throttled).");
        meter.CreateObservableGauge("sigill.audit.log.size", () => audit.All.Select(log =>
            new Measurement<long>(log.Tree.Size, new KeyValuePair<string, object?>("region", log.Cell.Region))),
            unit: "{event}", description: "Events in the region's audit log (sequenced leaves).");
        meter.CreateObservableGauge("sigill.audit.checkpoint.age", () => audit.All.Where(log => log.LastSequencedAt is not null).Select(log =>
            new Measurement<double>((time.GetUtcNow() - log.LastSequencedAt!.Value).TotalSeconds, new KeyValuePair<string, object?>("region", log.Cell.Region))),
            unit: "s", description: "Seconds since the region's sequencer last completed a pass (signed a checkpoint or found nothing new).");
    }

    public Counter<long> OrganizationsCreated { get; }

    public Counter<long> SignInFailures { get; }
}
