using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Audit;
using Sigill.Api.Cells;
using Sigill.Api.Persistence;
using Sigill.Api.Security;

namespace Sigill.Api.Identity;

/// <summary>The building blocks the identity endpoints share: users, memberships, sessions, password rules.</summary>
public sealed class Accounts(IdentityOptions options, Directory directory, PasswordHasher passwords, TimeProvider time)
{
    public Directory Directory => directory;
    public PasswordHasher Passwords => passwords;
    public IdentityOptions Options => options;

    /// <summary>Null when the password is acceptable; otherwise why not (shown to the user).</summary>
    public static string? PasswordProblem(string? password)
    {
        if (password is null || password.Length < PasswordHasher.MinimumLength)
        {
            return $"The password must have at least {PasswordHasher.MinimumLength} characters.";
        }
        if (password.Length > PasswordHasher.MaximumLength)
        {
            return $"The password must have at most {PasswordHasher.MaximumLength} characters.";
        }
        return BreachedPasswords.Contains(password)
            ? "This password appears in lists of breached passwords. Choose another one."
            : null;
    }

    /// <summary>A new user with its own key; personal data is encrypted under it. Not yet saved.</summary>
    public async Task<User> NewUserAsync(Cell cell, string email, string name, string? password, CancellationToken ct)
    {
        var id = SigillId.New("usr", cell.Region);
        await cell.Keys.CreateOrganizationKeysAsync(id, ct); // the user's own key: erasing the user shreds it
        return new User
        {
            Id = id,
            EmailHash = directory.EmailHash(email),
            EmailToken = (await cell.Keys.EncryptFieldAsync(id, User.EmailPurpose, email.Trim(), id, ct))!,
            NameToken = (await cell.Keys.EncryptFieldAsync(id, User.NamePurpose, name, id, ct))!,
            PasswordHash = password is null ? null : passwords.Hash(password),
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
    }

    /// <summary>A membership row; the member's e-mail and name are copied under the organization's key for member lists.</summary>
    public static async Task<Membership> NewMembershipAsync(Cell cell, string organizationId, string userId, string email, string name, string role, DateTime now, CancellationToken ct) => new()
    {
        OrganizationId = organizationId,
        UserId = userId,
        Role = role,
        EmailToken = (await cell.Keys.EncryptFieldAsync(organizationId, Membership.EmailPurpose, email.Trim(), userId, ct))!,
        NameToken = (await cell.Keys.EncryptFieldAsync(organizationId, Membership.NamePurpose, name, userId, ct))!,
        CreatedAt = now,
    };

    /// <summary>Adds a fresh session (a new id and secret every time: a session id is never carried over, so fixation is impossible).</summary>
    public async Task<(Session Session, string Presented)> NewSessionAsync(CellDbContext db, Cell cell, string userId, string organizationId, string method, HttpContext http, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var (presented, id, hash) = PresentedSecret.Session.Issue(cell.Region);
        var client = AuditActor.From(http, userId).Ip + " · " + Truncate(http.Request.Headers.UserAgent.ToString(), 200);
        var session = new Session
        {
            Id = id,
            UserId = userId,
            OrganizationId = organizationId,
            SecretHash = hash,
            Method = method,
            ClientToken = await cell.Keys.EncryptFieldAsync(userId, Session.ClientPurpose, client, id, ct),
            CreatedAt = now,
            LastSeenAt = now,
            ExpiresAt = now + options.SessionAbsoluteTimeout,
        };
        db.Sessions.Add(session);
        await AuditRecorder.RecordAsync(db, cell, new("session.created", organizationId, AuditActor.From(http, userId), id,
            new Dictionary<string, string> { ["method"] = method }), now, ct);
        return (session, presented);
    }

    /// <summary>The organization a user signs in to: the one they joined first.</summary>
    public static Task<string?> DefaultOrganizationAsync(CellDbContext db, string userId, CancellationToken ct) =>
        db.Memberships.Where(m => m.UserId == userId).OrderBy(m => m.CreatedAt).Select(m => m.OrganizationId).FirstOrDefaultAsync(ct);

    public string AccountThrottleKey(string email) => "acct:" + directory.EmailHash(email)[..40];

    public string AddressThrottleKey(HttpContext http) => directory.ThrottleKey("ip", AuditActor.From(http, "-").Ip ?? "none");

    public static string CodeThrottleKey(string userId) => "code:" + userId;

    private static string Truncate(string value, int max) => value.Length <= max ? value : value[..max];
}
