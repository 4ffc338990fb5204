using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Sigill.Api.Features.Organizations;

namespace Sigill.Api.Identity;

/// <summary>
/// A person who signs in. Users live in one region cell and may belong to several organizations there.
/// Personal data is encrypted under the user's own key (owner = the user id), so erasing a user is
/// crypto-shredding that key. <see cref="EmailHash"/> is the directory hash (<see cref="Directory"/>),
/// the only form of the address that can be looked up.
/// </summary>
public sealed class User
{
    public required string Id { get; init; }
    public required string EmailHash { get; set; }
    public required string EmailToken { get; set; }
    public required string NameToken { get; set; }
    /// <summary>PHC string (Argon2id); null for accounts that sign in only through single sign-on.</summary>
    public string? PasswordHash { get; set; }
    public DateTime CreatedAt { get; init; }
    /// <summary>The TOTP secret, encrypted; set when enrolment starts, active once <see cref="TotpEnabledAt"/> is set.</summary>
    public string? TotpSecretToken { get; set; }
    public DateTime? TotpEnabledAt { get; set; }
    /// <summary>The last TOTP time step accepted: a code is never accepted twice.</summary>
    public long TotpLastStep { get; set; }
    /// <summary>Space-separated hex SHA-256 of the unused recovery codes.</summary>
    public string RecoveryCodeHashes { get; set; } = "";

    public const string EmailPurpose = "user.email";
    public const string NamePurpose = "user.name";
    public const string TotpPurpose = "user.totp";
}

/// <summary>A user's role in an organization. The e-mail is kept here under the organization's key for member lists.</summary>
public sealed class Membership
{
    public required string OrganizationId { get; init; }
    public required string UserId { get; init; }
    public required string Role { get; set; }
    public required string EmailToken { get; set; }
    public required string NameToken { get; set; }
    public DateTime CreatedAt { get; init; }

    public const string EmailPurpose = "member.email";
    public const string NamePurpose = "member.name";
}

