using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Sigill.Api.Features.AccessReviews;

/// <summary>
/// One periodic review of an organization's access (docs/access-reviews.md): every member and every active API token at
/// the moment it started, each with a decision, then an attestation. <see cref="OpenFor"/> holds the organization's id
/// while the review is open and null once attested; its unique index lets one review be open per organization, on both
/// providers, whoever races to start one.
/// </summary>
public sealed class AccessReview
{
    public required string Id { get; init; }
    public required string OrganizationId { get; init; }
    public string? OpenFor { get; set; }
    /// <summary><c>open</c> or <c>attested</c>.</summary>
    public required string Status { get; set; }
    public DateTime StartedAt { get; init; }
    public required string StartedBy { get; init; }
    public DateTime? AttestedAt { get; set; }
    public string? AttestedBy { get; set; }

    public const string Open = "open";
    public const string Attested = "attested";
}

/// <summary>
/// A member (<see cref="SubjectId"/> is the user id, <see cref="RoleAtStart"/> their role then) or a token (the token id)
/// under review, and what the reviewer decided: <c>keep</c>, <c>change</c> (members only, to <see cref="NewRole"/>) or
/// <c>revoke</c> (a member is removed, a token revoked). Decisions take effect when the review is attested.
/// </summary>
public sealed class AccessReviewItem
{
    public required string Id { get; init; }
    public required string ReviewId { get; init; }
    public required string OrganizationId { get; init; }
    /// <summary><c>member</c> or <c>token</c>.</summary>
    public required string Kind { get; init; }
    public required string SubjectId { get; init; }
    public string? RoleAtStart { get; init; }
    public string? Decision { get; set; }
    public string? NewRole { get; set; }
    public DateTime? DecidedAt { get; set; }
    public string? DecidedBy { get; set; }

    public const string Member = "member";
    public const string Token = "token";
    public const string Keep = "keep";
    public const string Change = "change";
    public const string Revoke = "revoke";
}

internal sealed class AccessReviewConfiguration : IEntityTypeConfiguration<AccessReview>
{
    public void Configure(EntityTypeBuilder<AccessReview> builder)
    {
        builder.ToTable("access_reviews");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).HasMaxLength(64);
        builder.Property(r => r.OrganizationId).HasMaxLength(64);
        builder.Property(r => r.OpenFor).HasMaxLength(64);
        builder.Property(r => r.Status).HasMaxLength(16);
        builder.Property(r => r.StartedBy).HasMaxLength(64);
        builder.Property(r => r.AttestedBy).HasMaxLength(64);
        builder.HasIndex(r => new { r.OrganizationId, r.StartedAt });
        builder.HasIndex(r => r.OpenFor).IsUnique();
        builder.HasOne<Organizations.Organization>().WithMany().HasForeignKey(r => r.OrganizationId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class AccessReviewItemConfiguration : IEntityTypeConfiguration<AccessReviewItem>
{
    public void Configure(EntityTypeBuilder<AccessReviewItem> builder)
    {
        builder.ToTable("access_review_items");
        builder.HasKey(i => i.Id);
        builder.Property(i => i.Id).HasMaxLength(64);
        builder.Property(i => i.ReviewId).HasMaxLength(64);
        builder.Property(i => i.OrganizationId).HasMaxLength(64);
        builder.Property(i => i.Kind).HasMaxLength(16);
        builder.Property(i => i.SubjectId).HasMaxLength(64);
        builder.Property(i => i.RoleAtStart).HasMaxLength(16);
        builder.Property(i => i.Decision).HasMaxLength(16);
        builder.Property(i => i.NewRole).HasMaxLength(16);
        builder.Property(i => i.DecidedBy).HasMaxLength(64);
        builder.HasIndex(i => i.ReviewId);
        builder.HasOne<AccessReview>().WithMany().HasForeignKey(i => i.ReviewId).OnDelete(DeleteBehavior.Cascade);
    }
}
