using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Persistence;
using Sigill.Crypto;

namespace Sigill.Api.Platform.Encryption;

/// <summary>
/// The key manager's persistence on the cell database. Every method uses a short-lived context of its
/// own, so key bookkeeping never rides along in (or rolls back with) a caller's unit of work.
/// </summary>
internal sealed class EfOrgKeyStore(Func<CellDbContext> createContext) : IOrgKeyStore
{
    public async Task<IReadOnlyList<OrgKeyRecord>> GetKeysAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        await using var db = createContext();
        var rows = await db.OrgKeys.AsNoTracking().Where(k => k.OrganizationId == organizationId)
            .OrderBy(k => k.Kind).ThenBy(k => k.Version).ToListAsync(cancellationToken);
        return [.. rows.Select(ToRecord)];
    }

    public async Task AddKeyAsync(OrgKeyRecord record, CancellationToken cancellationToken = default)
    {
        await using var db = createContext();
        db.OrgKeys.Add(new OrgKeyRow
        {
            OrganizationId = record.OrganizationId,
            Kind = (int)record.Kind,
            Version = record.Version,
            RootKeyId = record.RootKeyId,
            ErasureKeyId = record.ErasureKeyId,
            WrappedKey = record.WrappedKey.ToArray(),
            CreatedAt = record.CreatedAt.UtcDateTime,
        });
        await db.SaveChangesAsync(cancellationToken); // the primary key makes a concurrent duplicate fail
    }

    public async Task<bool> ReplaceWrappedKeyAsync(string organizationId, OrgKeyKind kind, int version, string expectedRootKeyId, string newRootKeyId, ReadOnlyMemory<byte> newWrappedKey, CancellationToken cancellationToken = default)
    {
        await using var db = createContext();
        var wrapped = newWrappedKey.ToArray();
        var changed = await db.OrgKeys
            .Where(k => k.OrganizationId == organizationId && k.Kind == (int)kind && k.Version == version && k.RootKeyId == expectedRootKeyId)
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.RootKeyId, newRootKeyId).SetProperty(k => k.WrappedKey, wrapped), cancellationToken);
        return changed == 1;
    }

    public async Task<long> ReserveUsageAsync(string organizationId, int version, long count, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var db = createContext();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var updated = await db.OrgKeyUsage.Where(u => u.OrganizationId == organizationId && u.Version == version)
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.Uses, u => u.Uses + count), cancellationToken);
            if (updated == 0)
            {
                db.OrgKeyUsage.Add(new OrgKeyUsageRow { OrganizationId = organizationId, Version = version, Uses = count });
                try
                {
                    await db.SaveChangesAsync(cancellationToken);
                }
                catch (DbUpdateException) when (attempt < 3)
                {
                    continue; // another node inserted the counter first: add to it instead
                }
            }
            // Our update holds the row lock until commit, so this read sees exactly our total.
            var total = await db.OrgKeyUsage.Where(u => u.OrganizationId == organizationId && u.Version == version)
                .Select(u => u.Uses).SingleAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return total;
        }
    }

    public async Task<long> GetUsageAsync(string organizationId, int version, CancellationToken cancellationToken = default)
    {
        await using var db = createContext();
        return await db.OrgKeyUsage.Where(u => u.OrganizationId == organizationId && u.Version == version)
            .Select(u => (long?)u.Uses).SingleOrDefaultAsync(cancellationToken) ?? 0;
    }

    public async Task<IReadOnlyList<string>> ListOrganizationsAsync(string? afterOrganizationId, int take, CancellationToken cancellationToken = default)
    {
        // The contract is ordinal order, and database collations differ (PostgreSQL's may be linguistic):
        // page over the distinct ids in memory. One id per organization keeps this small.
        await using var db = createContext();
        var ids = await db.OrgKeys.AsNoTracking().Select(k => k.OrganizationId).Distinct().ToListAsync(cancellationToken);
        return [.. ids.Where(o => afterOrganizationId is null || string.CompareOrdinal(o, afterOrganizationId) > 0)
            .Order(StringComparer.Ordinal).Take(take)];
    }

    public async Task DeleteKeysAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        await using var db = createContext();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.OrgKeys.Where(k => k.OrganizationId == organizationId).ExecuteDeleteAsync(cancellationToken);
        await db.OrgKeyUsage.Where(u => u.OrganizationId == organizationId).ExecuteDeleteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<ShredRecord?> GetShredAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        await using var db = createContext();
        var row = await db.ShredRequests.AsNoTracking().SingleOrDefaultAsync(s => s.OrganizationId == organizationId, cancellationToken);
        return row is null ? null : ToRecord(row);
    }

    public async Task SaveShredAsync(ShredRecord record, CancellationToken cancellationToken = default)
    {
        await using var db = createContext();
        var row = await db.ShredRequests.SingleOrDefaultAsync(s => s.OrganizationId == record.OrganizationId, cancellationToken);
        if (row is null)
        {
            row = new ShredRequestRow { OrganizationId = record.OrganizationId };
            db.ShredRequests.Add(row);
        }
        row.RequestedAt = record.RequestedAt.UtcDateTime;
        row.DueAt = record.DueAt.UtcDateTime;
        row.ExecutedAt = record.ExecutedAt?.UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task<bool> RemoveShredAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        await using var db = createContext();
        return await db.ShredRequests.Where(s => s.OrganizationId == organizationId && s.ExecutedAt == null).ExecuteDeleteAsync(cancellationToken) == 1;
    }

    public async Task<IReadOnlyList<ShredRecord>> ListDueShredsAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var db = createContext();
        var cutoff = now.UtcDateTime;
        var rows = await db.ShredRequests.AsNoTracking().Where(s => s.ExecutedAt == null && s.DueAt <= cutoff).ToListAsync(cancellationToken);
        return [.. rows.Select(ToRecord)];
    }

    public async Task<IReadOnlyList<ShredRecord>> ListShredsAsync(CancellationToken cancellationToken = default)
    {
        await using var db = createContext();
        var rows = await db.ShredRequests.AsNoTracking().ToListAsync(cancellationToken);
        return [.. rows.OrderBy(r => r.OrganizationId, StringComparer.Ordinal).Select(ToRecord)];
    }

    private static OrgKeyRecord ToRecord(OrgKeyRow row) =>
        new(row.OrganizationId, (OrgKeyKind)row.Kind, row.Version, row.RootKeyId, row.ErasureKeyId, row.WrappedKey, new DateTimeOffset(row.CreatedAt, TimeSpan.Zero));

    private static ShredRecord ToRecord(ShredRequestRow row) =>
        new(row.OrganizationId, new DateTimeOffset(row.RequestedAt, TimeSpan.Zero), new DateTimeOffset(row.DueAt, TimeSpan.Zero),
            row.ExecutedAt is { } executed ? new DateTimeOffset(executed, TimeSpan.Zero) : null);
}
