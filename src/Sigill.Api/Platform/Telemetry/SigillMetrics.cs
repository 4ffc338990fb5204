using System.Diagnostics.Metrics;
using Sigill.Api.Features.Audit;

namespace Sigill.Api.Platform.Telemetry;

/// <summary>
/// Sigill's own instruments, created through IMeterFactory so each host's container owns its meter.
/// Exported at the API tier's /metrics (Prometheus names: dots become underscores, units suffixed);
/// deploy/prometheus/sigill-rules.yml alerts on them, and the in-product alert dispatcher (Alerts/) judges the same
/// conditions from the same <see cref="CellProbe"/> snapshot.
/// </summary>
public sealed class SigillMetrics
{
    public const string MeterName = "Sigill.Api";
    public const string SignInFailuresName = "sigill.sign_in.failures";
    public const string PaymentsRefusedName = "sigill.payments.refused";

    public SigillMetrics(IMeterFactory meters, AuditLogs audit, CellProbe probe, Cells.CellRegistry cells, TimeProvider time)
    {
        var meter = meters.Create(MeterName);
        OrganizationsCreated = meter.CreateCounter<long>("sigill.organizations.created", description: "Organizations created, by region.");
        PaymentsRefused = meter.CreateCounter<long>(PaymentsRefusedName,
            description: "Payment events or returns refused because their amount, currency, document or signed revision did not match the document, by region and reason.");
        // Exported from the start (at 0), so the alert rule's series exists before the first refusal.
        foreach (var cell in cells.All) PaymentsRefused.Add(0, Region(cell.Region), new("reason", "none"));
        SignInFailures = meter.CreateCounter<long>(SignInFailuresName,
            description: "Refused sign-ins and API credentials, by reason (credentials, second_factor, throttled, invalid_token, malformed_token, foreign_region).");
        meter.CreateObservableGauge("sigill.audit.log.size", () => audit.All.Select(log =>
            new Measurement<long>(log.Tree.Size, Region(log.Cell.Region))),
            unit: "{event}", description: "Events in the region's audit log (sequenced leaves).");
        meter.CreateObservableGauge("sigill.audit.checkpoint.age", () => audit.All.Where(log => log.LastSequencedAt is not null).Select(log =>
            new Measurement<double>((time.GetUtcNow() - log.LastSequencedAt!.Value).TotalSeconds, Region(log.Cell.Region))),
            unit: "s", description: "Seconds since the region's sequencer last completed a pass (signed a checkpoint or found nothing new).");
        meter.CreateObservableGauge("sigill.cell.up", () => probe.Latest.Select(c =>
            new Measurement<int>(c.Available ? 1 : 0, Region(c.Region))),
            description: "1 when the cell's database and blob store answered the last probe, 0 when not.");
        meter.CreateObservableGauge("sigill.jobs", () => probe.Latest.SelectMany(c => c.Jobs.Select(j =>
            new Measurement<int>(j.Count, Region(c.Region), new("kind", j.Kind), new("state", j.State)))),
            unit: "{job}", description: "Unfinished jobs by region, kind (queue) and state: queued, retrying, running, dead_lettered.");
        meter.CreateObservableGauge("sigill.jobs.oldest.age", () => probe.Latest.SelectMany(c => c.Jobs.Where(j => j.OldestDueAgeSeconds is not null).Select(j =>
            new Measurement<double>(j.OldestDueAgeSeconds!.Value, Region(c.Region), new("kind", j.Kind), new("state", j.State)))),
            unit: "s", description: "Seconds the oldest due job of this region, kind and state has waited since it became due.");
        meter.CreateObservableGauge("sigill.mail.queue.oldest.age", () => probe.Latest.Where(c => c.MailQueueAgeSeconds is not null).Select(c =>
            new Measurement<double>(c.MailQueueAgeSeconds!.Value, Region(c.Region))),
            unit: "s", description: "Seconds the oldest message in the region's mail queue has waited since the mail server first did not take it (0 when none waits).");
        meter.CreateObservableGauge("sigill.backup.age", () => probe.Latest.Where(c => c.BackupAgeSeconds is not null).Select(c =>
            new Measurement<double>(c.BackupAgeSeconds!.Value, Region(c.Region))),
            unit: "s", description: "Seconds since the region's newest archive in Backups:Directory (since the host started when there is none).");
    }

    public Counter<long> OrganizationsCreated { get; }

    /// <summary><c>sigill_payments_refused_total{region,reason}</c>: a processor event or return that does not match what was signed (alert <c>SigillPaymentRefused</c>).</summary>
    public Counter<long> PaymentsRefused { get; }

    /// <summary><c>sigill_sign_in_failures_total{reason}</c>: add 1 with a <c>reason</c> tag (a fixed word, never a user name or address).</summary>
    public Counter<long> SignInFailures { get; }

    private static KeyValuePair<string, object?> Region(string region) => new("region", region);
}
