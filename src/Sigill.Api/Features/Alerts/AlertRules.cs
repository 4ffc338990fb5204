using System.Globalization;
using Sigill.Api.Platform.Telemetry;

namespace Sigill.Api.Features.Alerts;

/// <summary>A condition that holds now: <see cref="Subject"/> says where (a region, or <c>region/queue</c>).</summary>
public sealed record Firing(string Rule, string Subject, string Summary)
{
    public string Key => Rule + "|" + Subject;
}

/// <param name="For">How long the condition must hold before the alert fires (Prometheus <c>for:</c>).</param>
/// <param name="Latched">An event rather than a state: the alert stays open until acknowledged.</param>
public sealed record AlertRule(string Name, TimeSpan For, bool Latched = false);

/// <summary>
/// The critical conditions of deploy/prometheus/sigill-rules.yml, judged in the product from the same
/// <see cref="CellProbe"/> snapshot and counters the metrics export. Names match the Prometheus alert names.
/// </summary>
public static class AlertRules
{
    public static readonly AlertRule CellUnavailable = new("SigillCellUnavailable", TimeSpan.FromMinutes(1));
    public static readonly AlertRule CheckpointStale = new("SigillAuditCheckpointStale", TimeSpan.FromMinutes(2));
    public static readonly AlertRule JobsDeadLettered = new("SigillJobsDeadLettered", TimeSpan.Zero);
    public static readonly AlertRule JobQueueStalled = new("SigillJobQueueStalled", TimeSpan.FromMinutes(5));
    public static readonly AlertRule BackupTooOld = new("SigillBackupTooOld", TimeSpan.Zero);
    public static readonly AlertRule BackupFailing = new("SigillBackupFailing", TimeSpan.Zero);
    public static readonly AlertRule CryptoIntegrityFailure = new("SigillCryptoIntegrityFailure", TimeSpan.Zero, Latched: true);
    public static readonly AlertRule MailStuck = new("SigillMailStuck", TimeSpan.Zero);
    public static readonly AlertRule PaymentRefused = new("SigillPaymentRefused", TimeSpan.Zero, Latched: true);

    public static readonly IReadOnlyList<AlertRule> All = [CellUnavailable, CheckpointStale, JobsDeadLettered, JobQueueStalled, BackupTooOld, BackupFailing, CryptoIntegrityFailure, MailStuck, PaymentRefused];

    public static AlertRule Get(string name) => All.FirstOrDefault(r => r.Name == name) ?? new AlertRule(name, TimeSpan.Zero);

    /// <summary>The conditions that hold in an available cell (<see cref="CellUnavailable"/> is judged by the dispatcher itself).</summary>
    /// <param name="paymentRefusals">Payment reports refused since the last evaluation (<c>sigill.payments.refused</c>): an amount, currency, document or signed revision that did not match, or a payment after the document closed.</param>
    public static IReadOnlyList<Firing> Evaluate(CellStatus cell, DateTimeOffset? lastSequencedAt, long integrityFailures, AlertOptions options, DateTimeOffset now, long paymentRefusals = 0)
    {
        ArgumentNullException.ThrowIfNull(cell);
        ArgumentNullException.ThrowIfNull(options);
        var region = cell.Region;
        var firing = new List<Firing>();
        if (lastSequencedAt is { } sequenced && now - sequenced > options.CheckpointMaxAge)
        {
            firing.Add(new(CheckpointStale.Name, region, Invariant($"The audit log of region {region} has not been sequenced for {Minutes(now - sequenced)}: events are committed but not covered by a signed checkpoint.")));
        }
        foreach (var dead in cell.Jobs.Where(j => j.State == "dead_lettered"))
        {
            firing.Add(new(JobsDeadLettered.Name, $"{region}/{dead.Kind}", Invariant($"{dead.Count} {dead.Kind} job(s) in region {region} used every attempt and were dead-lettered.")));
        }
        foreach (var queue in cell.Jobs.Where(j => j.State is "queued" or "retrying").GroupBy(j => j.Kind))
        {
            var wait = queue.Max(j => j.OldestDueAgeSeconds ?? 0);
            if (wait > options.QueueMaxWait.TotalSeconds)
            {
                firing.Add(new(JobQueueStalled.Name, $"{region}/{queue.Key}", Invariant($"The oldest due {queue.Key} job in region {region} has waited {Minutes(TimeSpan.FromSeconds(wait))}: no API node is working the queue.")));
            }
        }
        if (cell.BackupAgeSeconds is { } age && age > options.BackupMaxAge.TotalSeconds)
        {
            firing.Add(new(BackupTooOld.Name, region, Invariant($"The newest backup of region {region} is {Minutes(TimeSpan.FromSeconds(age))} old.")));
        }
        if (cell.BackupFailure is { } failure)
        {
            firing.Add(new(BackupFailing.Name, region, $"The backup of region {region} failed and will be retried: {failure}"));
        }
        if (cell.MailQueueAgeSeconds is { } mailWait && mailWait > options.MailStuckAfter.TotalSeconds)
        {
            firing.Add(new(MailStuck.Name, region, Invariant($"E-mail of region {region} has waited in the mail queue for {Minutes(TimeSpan.FromSeconds(mailWait))}: the mail server does not take it. It is retried and goes out once the server is back.")));
        }
        if (integrityFailures > 0)
        {
            firing.Add(new(CryptoIntegrityFailure.Name, region, Invariant($"{integrityFailures} decryption(s) refused in region {region}: stored data failed authentication (tampering or corruption). See log event 3001.")));
        }
        if (paymentRefusals > 0)
        {
            firing.Add(new(PaymentRefused.Name, region, Invariant($"{paymentRefusals} payment report(s) refused in region {region}: the processor reported an amount, currency, document or signed revision that does not match, or a payment for a closed document. See the audit events document.payment_refused and payment.refused.")));
        }
        return firing;
    }

    private static string Minutes(TimeSpan span) =>
        span >= TimeSpan.FromHours(2) ? Invariant($"{span.TotalHours:F1} hours") : Invariant($"{Math.Floor(span.TotalMinutes)} minutes");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
