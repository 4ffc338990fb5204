using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Audit;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Mail;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Security;

namespace Sigill.Api.Features.Accounts;

/// <summary>
/// "Forgot your password?" without telling anyone who has an account (ADR 0011, like sign-up). <c>password-reset</c>
/// answers 202 for every well-formed request; an account with a password gets a single-use link (<c>sgp_…</c>,
/// <c>Identity:PasswordResetLinkLifetime</c>, 30 minutes), only its hash stored. <c>password-reset/complete</c> takes the
/// link's token and a new password: the password is checked before the link is spent (a refused password can be
/// retried with the same link), then the link and every other one for the account are gone, every session and pending
/// second-factor step ends, and the account is told by e-mail. It does not sign in: the account's second factor is
/// still asked at the next sign-in, so a mailbox alone never opens an account that has one.
/// </summary>
public static class PasswordResets
{
    public sealed record ResetRequest(string? Email);
    public sealed record CompleteRequest(string? Token, string? Password);
    public sealed record ResetAccepted(string Detail);

    public const string CheckYourEmail = "If an account signs in with this address, a link to choose a new password is on its way to it. It works once, for 30 minutes.";

    public static void MapPasswordResets(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/regions/{region}/auth").WithTags("Sign-in").AllowAnonymous().RequireServedRegion();
        group.MapPost("/password-reset", Request);
        group.MapPost("/password-reset/complete", Complete);
    }

    internal sealed record ResetServices(RequestCell Here, CellDbContext Db, Accounts Accounts, SignIns SignIns, Throttle Throttle, IMailer Mailer, MailOptions Mail, TimeProvider Time);

