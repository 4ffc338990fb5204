using System.Net;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Features.Audit;


namespace Sigill.Api.Features.Accounts;

/// <summary>
/// Attempt counters with growing delays (ADR 0011), stored in the cell so that every API node sees the same counts.
/// An attempt is reserved before the work it guards (a password or code check): one compare-and-swap on the counter
/// row, so a burst of parallel attempts cannot slip through between a check and a count. Whoever succeeds gives the
/// reservation back (<see cref="ForgetAsync"/>, <see cref="GiveBackAsync"/>). Keys are keyed hashes (of an e-mail
/// whether or not it has an account, of a client address), so the throttle stores no personal data and behaves the
/// same for accounts that do not exist. Each call uses its own database context: a reservation stands even when the
/// request's own transaction rolls back.
/// </summary>
public sealed class Throttle(Directory directory, TimeProvider time)
{
    /// <summary>Counters untouched for this long are deleted whenever a new one is made; every rule forgets sooner.</summary>
    private static readonly TimeSpan Horizon = TimeSpan.FromDays(7);

    /// <summary>
    /// A stored time may come back a hair later than it was (PostgreSQL keeps microseconds and rounds): a "wait until"
    /// of now must not refuse a parallel attempt that reads it a moment later.
    /// </summary>
    private static readonly TimeSpan Precision = TimeSpan.FromMilliseconds(1);

    /// <summary>Reserves one attempt: null when it may go ahead, otherwise how long to wait.</summary>
    public async Task<TimeSpan?> TryReserveAsync(Cell cell, string key, BackoffRule rule, CancellationToken ct)
    {
        await using var db = cell.CreateDbContext();
        for (var round = 0; round < 8; round++)
        {
            var row = await db.Set<ThrottleRow>().SingleOrDefaultAsync(t => t.Key == key, ct);
            // The clock is read after the row: a parallel attempt may commit its "wait until now" between a clock read
            // and a slow query, and that moment would then look like the future (two racing sign-ups got a 429).
            var now = time.GetUtcNow().UtcDateTime;
            if (row is null)
            {
                row = new ThrottleRow { Key = key };
                db.Add(row);
                await db.Set<ThrottleRow>().Where(t => t.LastAt < now - Horizon).ExecuteDeleteAsync(ct);
            }
            else if (now - row.LastAt >= rule.Forget)
            {
                row.Count = 0;
            }
            else if (row.NextAt - now > Precision)
            {
                return row.NextAt - now;
            }
            row.Count++;
            row.LastAt = now;
            row.NextAt = now + rule.DelayAfter(row.Count);
            try
            {
                await db.SaveChangesAsync(ct); // the count is a concurrency token: a parallel reservation makes this one count again
                return null;
            }
            catch (DbUpdateException)
            {
                db.ChangeTracker.Clear();
            }
        }
        return rule.First; // the key is contended this very moment: refuse rather than let a burst through uncounted
    }

    /// <summary>Gives one reservation back (a success that must not count against a shared counter).</summary>
    public async Task GiveBackAsync(Cell cell, string key, BackoffRule rule, CancellationToken ct)
    {
        await using var db = cell.CreateDbContext();
        for (var round = 0; round < 8; round++)
        {
            var row = await db.Set<ThrottleRow>().SingleOrDefaultAsync(t => t.Key == key, ct);
            if (row is null || row.Count == 0)
            {
                return;
            }
            row.Count--;
            var next = row.LastAt + rule.DelayAfter(row.Count);
            row.NextAt = next < row.NextAt ? next : row.NextAt;
            try
            {
                await db.SaveChangesAsync(ct);
                return;
            }
            catch (DbUpdateException)
            {
                db.ChangeTracker.Clear();
            }
        }
    }

    /// <summary>Forgets a counter altogether (the owner of that account and source proved themself).</summary>
    public async Task ForgetAsync(Cell cell, string key, CancellationToken ct)
    {
        await using var db = cell.CreateDbContext();
        await db.Set<ThrottleRow>().Where(t => t.Key == key).ExecuteDeleteAsync(ct);
    }

    /// <summary>Whether the account signed in from this source within <paramref name="lifetime"/>.</summary>
    public async Task<bool> IsKnownAsync(Cell cell, string accountKey, string source, TimeSpan lifetime, CancellationToken ct)
    {
        await using var db = cell.CreateDbContext();
        var key = KnownKey(accountKey, source);
        var seen = await db.Set<KnownSource>().Where(k => k.Key == key).Select(k => (DateTime?)k.SeenAt).SingleOrDefaultAsync(ct);
        return seen is { } at && time.GetUtcNow().UtcDateTime - at < lifetime;
    }

    /// <summary>Records that the account signed in from this source: from now on the account's ceiling does not slow it.</summary>
    public async Task RememberAsync(Cell cell, string accountKey, string source, CancellationToken ct)
    {
        await using var db = cell.CreateDbContext();
        var key = KnownKey(accountKey, source);
        var now = time.GetUtcNow().UtcDateTime;
        if (await db.Set<KnownSource>().Where(k => k.Key == key).ExecuteUpdateAsync(u => u.SetProperty(k => k.SeenAt, now), ct) == 0)
        {
            db.Add(new KnownSource { Key = key, SeenAt = now });
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                // Another sign-in from the same source recorded it a moment ago.
            }
        }
    }

    /// <summary>The account part of a key: the directory hash of the e-mail (the same for an address with no account).</summary>
    public string AccountKey(string email) => directory.EmailHash(email)[..40];

    public static string AccountKeyOf(User user) => user.EmailHash[..40];

    /// <summary>
    /// Where an attempt comes from: the client address the web tier forwarded, an IPv6 address by its /64 (one
    /// subscriber's prefix, or rotating addresses would each get a fresh budget), IPv4-mapped IPv6 as IPv4.
    /// </summary>
    public static string SourceOf(HttpContext http) =>
        AuditActor.From(http, "-").Ip is { } ip && IPAddress.TryParse(ip, out var address) ? Sigill.Http.ClientAddress.KeyOf(address) : "none";

    /// <summary>A counter's key: its purpose and a keyed hash of what it counts (no address or e-mail in clear).</summary>
    public string Key(string purpose, params string[] parts) => directory.ThrottleKey(purpose, string.Join('\n', parts));

    private string KnownKey(string accountKey, string source) => directory.ThrottleKey("known", accountKey + "\n" + source);
}
