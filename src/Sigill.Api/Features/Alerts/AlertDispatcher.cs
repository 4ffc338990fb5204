using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Jobs;
using Sigill.Api.Platform.Telemetry;
using Sigill.Api.Features.Audit;

namespace Sigill.Api.Features.Alerts;

/// <summary>
/// The in-product alert dispatcher (docs/adr/0008-alerts-and-several-api-nodes.md). Every <see cref="AlertOptions.EvaluateEvery"/>
/// it takes a fresh <see cref="CellProbe"/> snapshot, judges <see cref="AlertRules"/>, and moves each cell's alerts on:
/// fire → notify the primary contact; unacknowledged → repeat every <see cref="AlertOptions.RepeatEvery"/> and, after
/// <see cref="AlertOptions.EscalateAfter"/>, tell the secondary contact too; condition gone → resolve and say so.
/// Each transition commits with its audit event and its notification jobs in one transaction, guarded by the row's
/// concurrency token, so several API nodes send each notice once. A cell whose database is down cannot hold its own
/// alert: each node then notifies directly and records the alert in the cell once it is back.
/// </summary>
public sealed class AlertDispatcher : BackgroundService
{
    private readonly CellRegistry _cells;
    private readonly CellProbe _probe;
    private readonly AuditLogs _audit;
    private readonly AlertOptions _options;
    private readonly JobOptions _jobs;
    private readonly AlertNotifier _notifier;
    private readonly string _environment;
    private readonly TimeProvider _time;
    private readonly ILogger<AlertDispatcher> _logger;
    private readonly ConcurrentDictionary<string, long> _integrityFailures = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _paymentRefusals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _pendingSince = new(StringComparer.Ordinal);
    private readonly Dictionary<string, UnavailableAlert> _unavailable = new(StringComparer.Ordinal);
    private readonly MeterListener _listener = new();

