using Microsoft.EntityFrameworkCore;
using Sigill.Api.Persistence;

namespace Sigill.Api.Identity;

/// <summary>
/// Failure counting stored in the cell, so every API node agrees: after <see cref="ThrottleRule.MaxFailures"/>
/// failures within the window the key is blocked for <see cref="ThrottleRule.Block"/> and callers answer 429 with
/// Retry-After. Keys are keyed hashes (of an e-mail whether or not it has an account, of an address), so the
/// throttle behaves the same for unknown accounts and stores no personal data.
/// </summary>
public sealed class Throttle(TimeProvider time)
{
    /// <summary>How long the key stays blocked, or null when it is not.</summary>
    public async Task<TimeSpan?> BlockedAsync(CellDbContext db, string key, CancellationToken ct)
    {
        var row = await db.Set<ThrottleRow>().AsNoTracking().SingleOrDefaultAsync(t => t.Key == key, ct);
        var now = time.GetUtcNow().UtcDateTime;
        return row?.BlockedUntil is { } until && until > now ? until - now : null;
    }

    /// <summary>Counts a failure; returns the block now in force, if this failure started one.</summary>
    public async Task<TimeSpan?> FailAsync(CellDbContext db, string key, ThrottleRule rule, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        for (var attempt = 0; ; attempt++)
        {
            var row = await db.Set<ThrottleRow>().SingleOrDefaultAsync(t => t.Key == key, ct);
            if (row is null)
            {
                row = new ThrottleRow { Key = key, WindowStart = now };
                db.Add(row);
            }
            if (now - row.WindowStart > rule.Window)
            {
                row.WindowStart = now;
                row.Failures = 0;
            }
            row.Failures++;
            if (row.Failures >= rule.MaxFailures)
            {
                row.BlockedUntil = now + rule.Block;
            }
            try
            {
                await db.SaveChangesAsync(ct);
                return row.BlockedUntil is { } until && until > now ? until - now : null;
            }
            catch (DbUpdateException) when (attempt < 2)
            {
                db.ChangeTracker.Clear(); // another node inserted the row first: count again on top of it
            }
        }
    }

    public async Task ResetAsync(CellDbContext db, string key, CancellationToken ct) =>
        await db.Set<ThrottleRow>().Where(t => t.Key == key).ExecuteDeleteAsync(ct);
}
