using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Sigill.Api.Features.Organizations;


namespace Sigill.Api.Features.Accounts;

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
    /// <summary>Wrong codes given for the pending key; past <see cref="SecondFactors.PendingAttempts"/> the key is dropped.</summary>
    public int TotpPendingFailures { get; set; }
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
    /// <summary>The sender notices this member switched off, space-separated (<c>viewed signed declined completed expired</c>).</summary>
    public string MutedNotices { get; set; } = "";

    /// <summary>The e-mails about documents they sent that a member can switch off.</summary>
    public static readonly IReadOnlyList<string> NoticeKinds = ["viewed", "signed", "declined", "completed", "expired"];

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
    /// <summary>
    /// How the person proved who they are: <c>password</c>, <c>sso</c> or <c>email-link</c> (a verified sign-up), with
    /// <c>+totp</c> or <c>+recovery</c> when a second factor was given too (<see cref="SignIns"/>).
    /// </summary>
    public required string Method { get; set; }
    /// <summary>"ip · user agent" at sign-in, encrypted under the user's key, shown in the session list.</summary>
    public string? ClientToken { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime LastSeenAt { get; set; }
    public DateTime ExpiresAt { get; init; }
    public DateTime? RevokedAt { get; set; }
    /// <summary>
    /// Set for a session opened by an embedded sending URL (Features/Embedding/EmbedSending): it may act on this one
    /// document only (<c>/api/v1/documents/{DocumentId}…</c>, deny by default), never on the account or anything else.
    /// </summary>
    public string? DocumentId { get; init; }

    public const string ClientPurpose = "session.client";
}

/// <summary>
/// The step between a first factor (a password, an identity provider) and the second: expires in minutes, allows a
/// few attempts. It remembers where the session will go: an organization, and the invitation to accept on the way in
/// (an invitation is accepted only once the second factor is given).
/// </summary>
public sealed class SignInChallenge
{
    public required string Id { get; init; }
    public required string UserId { get; init; }
    public required string OrganizationId { get; init; }
    public required byte[] SecretHash { get; init; }
    /// <summary>The first factor the session's method starts with (<c>password</c>, <c>sso</c>).</summary>
    public string Method { get; init; } = "password";
    public string? InvitationId { get; init; }
    public DateTime ExpiresAt { get; init; }
    public int FailedAttempts { get; set; }
}

/// <summary>
/// A sign-up waiting for its e-mailed link (<c>sgv_{region}_…</c>, only its hash stored). Nothing in it is in clear:
/// the address and name are already the future user's field tokens (under the user's own key, made at sign-up), the
/// organization's name is under the same key, the password is its Argon2id hash. Following the link creates the
/// account with <see cref="UserId"/>; an unused sign-up expires and its key is abandoned.
/// </summary>
public sealed class PendingSignUp
{
    public required string Id { get; init; }
    public required string UserId { get; init; }
    public required string EmailHash { get; init; }
    public required string EmailToken { get; init; }
    public required string NameToken { get; init; }
    public required string OrganizationNameToken { get; init; }
    /// <summary>The data processing agreement version accepted with the sign-up (<c>Trust:Dpa:Version</c>); null when none was configured.</summary>
    public string? DpaVersion { get; init; }
    public required string PasswordHash { get; init; }
    public required byte[] SecretHash { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime ExpiresAt { get; init; }

    public const string OrganizationNamePurpose = "sign_up.organization_name";
}

/// <summary>
/// A password reset waiting for its e-mailed link (<c>sgp_{region}_…</c>, only its hash stored; <see cref="PasswordResets"/>).
/// It names only the account: following the link once sets a new password and ends every session.
/// </summary>
public sealed class PasswordReset
{
    public required string Id { get; init; }
    public required string UserId { get; init; }
    public required byte[] SecretHash { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime ExpiresAt { get; init; }
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
/// An attempt counter (<see cref="Throttle"/>): how many attempts, the last one, and when the next may come.
/// Stored in the cell so that every API node sees the same counts. Keys are keyed hashes, never personal data.
/// </summary>
public sealed class ThrottleRow
{
    public required string Key { get; init; }
    public int Count { get; set; }
    public DateTime LastAt { get; set; }
    public DateTime NextAt { get; set; }
}

/// <summary>A source (client address) an account signed in from, as a keyed hash of both: exempt from the account's ceiling.</summary>
public sealed class KnownSource
{
    public required string Key { get; init; }
    public DateTime SeenAt { get; set; }
}

internal sealed class IdentityConfiguration :
    IEntityTypeConfiguration<User>, IEntityTypeConfiguration<Membership>, IEntityTypeConfiguration<Session>,
    IEntityTypeConfiguration<SignInChallenge>, IEntityTypeConfiguration<Invitation>, IEntityTypeConfiguration<ThrottleRow>,
    IEntityTypeConfiguration<KnownSource>, IEntityTypeConfiguration<PendingSignUp>, IEntityTypeConfiguration<PasswordReset>
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
        builder.Property(m => m.MutedNotices).HasMaxLength(128).HasDefaultValue("");
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
        builder.Property(s => s.DocumentId).HasMaxLength(64);
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
        builder.Property(c => c.Method).HasMaxLength(32);
        builder.Property(c => c.InvitationId).HasMaxLength(64);
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
        builder.Property(t => t.Count).IsConcurrencyToken();
        builder.HasIndex(t => t.LastAt);
    }

    public void Configure(EntityTypeBuilder<KnownSource> builder)
    {
        builder.ToTable("known_sign_in_sources");
        builder.HasKey(k => k.Key);
        builder.Property(k => k.Key).HasMaxLength(100);
    }

    public void Configure(EntityTypeBuilder<PendingSignUp> builder)
    {
        builder.ToTable("pending_sign_ups");
        builder.HasKey(p => p.Id);
        builder.Property(p => p.Id).HasMaxLength(64);
        builder.Property(p => p.UserId).HasMaxLength(64);
        builder.Property(p => p.EmailHash).HasMaxLength(64);
        builder.Property(p => p.EmailToken).HasMaxLength(2048);
        builder.Property(p => p.NameToken).HasMaxLength(2048);
        builder.Property(p => p.DpaVersion).HasMaxLength(40);
        builder.Property(p => p.OrganizationNameToken).HasMaxLength(2048);
        builder.Property(p => p.PasswordHash).HasMaxLength(256);
        builder.Property(p => p.SecretHash).HasMaxLength(32);
        builder.HasIndex(p => p.EmailHash);
        builder.HasIndex(p => p.ExpiresAt);
    }

    public void Configure(EntityTypeBuilder<PasswordReset> builder)
    {
        builder.ToTable("password_resets");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).HasMaxLength(64);
        builder.Property(r => r.UserId).HasMaxLength(64);
        builder.Property(r => r.SecretHash).HasMaxLength(32);
        builder.HasIndex(r => r.UserId);
        builder.HasIndex(r => r.ExpiresAt);
        builder.HasOne<User>().WithMany().HasForeignKey(r => r.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