/// <summary>A browser session (held by the web tier in a cookie) or the pending step of a sign-in with a second factor.</summary>
public sealed class Session
{
    public required string Id { get; init; }
    public required string UserId { get; init; }
    /// <summary>The organization the session acts in (users may switch among their memberships).</summary>
    public required string OrganizationId { get; set; }
    public required byte[] SecretHash { get; init; }
    /// <summary><c>password</c>, <c>password+totp</c>, <c>password+recovery</c> or <c>sso</c>.</summary>
    public required string Method { get; init; }
    /// <summary>"ip · user agent" at sign-in, encrypted under the user's key, shown in the session list.</summary>
    public string? ClientToken { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime LastSeenAt { get; set; }
    public DateTime ExpiresAt { get; init; }
    public DateTime? RevokedAt { get; set; }

    public const string ClientPurpose = "session.client";
}

/// <summary>The step between a correct password and the second factor: expires in minutes, allows a few attempts.</summary>
public sealed class SignInChallenge
{
    public required string Id { get; init; }
    public required string UserId { get; init; }
    public required string OrganizationId { get; init; }
    public required byte[] SecretHash { get; init; }
    public DateTime ExpiresAt { get; init; }
    public int FailedAttempts { get; set; }
}

/// <summary>An invitation to join an organization with a role; accepted through a one-time link.</summary>
public sealed class Invitation
{
    public required string Id { get; init; }
    public required string OrganizationId { get; init; }
    public required string EmailHash { get; init; }
    public required string EmailToken { get; init; }
    public required string Role { get; init; }
    public required byte[] SecretHash { get; init; }
    public required string InvitedBy { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime ExpiresAt { get; init; }
    public DateTime? AcceptedAt { get; set; }
    public DateTime? RevokedAt { get; set; }

    public const string EmailPurpose = "invitation.email";
}

/// <summary>
/// A failure counter for a key (a directory hash of an e-mail, a keyed hash of an IP, a user's second factor):
/// stored in the cell so that every API node sees the same counts. Keys are hashes, never personal data.
/// </summary>
public sealed class ThrottleRow
{
    public required string Key { get; init; }
    public DateTime WindowStart { get; set; }
    public int Failures { get; set; }
    public DateTime? BlockedUntil { get; set; }
}

internal sealed class IdentityConfiguration :
    IEntityTypeConfiguration<User>, IEntityTypeConfiguration<Membership>, IEntityTypeConfiguration<Session>,
    IEntityTypeConfiguration<SignInChallenge>, IEntityTypeConfiguration<Invitation>, IEntityTypeConfiguration<ThrottleRow>
{
    public void Configure(EntityTypeBuilder<User> builder)
    {
        builder.ToTable("users");
        builder.HasKey(u => u.Id);
        builder.Property(u => u.Id).HasMaxLength(64);
        builder.Property(u => u.EmailHash).HasMaxLength(64);
        builder.HasIndex(u => u.EmailHash).IsUnique();
        builder.Property(u => u.EmailToken).HasMaxLength(2048);
        builder.Property(u => u.NameToken).HasMaxLength(2048);
        builder.Property(u => u.PasswordHash).HasMaxLength(256);
        builder.Property(u => u.TotpSecretToken).HasMaxLength(2048);
        builder.Property(u => u.RecoveryCodeHashes).HasMaxLength(1024);
    }

    public void Configure(EntityTypeBuilder<Membership> builder)
    {
        builder.ToTable("memberships");
        builder.HasKey(m => new { m.OrganizationId, m.UserId });
        builder.Property(m => m.OrganizationId).HasMaxLength(64);
        builder.Property(m => m.UserId).HasMaxLength(64);
        builder.Property(m => m.Role).HasMaxLength(16);
        builder.Property(m => m.EmailToken).HasMaxLength(2048);
        builder.Property(m => m.NameToken).HasMaxLength(2048);
        builder.HasIndex(m => m.UserId);
        builder.HasOne<Organization>().WithMany().HasForeignKey(m => m.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<User>().WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<Session> builder)
    {
        builder.ToTable("sessions");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).HasMaxLength(64);
        builder.Property(s => s.UserId).HasMaxLength(64);
        builder.Property(s => s.OrganizationId).HasMaxLength(64);
        builder.Property(s => s.SecretHash).HasMaxLength(32);
        builder.Property(s => s.Method).HasMaxLength(32);
        builder.Property(s => s.ClientToken).HasMaxLength(2048);
        builder.HasIndex(s => s.UserId);
        builder.HasOne<User>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<SignInChallenge> builder)
    {
        builder.ToTable("sign_in_challenges");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Id).HasMaxLength(64);
        builder.Property(c => c.UserId).HasMaxLength(64);
        builder.Property(c => c.OrganizationId).HasMaxLength(64);
        builder.Property(c => c.SecretHash).HasMaxLength(32);
        builder.HasOne<User>().WithMany().HasForeignKey(c => c.UserId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<Invitation> builder)
    {
        builder.ToTable("invitations");
        builder.HasKey(i => i.Id);
        builder.Property(i => i.Id).HasMaxLength(64);
        builder.Property(i => i.OrganizationId).HasMaxLength(64);
        builder.Property(i => i.EmailHash).HasMaxLength(64);
        builder.Property(i => i.EmailToken).HasMaxLength(2048);
        builder.Property(i => i.Role).HasMaxLength(16);
        builder.Property(i => i.SecretHash).HasMaxLength(32);
        builder.Property(i => i.InvitedBy).HasMaxLength(64);
        builder.HasIndex(i => i.OrganizationId);
        builder.HasOne<Organization>().WithMany().HasForeignKey(i => i.OrganizationId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<ThrottleRow> builder)
    {
        builder.ToTable("throttles");
        builder.HasKey(t => t.Key);
        builder.Property(t => t.Key).HasMaxLength(100);
    }
}
