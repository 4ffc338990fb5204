using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Sigill.Api.Features.ApiTokens;
using Sigill.Api.Features.Organizations;

namespace Sigill.Api.Platform.Persistence;

/// <summary>
/// The one model every region cell uses. A cell never shares a database with another cell; the
/// <see cref="CellRegistry"/> hands out contexts per region. The provider-specific subclasses exist
/// only so that each provider has its own migration set (EF migrations are provider-specific).
/// </summary>
public abstract class CellDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<Organization> Organizations => Set<Organization>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<Features.Accounts.User> Users => Set<Features.Accounts.User>();
    public DbSet<Features.Accounts.Membership> Memberships => Set<Features.Accounts.Membership>();
    public DbSet<Features.Accounts.Session> Sessions => Set<Features.Accounts.Session>();
    public DbSet<Features.Accounts.Invitation> Invitations => Set<Features.Accounts.Invitation>();
    public DbSet<Features.StaffAccess.Operator> Operators => Set<Features.StaffAccess.Operator>();
    public DbSet<Features.StaffAccess.SupportGrant> SupportGrants => Set<Features.StaffAccess.SupportGrant>();
    public DbSet<Platform.Encryption.OrgKeyRow> OrgKeys => Set<Platform.Encryption.OrgKeyRow>();
    public DbSet<Platform.Encryption.OrgKeyUsageRow> OrgKeyUsage => Set<Platform.Encryption.OrgKeyUsageRow>();
    public DbSet<Platform.Encryption.ShredRequestRow> ShredRequests => Set<Platform.Encryption.ShredRequestRow>();
    public DbSet<Platform.Jobs.JobRow> Jobs => Set<Platform.Jobs.JobRow>();
    public DbSet<Features.Documents.Document> Documents => Set<Features.Documents.Document>();
    public DbSet<Features.Documents.Recipient> Recipients => Set<Features.Documents.Recipient>();
    public DbSet<Features.Documents.DocumentField> DocumentFields => Set<Features.Documents.DocumentField>();
    public DbSet<Features.Documents.DocumentEventRow> DocumentEvents => Set<Features.Documents.DocumentEventRow>();
    public DbSet<Features.Templates.Template> Templates => Set<Features.Templates.Template>();
    public DbSet<Features.Templates.ContentBlock> ContentBlocks => Set<Features.Templates.ContentBlock>();
    public DbSet<Features.Signing.CellCertificateAuthority> CellCertificateAuthorities => Set<Features.Signing.CellCertificateAuthority>();
    public DbSet<Features.Signing.OrganizationSigningKey> OrganizationSigningKeys => Set<Features.Signing.OrganizationSigningKey>();
    public DbSet<Features.Webhooks.WebhookSubscription> WebhookSubscriptions => Set<Features.Webhooks.WebhookSubscription>();
    public DbSet<Features.Webhooks.WebhookDelivery> WebhookDeliveries => Set<Features.Webhooks.WebhookDelivery>();

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