    private static async Task<Results<Accepted<ResetAccepted>, ProblemHttpResult>> Request(ResetRequest request, HttpContext http, [AsParameters] ResetServices services, CancellationToken ct)
    {
        var (here, db, accounts, signIns, throttle, mailer, mail, time) = services;
        var cell = here.Cell;
        if (!Directory.IsPlausibleEmail(request.Email))
        {
            return Problems.Validation("email must be an e-mail address.");
        }
        var rules = accounts.Options.Throttling;
        if ((await signIns.ReserveAsync(cell, "password-reset", rules.PasswordResetsPerSource, http, ct)).Problem is { } throttled)
        {
            return throttled;
        }
        var accepted = TypedResults.Accepted((string?)null, new ResetAccepted(CheckYourEmail));
        var email = request.Email!.Trim();
        var emailHash = accounts.Directory.EmailHash(email);
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.EmailHash == emailHash, ct);
        // An account that signs in only through single sign-on has no password to reset; an unknown address gets nothing.
        if (user?.PasswordHash is null
            || await throttle.TryReserveAsync(cell, throttle.Key("reset-mail", emailHash), rules.PasswordResetMailsPerAddress, ct) is not null)
        {
            return accepted;
        }
        var now = time.GetUtcNow().UtcDateTime;
        await db.Set<PasswordReset>().Where(r => r.ExpiresAt <= now).ExecuteDeleteAsync(ct);
        var (presented, id, secretHash) = PresentedSecret.PasswordReset.Issue(cell.Region);
        var expires = now + accounts.Options.PasswordResetLinkLifetime;
        db.Add(new PasswordReset { Id = id, UserId = user.Id, SecretHash = secretHash, CreatedAt = now, ExpiresAt = expires });
        await db.SaveChangesAsync(ct);
        var name = (await cell.Keys.DecryptFieldAsync(user.Id, User.NamePurpose, user.NameToken, user.Id, ct))!;
        var minutes = (int)Math.Round(accounts.Options.PasswordResetLinkLifetime.TotalMinutes);
        var t = await Accounts.MailWordsAsync(db, user.Id, ct);
        var content = new MailContent(t["Reset.Subject"], t["Reset.Heading"],
        [
            new MailBlock.Paragraph(t.Format("Reset.Hello", name)),
            new MailBlock.Button(t["Reset.Button"], $"{mail.LinkBaseUrl.TrimEnd('/')}/reset-password/{presented}"),
            new MailBlock.Paragraph(t.Format("Reset.Until", minutes, expires.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture))),
            new MailBlock.Paragraph(t["Reset.NotYou"]),
        ], t["Reset.Why"]) { Language = t.Language };
        await mailer.SendAsync(content.To(cell.Region, name, email, MailBrand.Sigill), ct);
        return accepted;
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Complete(string region, CompleteRequest request, HttpContext http, [AsParameters] ResetServices services, CancellationToken ct)
    {
        var (here, db, accounts, signIns, _, mailer, mail, time) = services;
        var cell = here.Cell;
        var invalid = Problems.Create(StatusCodes.Status404NotFound, ErrorCodes.PasswordResetLinkInvalid, "This password reset link is not valid.",
            "It may have expired or been used already. Ask for a new one from the sign-in page.");
        if (!PresentedSecret.PasswordReset.TryParse(request.Token, out var id, out var linkRegion, out var secret) || linkRegion != region)
        {
            return invalid;
        }
        if (Accounts.PasswordProblem(request.Password) is { } problem)
        {
            return Problems.Validation(problem); // before the link is spent: a refused password can be tried again with it
        }
        if ((await signIns.ReserveAsync(cell, "password-reset", accounts.Options.Throttling.PasswordResetsPerSource, http, ct)).Problem is { } throttled)
        {
            return throttled;
        }
        var now = time.GetUtcNow().UtcDateTime;
        var reset = await db.Set<PasswordReset>().AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, ct);
        // Used once: whoever deletes the row owns the link, so a replayed or concurrent request finds nothing.
        if (reset is null || !PresentedSecret.Matches(reset.SecretHash, secret)
            || await db.Set<PasswordReset>().Where(r => r.Id == id).ExecuteDeleteAsync(ct) != 1 || reset.ExpiresAt <= now)
        {
            return invalid;
        }
        var user = await db.Users.SingleAsync(u => u.Id == reset.UserId, ct);
        user.PasswordHash = accounts.Passwords.Hash(request.Password!);
        await db.Set<PasswordReset>().Where(r => r.UserId == user.Id).ExecuteDeleteAsync(ct);
        await db.Set<SignInChallenge>().Where(c => c.UserId == user.Id).ExecuteDeleteAsync(ct);
        var ended = await db.Sessions.Where(s => s.UserId == user.Id && s.RevokedAt == null).ExecuteUpdateAsync(u => u.SetProperty(s => s.RevokedAt, now), ct);
        await AuditRecorder.RecordAsync(db, cell, new("user.password_reset", await Accounts.DefaultOrganizationAsync(db, user.Id, ct), AuditActor.From(http, user.Id), user.Id,
            new Dictionary<string, string> { ["sessions_ended"] = ended.ToString(System.Globalization.CultureInfo.InvariantCulture) }), now, ct);
        await db.SaveChangesAsync(ct);
        var email = (await cell.Keys.DecryptFieldAsync(user.Id, User.EmailPurpose, user.EmailToken, user.Id, ct))!;
        var name = (await cell.Keys.DecryptFieldAsync(user.Id, User.NamePurpose, user.NameToken, user.Id, ct))!;
        var t = await Accounts.MailWordsAsync(db, user.Id, ct);
        var content = new MailContent(t["Changed.Subject"], t["Changed.Heading"],
        [
            new MailBlock.Paragraph(t.Format("Changed.Text", name, now.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture))),
            new MailBlock.Paragraph(t["Changed.NotYou"]),
            new MailBlock.Button(t["Changed.Button"], $"{mail.LinkBaseUrl.TrimEnd('/')}/sign-in"),
        ], t["Changed.Why"]) { Language = t.Language };
        await mailer.SendAsync(content.To(cell.Region, name, email, MailBrand.Sigill), ct);
        return TypedResults.NoContent();
    }
}
