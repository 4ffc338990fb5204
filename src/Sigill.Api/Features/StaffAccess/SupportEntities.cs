using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Sigill.Api.Features.Organizations;


namespace Sigill.Api.Features.StaffAccess;

/// <summary>
/// A member of the staff who runs the installation. Operators have no standing access to any organization:
/// their credential (<c>sgo_…</c>) opens only the support endpoints, and organization content only under a
/// live <see cref="SupportGrant"/>. Created on the server with <c>sigill operators add</c>.
/// </summary>
public sealed class Operator
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required byte[] SecretHash { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime? DisabledAt { get; set; }
}

/// <summary>
/// Access to one organization for one operator: requested with a justification and a ticket, approved or denied
/// by an organization admin (or, for break-glass, confirmed by a second operator), read-only unless approved
/// otherwise, at most four hours, ended early by revoke. Every request made under it is audited in the
/// organization's own log and listed on its access-transparency page.
/// </summary>
public sealed class SupportGrant
{
    public required string Id { get; init; }
    public required string OrganizationId { get; init; }
    public required string OperatorId { get; init; }
    /// <summary><c>support</c> (approved by the customer) or <c>break_glass</c> (two operators; admins told at once).</summary>
    public required string Kind { get; init; }
    /// <summary>The operator's justification, encrypted under the cell's own key (operators write it before they have any access).</summary>
    public required string JustificationToken { get; init; }
    public required string TicketReference { get; init; }
    /// <summary><c>read</c> (the default) or <c>write</c>.</summary>
    public required string Access { get; init; }
    public required int DurationMinutes { get; init; }
    /// <summary><c>requested</c>, <c>approved</c>, <c>denied</c> or <c>revoked</c>; expiry is read from <see cref="ExpiresAt"/>.</summary>
    public required string Status { get; set; }
    public DateTime RequestedAt { get; init; }
    /// <summary>Who approved, denied or revoked: a user id, or the second operator for break-glass.</summary>
    public string? DecidedBy { get; set; }
    public DateTime? DecidedAt { get; set; }
    public DateTime? ExpiresAt { get; set; }

    public const string JustificationPurpose = "support.justification";

    public bool IsLive(DateTime now) => Status == "approved" && ExpiresAt is { } until && now < until;
}

internal sealed class SupportConfiguration : IEntityTypeConfiguration<Operator>, IEntityTypeConfiguration<SupportGrant>
{
    public void Configure(EntityTypeBuilder<Operator> builder)
    {
        builder.ToTable("operators");
        builder.HasKey(o => o.Id);
        builder.Property(o => o.Id).HasMaxLength(64);
        builder.Property(o => o.Name).HasMaxLength(100);
        builder.HasIndex(o => o.Name).IsUnique();
        builder.Property(o => o.SecretHash).HasMaxLength(32);
    }

    public void Configure(EntityTypeBuilder<SupportGrant> builder)
    {
        builder.ToTable("support_grants");
        builder.HasKey(g => g.Id);
        builder.Property(g => g.Id).HasMaxLength(64);
        builder.Property(g => g.OrganizationId).HasMaxLength(64);
        builder.Property(g => g.OperatorId).HasMaxLength(64);
        builder.Property(g => g.Kind).HasMaxLength(16);
        builder.Property(g => g.JustificationToken).HasMaxLength(4096);
        builder.Property(g => g.TicketReference).HasMaxLength(100);
        builder.Property(g => g.Access).HasMaxLength(8);
        builder.Property(g => g.Status).HasMaxLength(16);
        builder.Property(g => g.DecidedBy).HasMaxLength(64);
        builder.HasIndex(g => g.OrganizationId);
        builder.HasOne<Organization>().WithMany().HasForeignKey(g => g.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Operator>().WithMany().HasForeignKey(g => g.OperatorId).OnDelete(DeleteBehavior.Restrict);
    }
}
