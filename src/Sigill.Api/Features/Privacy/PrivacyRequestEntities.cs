using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Sigill.Api.Platform.Persistence;

namespace Sigill.Api.Features.Privacy;

/// <summary>
/// A request from a data subject to one organization (ADR 0016): access, erasure or rectification, received through the
/// public form (after the address was confirmed) or entered by an admin. The requester's address is a field token under
/// the organization's key with the recipients' blind index beside it, so it is found like a recipient and read only in
/// the API tier. The statutory deadline is <see cref="ReceivedAt"/> + 30 days.
/// </summary>
public sealed class PrivacyRequest
{
    public required string Id { get; init; }
    public required string OrganizationId { get; init; }
    /// <summary><c>access</c>, <c>erasure</c> or <c>rectification</c>.</summary>
    public required string Type { get; init; }
    /// <summary><c>open</c>, <c>in_progress</c>, <c>completed</c> or <c>refused</c>.</summary>
    public required string Status { get; set; }
    /// <summary><c>form</c> (the public form, address confirmed) or <c>manual</c> (entered by an admin).</summary>
    public required string Source { get; init; }
    public required string EmailToken { get; init; }
    /// <summary>Blind index of the normalized address (purpose <c>recipient.email</c>, as the recipients').</summary>
    public required string EmailIndex { get; init; }
    public string? MessageToken { get; init; }
    public DateTime ReceivedAt { get; init; }
    public DateTime DueAt { get; init; }

    public const string EmailPurpose = "privacy_request.email";
    public const string MessagePurpose = "privacy_request.message";
    public static readonly TimeSpan StatutoryPeriod = TimeSpan.FromDays(30);
    public static readonly string[] Types = ["access", "erasure", "rectification"];
}

/// <summary>One thing done about a request: the status it moved to, a note (encrypted: it may name people), who and when.</summary>
public sealed class PrivacyRequestAction
{
    public required string Id { get; init; }
    public required string RequestId { get; init; }
    public required string OrganizationId { get; init; }
    public required string Status { get; init; }
    public string? NoteToken { get; init; }
    public required string ActorId { get; init; }
    public DateTime At { get; init; }

    public const string NotePurpose = "privacy_request.note";
    public static readonly string[] Statuses = ["open", "in_progress", "completed", "refused"];
}

/// <summary>
/// A form submission waiting for its e-mailed link (<c>sgq_{region}_…</c>, only its hash stored). It holds the address and
/// message encrypted under a key of its own (its id), and nothing is looked up until the link is followed.
/// </summary>
public sealed class PendingPrivacyRequest
{
    public required string Id { get; init; }
    public required string Type { get; init; }
    public required string EmailToken { get; init; }
    public string? MessageToken { get; init; }
    public required byte[] SecretHash { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime ExpiresAt { get; init; }
}

internal sealed class PrivacyRequestConfiguration : IEntityTypeConfiguration<PrivacyRequest>, IEntityTypeConfiguration<PrivacyRequestAction>,
    IEntityTypeConfiguration<PendingPrivacyRequest>
{
    public void Configure(EntityTypeBuilder<PrivacyRequest> builder)
    {
        builder.ToTable("privacy_requests");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).HasMaxLength(64);
        builder.Property(r => r.OrganizationId).HasMaxLength(64);
        builder.Property(r => r.Type).HasMaxLength(16);
        builder.Property(r => r.Status).HasMaxLength(16);
        builder.Property(r => r.Source).HasMaxLength(16);
        builder.Property(r => r.EmailIndex).HasMaxLength(128);
        builder.HasIndex(r => new { r.OrganizationId, r.ReceivedAt });
        builder.HasIndex(r => new { r.OrganizationId, r.EmailIndex });
    }

    public void Configure(EntityTypeBuilder<PrivacyRequestAction> builder)
    {
        builder.ToTable("privacy_request_actions");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Id).HasMaxLength(64);
        builder.Property(a => a.RequestId).HasMaxLength(64);
        builder.Property(a => a.OrganizationId).HasMaxLength(64);
        builder.Property(a => a.Status).HasMaxLength(16);
        builder.Property(a => a.ActorId).HasMaxLength(128);
        builder.HasIndex(a => new { a.OrganizationId, a.RequestId });
    }

    public void Configure(EntityTypeBuilder<PendingPrivacyRequest> builder)
    {
        builder.ToTable("pending_privacy_requests");
        builder.HasKey(p => p.Id);
        builder.Property(p => p.Id).HasMaxLength(64);
        builder.Property(p => p.Type).HasMaxLength(16);
        builder.HasIndex(p => p.ExpiresAt);
    }
}

/// <summary>This feature's tables on a cell's context.</summary>
public static class PrivacyRequestsData
{
    extension(CellDbContext db)
    {
        public DbSet<PrivacyRequest> PrivacyRequests => db.Set<PrivacyRequest>();
        public DbSet<PrivacyRequestAction> PrivacyRequestActions => db.Set<PrivacyRequestAction>();
        public DbSet<PendingPrivacyRequest> PendingPrivacyRequests => db.Set<PendingPrivacyRequest>();
    }
}