    public AlertDispatcher(CellRegistry cells, CellProbe probe, AuditLogs audit, AlertOptions options, JobOptions jobs, AlertNotifier notifier,
        ApiTierOptions tier, TimeProvider time, ILogger<AlertDispatcher> logger)
    {
        ArgumentNullException.ThrowIfNull(tier);
        (_cells, _probe, _audit, _options, _jobs, _notifier, _environment, _time, _logger) = (cells, probe, audit, options, jobs, notifier, tier.Environment, time, logger);
        // Refused decryptions are events, counted in process: listen to the counter the metrics export.
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if ((instrument.Meter.Name == Sigill.Crypto.CryptoMetrics.MeterName && instrument.Name == "sigill.crypto.integrity_failures")
                || (instrument.Meter.Name == Platform.Telemetry.SigillMetrics.MeterName && instrument.Name == Platform.Telemetry.SigillMetrics.PaymentsRefusedName))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? region = null, reason = null;
            foreach (var tag in tags)
            {
                region = tag.Key == "region" ? tag.Value as string : region;
                reason = tag.Key == "reason" ? tag.Value?.ToString() : reason;
            }
            if (region is not null && instrument.Name == Platform.Telemetry.SigillMetrics.PaymentsRefusedName)
            {
                _paymentRefusals.AddOrUpdate(region, value, (_, n) => n + value);
            }
            // Reading a shredded organization's data is expected, not an attack (the Prometheus rule excludes it too).
            else if (region is not null && reason != nameof(Sigill.Crypto.CryptoFailureReason.KeyDestroyed))
            {
                _integrityFailures.AddOrUpdate(region, value, (_, n) => n + value);
            }
        });
        _listener.Start();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return; // no Alerts:Primary: the in-product dispatcher is off (Prometheus and Alertmanager may do this job)
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await EvaluateAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The dispatcher must outlive whatever broke this round (a failing background service stops the host).
                AlertLog.EvaluationFailed(_logger, "*", e.GetType().Name);
            }
            try
            {
                await Task.Delay(_options.EvaluateEvery, _time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One evaluation of every cell (what the loop does each period; tests call it on a fake clock).</summary>
    public async Task EvaluateAsync(CancellationToken ct)
    {
        foreach (var status in await _probe.RefreshAsync(ct))
        {
            var cell = _cells.Get(status.Region);
            try
            {
                if (!status.Available)
                {
                    await UnavailableAsync(status, ct);
                    continue;
                }
                if (_unavailable.Remove(status.Region, out var outage))
                {
                    await RecordOutageAsync(cell, outage, ct);
                }
                _pendingSince.Remove(AlertRules.CellUnavailable.Name + "|" + status.Region);
                var sequenced = _audit.TryGet(status.Region, out var log) ? log.LastSequencedAt : null;
                var failures = _integrityFailures.TryRemove(status.Region, out var n) ? n : 0;
                var refusals = _paymentRefusals.TryRemove(status.Region, out var r) ? r : 0;
                await AdvanceAsync(cell, AlertRules.Evaluate(status, sequenced, failures, _options, _time.GetUtcNow(), refusals), ct);
            }
            catch (Exception e) when (e is System.Data.Common.DbException or DbUpdateException or InvalidOperationException or TimeoutException
                or Sigill.Crypto.CryptoIntegrityException or CellUnavailableException)
            {
                AlertLog.EvaluationFailed(_logger, status.Region, e.GetType().Name);
            }
        }
    }

    private async Task AdvanceAsync(Cell cell, IReadOnlyList<Firing> firing, CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        var at = now.UtcDateTime;
        await using var db = cell.CreateDbContext();
        var open = await db.Set<AlertRow>().Where(a => a.OpenKey != null).ToListAsync(ct);
        var firingKeys = firing.Select(f => f.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var key in _pendingSince.Keys.Where(k => RegionOf(k) == cell.Region && !firingKeys.Contains(k)).ToList())
        {
            _pendingSince.Remove(key);
        }
        foreach (var f in firing.Where(f => open.All(a => a.OpenKey != f.Key)))
        {
            var since = _pendingSince.TryGetValue(f.Key, out var first) ? first : _pendingSince[f.Key] = now;
            if (now - since < AlertRules.Get(f.Rule).For)
            {
                continue;
            }
            var row = new AlertRow
            {
                Id = SigillId.New("alr", cell.Region),
                Rule = f.Rule,
                Subject = f.Subject,
                OpenKey = f.Key,
                Summary = f.Summary.Length > 1000 ? f.Summary[..1000] : f.Summary,
                FiredAt = at,
                LastNotifiedAt = at,
                Notifications = 1,
            };
            db.Add(row);
            await RecordAsync(db, cell, row, "alert.fired", AuditActor.System, at, ct);
            await NotifyAsync(db, cell, row, "fired", escalated: false, ct);
            AlertLog.Fired(_logger, row.Id, row.Rule, row.Subject);
        }
        foreach (var row in open)
        {
            var holds = firingKeys.Contains(row.OpenKey!);
            if (!holds && !AlertRules.Get(row.Rule).Latched)
            {
                row.ResolvedAt = at;
                row.OpenKey = null;
                row.Version++;
                await RecordAsync(db, cell, row, "alert.resolved", AuditActor.System, at, ct);
                row.Notifications++;
                await NotifyAsync(db, cell, row, "resolved", row.EscalatedAt is not null, ct);
                AlertLog.Resolved(_logger, row.Id, row.Rule, row.Subject);
            }
            else if (row.AcknowledgedAt is null)
            {
                if (row.EscalatedAt is null && _options.Secondary.IsSet && now - row.FiredAt >= _options.EscalateAfter)
                {
                    row.EscalatedAt = at;
                    row.LastNotifiedAt = at;
                    row.Notifications++;
                    row.Version++;
                    await RecordAsync(db, cell, row, "alert.escalated", AuditActor.System, at, ct);
                    await NotifyAsync(db, cell, row, "escalated", escalated: true, ct, primary: false);
                    AlertLog.Escalated(_logger, row.Id, row.Rule, row.Subject);
                }
                else if (now - row.LastNotifiedAt >= _options.RepeatEvery)
                {
                    row.LastNotifiedAt = at;
                    row.Notifications++;
                    row.Version++;
                    await NotifyAsync(db, cell, row, "repeat", row.EscalatedAt is not null, ct);
                }
            }
        }
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e is DbUpdateConcurrencyException || Platform.Errors.UniqueKey.IsViolation(e))
        {
            // Another API node made the same transition first; the next evaluation starts from its state.
        }
    }

    /// <summary>The region of a <c>rule|subject</c> key (subjects are <c>region</c> or <c>region/queue</c>).</summary>
    private static string RegionOf(string key) => key[(key.IndexOf('|', StringComparison.Ordinal) + 1)..].Split('/')[0];

    /// <summary>Queues the notice for the primary contact (unless <paramref name="primary"/> is false) and, once escalated, the secondary.</summary>
    private async Task NotifyAsync(Sigill.Api.Platform.Persistence.CellDbContext db, Cell cell, AlertRow row, string @event, bool escalated, CancellationToken ct, bool primary = true)
    {
        if (primary)
        {
            await JobQueue.EnqueueAsync(db, cell, AlertNotifyJobHandler.Request(row, @event, "primary"), _time, _jobs, ct);
        }
        if (escalated && _options.Secondary.IsSet)
        {
            await JobQueue.EnqueueAsync(db, cell, AlertNotifyJobHandler.Request(row, @event, "secondary"), _time, _jobs, ct);
        }
    }

    internal static Task RecordAsync(Sigill.Api.Platform.Persistence.CellDbContext db, Cell cell, AlertRow row, string action, AuditActor actor, DateTime at, CancellationToken ct) =>
        AuditRecorder.RecordAsync(db, cell, new AuditEventData(action, null, actor, row.Id,
            new Dictionary<string, string>(StringComparer.Ordinal) { ["rule"] = row.Rule, ["subject"] = row.Subject }), at, ct);

    /// <summary>The cell's database is down: the alert lives in this node's memory and is sent directly.</summary>
    private async Task UnavailableAsync(CellStatus status, CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        var key = AlertRules.CellUnavailable.Name + "|" + status.Region;
        if (!_unavailable.TryGetValue(status.Region, out var outage))
        {
            var since = _pendingSince.TryGetValue(key, out var first) ? first : _pendingSince[key] = now;
            if (now - since < AlertRules.CellUnavailable.For)
            {
                return;
            }
            outage = new UnavailableAlert(SigillId.New("alr", status.Region), status.Problem ?? $"cell '{status.Region}' is unavailable", now);
            _unavailable[status.Region] = outage;
            AlertLog.Fired(_logger, outage.Id, AlertRules.CellUnavailable.Name, status.Region);
            await SendDirectAsync(outage, status.Region, "fired", escalated: false, ct);
        }
        else if (!outage.Escalated && _options.Secondary.IsSet && now - outage.FiredAt >= _options.EscalateAfter)
        {
            outage.Escalated = true;
            await SendDirectAsync(outage, status.Region, "escalated", escalated: true, ct);
        }
        else if (now - outage.LastNotifiedAt >= _options.RepeatEvery)
        {
            await SendDirectAsync(outage, status.Region, "repeat", outage.Escalated, ct);
        }
    }

    private async Task SendDirectAsync(UnavailableAlert outage, string region, string @event, bool escalated, CancellationToken ct)
    {
        outage.LastNotifiedAt = _time.GetUtcNow();
        outage.Notifications++;
        var notice = new AlertNotice(outage.Id, AlertRules.CellUnavailable.Name, region, region,
            outage.Summary + " (this node sends this notice itself: the cell cannot record the alert until it is back)",
            outage.FiredAt.UtcDateTime, @event, outage.Notifications, _environment);
        foreach (var contact in escalated && @event != "escalated" ? [_options.Primary, _options.Secondary] : @event == "escalated" ? new[] { _options.Secondary } : [_options.Primary])
        {
            try
            {
                await _notifier.SendAsync(notice, contact, ct);
            }
            catch (JobFailedException e)
            {
                AlertLog.DirectSendFailed(_logger, outage.Id, e.Message);
            }
        }
    }

    /// <summary>The cell is back: its outage becomes a resolved alert in its own table and audit log, and the contacts hear so.</summary>
    private async Task RecordOutageAsync(Cell cell, UnavailableAlert outage, CancellationToken ct)
    {
        var at = _time.GetUtcNow().UtcDateTime;
        await using var db = cell.CreateDbContext();
        var row = new AlertRow
        {
            Id = outage.Id,
            Rule = AlertRules.CellUnavailable.Name,
            Subject = cell.Region,
            Summary = outage.Summary,
            FiredAt = outage.FiredAt.UtcDateTime,
            LastNotifiedAt = outage.LastNotifiedAt.UtcDateTime,
            Notifications = outage.Notifications + 1,
            EscalatedAt = outage.Escalated ? at : null,
            ResolvedAt = at,
        };
        db.Add(row);
        await RecordAsync(db, cell, row, "alert.fired", AuditActor.System, row.FiredAt, ct);
        await RecordAsync(db, cell, row, "alert.resolved", AuditActor.System, at, ct);
        await NotifyAsync(db, cell, row, "resolved", outage.Escalated, ct);
        await db.SaveChangesAsync(ct);
        AlertLog.Resolved(_logger, row.Id, row.Rule, row.Subject);
    }

    public override void Dispose()
    {
        _listener.Dispose();
        base.Dispose();
    }

    private sealed class UnavailableAlert(string id, string summary, DateTimeOffset firedAt)
    {
        public string Id { get; } = id;
        public string Summary { get; } = summary;
        public DateTimeOffset FiredAt { get; } = firedAt;
        public DateTimeOffset LastNotifiedAt { get; set; } = firedAt;
        public int Notifications { get; set; }
        public bool Escalated { get; set; }
    }
}

