using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Mail;
using Sigill.Api.Features.Organizations;
using Sigill.Api.Platform.Persistence;


namespace Sigill.Api.Features.Accounts;

/// <summary>The building blocks the identity endpoints share: users, memberships, password rules. Sessions come only from <see cref="SignIns"/>.</summary>
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

    /// <summary>The organization a user signs in to: the one they joined first.</summary>
    /// <summary>The e-mails about a person's account (<c>Resources/AccountMailText*.resx</c>), in their organization's default language.</summary>
    internal static readonly System.Resources.ResourceManager MailResources = new("Sigill.Api.Features.Accounts.Resources.AccountMailText", typeof(Accounts).Assembly);

    /// <summary>The language of e-mails about a user's account: the default language of their first organization, else English.</summary>
    public static async Task<MailWords> MailWordsAsync(CellDbContext db, string userId, CancellationToken ct) =>
        new(await db.Memberships.Where(m => m.UserId == userId).OrderBy(m => m.CreatedAt)
            .Join(db.Organizations, m => m.OrganizationId, o => o.Id, (m, o) => o.DefaultLanguage).FirstOrDefaultAsync(ct), MailResources);

    public static Task<string?> DefaultOrganizationAsync(CellDbContext db, string userId, CancellationToken ct) =>
        db.Memberships.Where(m => m.UserId == userId).OrderBy(m => m.CreatedAt).Select(m => m.OrganizationId).FirstOrDefaultAsync(ct);
}
