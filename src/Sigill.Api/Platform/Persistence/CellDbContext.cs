using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Sigill.Api.Platform.Persistence;

/// <summary>
/// The one model every region cell uses. A cell never shares a database with another cell; the
/// <see cref="CellRegistry"/> hands out contexts per region. The provider-specific subclasses exist
/// only so that each provider has its own migration set (EF migrations are provider-specific).
/// </summary>
public abstract class CellDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<Platform.Encryption.OrgKeyRow> OrgKeys => Set<Platform.Encryption.OrgKeyRow>();
    public DbSet<Platform.Encryption.OrgKeyUsageRow> OrgKeyUsage => Set<Platform.Encryption.OrgKeyUsageRow>();
    public DbSet<Platform.Encryption.ShredRequestRow> ShredRequests => Set<Platform.Encryption.ShredRequestRow>();
    public DbSet<Platform.Jobs.JobRow> Jobs => Set<Platform.Jobs.JobRow>();

    private Dictionary<string, object>? _readOnce;

    /// <summary>
    /// A value read once per unit of work: the first call with <paramref name="key"/> reads it, later calls in this context
    /// get the same value until the context is disposed (a bulk send's batch sends many documents of one organization in
    /// one context and reads its letterhead and webhook subscriptions once, not once per document). Only for values the
    /// unit of work does not change itself.
    /// </summary>
    internal async Task<T> ReadOnceAsync<T>(string key, Func<Task<T>> read) where T : class
    {
        ArgumentNullException.ThrowIfNull(read);
        if (_readOnce?.GetValueOrDefault(key) is T known) return known;
        var value = await read();
        (_readOnce ??= new Dictionary<string, object>(StringComparer.Ordinal))[key] = value;
        return value;
    }

    public override void Dispose()
    {
        _readOnce = null; // pooled contexts are handed out again: nothing read by one unit of work reaches the next
        base.Dispose();
    }

    public override ValueTask DisposeAsync()
    {
        _readOnce = null;
        return base.DisposeAsync();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(CellDbContext).Assembly);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Every timestamp is UTC. SQLite hands DateTime back as Unspecified; pin the kind on read.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
    }

    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}

public sealed class SqliteCellDbContext(DbContextOptions<SqliteCellDbContext> options) : CellDbContext(options);

public sealed class PostgresCellDbContext(DbContextOptions<PostgresCellDbContext> options) : CellDbContext(options);
