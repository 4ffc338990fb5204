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
