using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Features.Audit;

namespace Sigill.Api.Features.Alerts;

/// <summary>Operator actions on stored alerts (<c>sigill alerts list|ack</c>).</summary>
public static class AlertStore
{
    public static async Task<IReadOnlyList<AlertRow>> ListAsync(Cell cell, bool all, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cell);
        await using var db = cell.CreateDbContext();
        var query = db.Set<AlertRow>().AsNoTracking();
        if (!all)
        {
            query = query.Where(a => a.OpenKey != null || a.AcknowledgedAt == null);
        }
        return await query.OrderByDescending(a => a.FiredAt).Take(all ? 500 : 100).ToListAsync(ct);
    }

    /// <summary>
    /// Every alert fired in [<paramref name="from"/>, <paramref name="to"/>), oldest first, however many: the period is
    /// selected in the query (compliance evidence of a past period; <see cref="ListAsync"/> keeps only the newest).
    /// </summary>
    public static async Task<IReadOnlyList<AlertRow>> FiredInAsync(Cell cell, DateTime from, DateTime to, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cell);
        await using var db = cell.CreateDbContext();
        return await db.Set<AlertRow>().AsNoTracking().Where(a => a.FiredAt >= from && a.FiredAt < to)
            .OrderBy(a => a.FiredAt).ThenBy(a => a.Id).ToListAsync(ct);
    }

    /// <summary>Stops the repeats and the escalation of an alert (and closes a latched one); false when there is no such alert. Audited.</summary>
    public static async Task<AlertRow?> AcknowledgeAsync(Cell cell, string alertId, string by, TimeProvider time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cell);
        ArgumentNullException.ThrowIfNull(time);
        for (var attempt = 0; ; attempt++)
        {
            await using var db = cell.CreateDbContext();
            var row = await db.Set<AlertRow>().SingleOrDefaultAsync(a => a.Id == alertId, ct);
            if (row is null || row.AcknowledgedAt is not null)
            {
                return row;
            }
            var at = time.GetUtcNow().UtcDateTime;
            row.AcknowledgedAt = at;
            row.AcknowledgedBy = by.Length > 100 ? by[..100] : by;
            row.Version++;
            if (AlertRules.Get(row.Rule).Latched && row.ResolvedAt is null)
            {
                row.ResolvedAt = at;
                row.OpenKey = null;
            }
            await AlertDispatcher.RecordAsync(db, cell, row, "alert.acknowledged", new AuditActor("operator:" + row.AcknowledgedBy, null), at, ct);
            try
            {
                await db.SaveChangesAsync(ct);
                return row;
            }
            catch (DbUpdateConcurrencyException) when (attempt < 5)
            {
                // The dispatcher moved the alert on meanwhile (a repeat); read it again.
            }
        }
    }
}
