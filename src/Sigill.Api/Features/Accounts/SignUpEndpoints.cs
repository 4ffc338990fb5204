using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Mail;
using Sigill.Api.Platform.Security;
using Sigill.Api.Features.Organizations;
using Sigill.Api.Features.Audit;


namespace Sigill.Api.Features.Accounts;

/// <summary>
/// Signing up without telling anyone who has an account (ADR 0011). <c>sign-up</c> answers 202 "check your e-mail"
/// for every well-formed request: a new address gets a single-use link (<c>sgv_…</c>, 24 hours) and a
/// <see cref="PendingSignUp"/> holding only ciphertext and hashes; an address with an account gets an e-mail saying
/// someone tried. <c>sign-up/verify</c> takes the link's token, creates the account and its organization in one
/// transaction and signs the person in through <see cref="SignIns"/>. Two sign-ups for one address each get a link;
/// the first followed makes the account (the e-mail hash is unique), the others then answer <c>sign_up_link_invalid</c>.
/// </summary>
public static class SignUpEndpoints
{
    public sealed record SignUpRequest(string? Email, string? Password, string? Name, string? OrganizationName, string? AcceptDpaVersion = null);
    public sealed record SignUpAccepted(string Detail);
    public sealed record VerifyRequest(string? Token);

    public const string CheckYourEmail = "If the address can be used, a link to finish signing up is on its way to it. Follow it within 24 hours.";

    public static void MapSignUp(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/regions/{region}/auth").WithTags("Sign-in").AllowAnonymous().RequireServedRegion();
        group.MapPost("/sign-up", SignUp);
        group.MapPost("/sign-up/verify", Verify);
    }

    /// <summary>What a sign-up and its link need besides the request.</summary>
    internal sealed record SignUpServices(RequestCell Here, CellDbContext Db, Accounts Accounts, SignIns SignIns, Throttle Throttle, IMailer Mailer, MailOptions Mail,
        TimeProvider Time, Platform.Telemetry.SigillMetrics Metrics, TrustCenter.TrustOptions Trust);

    private static async Task<Results<Accepted<SignUpAccepted>, ProblemHttpResult>> SignUp(SignUpRequest request, HttpContext http, [AsParameters] SignUpServices services, CancellationToken ct)
    {
        var (here, db, accounts, signIns, throttle, mailer, mail, time, _, trust) = services;
        var cell = here.Cell;
        if (!accounts.Options.OpenSignUp)
        {
            return Problems.Create(StatusCodes.Status403Forbidden, ErrorCodes.SignUpClosed, "Sign-up is closed on this installation.", "Ask an organization admin for an invitation.");
        }
        var problem = AuthEndpoints.ValidateNewAccount(request.Email, request.Password, request.Name)
            ?? (request.OrganizationName?.Trim() is { Length: > 0 and <= 200 } ? null : "organizationName is required (1-200 characters).");
        if (problem is not null)
        {
            return Problems.Validation(problem);
        }
        if (Privacy.Dpa.Refusal(trust, request.AcceptDpaVersion) is { } notAccepted)
        {
            return notAccepted; // before anything counts or is stored: nothing pending, no e-mail
        }
        var rules = accounts.Options.Throttling;
        if ((await signIns.ReserveAsync(cell, "sign-up", rules.SignUpsPerSource, http, ct)).Problem is { } throttled)
        {
            return throttled; // every sign-up counts against the source
        }
        var email = request.Email!.Trim();
        var emailHash = accounts.Directory.EmailHash(email);
        var accepted = TypedResults.Accepted((string?)null, new SignUpAccepted(CheckYourEmail));
        var link = mail.LinkBaseUrl.TrimEnd('/');
        // There is no organization yet: the e-mails speak the request's language (the web tier forwards its page's), else English.
        var words = new MailWords(Problems.LanguageOf(http.Request), Accounts.MailResources);
        var exists = await db.Users.AnyAsync(u => u.EmailHash == emailHash, ct);
        // Beyond a few e-mails to one address nothing more is sent, and the answer stays the same: no mail bombing, no tell.
        var mayMail = await throttle.TryReserveAsync(cell, throttle.Key("sign-up-mail", emailHash), rules.SignUpMailsPerAddress, ct) is null;
        if (exists || !mayMail)
        {
            accounts.Passwords.Burn(request.Password!); // the same work as storing a new sign-up's password
            if (exists && mayMail)
            {
                await mailer.SendAsync(new MailMessage(cell.Region, email, email, words["SignUp.Exists.Subject"], words.Format("SignUp.Exists.Text", $"{link}/sign-in")), ct);
            }
            return accepted;
        }
        var now = time.GetUtcNow().UtcDateTime;
        await PurgeExpiredAsync(cell, db, now, ct);
        var (presented, id, secretHash) = PresentedSecret.SignUp.Issue(cell.Region);
        var userId = SigillId.New("usr", cell.Region);
        await cell.Keys.CreateOrganizationKeysAsync(userId, ct); // the future user's own key: everything pending is under it
        db.Add(new PendingSignUp
        {
            Id = id,
            UserId = userId,
            EmailHash = emailHash,
            EmailToken = (await cell.Keys.EncryptFieldAsync(userId, User.EmailPurpose, email, userId, ct))!,
            NameToken = (await cell.Keys.EncryptFieldAsync(userId, User.NamePurpose, request.Name!.Trim(), userId, ct))!,
            OrganizationNameToken = (await cell.Keys.EncryptFieldAsync(userId, PendingSignUp.OrganizationNamePurpose, request.OrganizationName!.Trim(), id, ct))!,
            DpaVersion = Privacy.Dpa.Accepted(trust),
            PasswordHash = accounts.Passwords.Hash(request.Password!),
            SecretHash = secretHash,
            CreatedAt = now,
            ExpiresAt = now + accounts.Options.SignUpLinkLifetime,
        });
        await db.SaveChangesAsync(ct);
        await mailer.SendAsync(new MailMessage(cell.Region, email, email, words["SignUp.Subject"], words.Format("SignUp.Text", $"{link}/sign-up/{presented}",
            (now + accounts.Options.SignUpLinkLifetime).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture))), ct);
        return accepted;
    }

    private static async Task<Results<Created<SignInResponse>, ProblemHttpResult>> Verify(string region, VerifyRequest request, HttpContext http, [AsParameters] SignUpServices services, CancellationToken ct)
    {
        var (here, db, accounts, signIns, _, _, _, time, metrics, _) = services;
        var cell = here.Cell;
        var invalid = Problems.Create(StatusCodes.Status404NotFound, ErrorCodes.SignUpLinkInvalid, "This sign-up link is not valid.",
            "It may have expired or been used, or the address has an account already: sign in, or sign up again.");
        if (!PresentedSecret.SignUp.TryParse(request.Token, out var id, out var linkRegion, out var secret) || linkRegion != region)
        {
            return invalid;
        }
        var (reservation, throttled) = await signIns.ReserveAsync(cell, "sign-up-link", accounts.Options.Throttling.SignUpLinksPerSource, http, ct);
        if (reservation is null)
        {
            return throttled!;
        }
        var now = time.GetUtcNow().UtcDateTime;
        PendingSignUp? pending;
        {
            pending = await db.Set<PendingSignUp>().AsNoTracking().SingleOrDefaultAsync(p => p.Id == id, ct);
            // Used once: whoever deletes the row owns the link, so a replayed or concurrent request finds nothing.
            if (pending is null || !PresentedSecret.Matches(pending.SecretHash, secret)
                || await db.Set<PendingSignUp>().Where(p => p.Id == id).ExecuteDeleteAsync(ct) != 1)
            {
                return invalid;
            }
        }
        if (pending.ExpiresAt <= now)
        {
            await cell.Keys.AbandonOrganizationKeysAsync(pending.UserId, ct);
            return invalid;
        }
        var email = (await cell.Keys.DecryptFieldAsync(pending.UserId, User.EmailPurpose, pending.EmailToken, pending.UserId, ct))!;
        var name = (await cell.Keys.DecryptFieldAsync(pending.UserId, User.NamePurpose, pending.NameToken, pending.UserId, ct))!;
        var organizationName = (await cell.Keys.DecryptFieldAsync(pending.UserId, PendingSignUp.OrganizationNamePurpose, pending.OrganizationNameToken, pending.Id, ct))!;
        var user = new User
        {
            Id = pending.UserId,
            EmailHash = pending.EmailHash,
            EmailToken = pending.EmailToken,
            NameToken = pending.NameToken,
            PasswordHash = pending.PasswordHash,
            CreatedAt = now,
        };
        SignIns.Outcome? outcome = null;
        Organization organization;
        try
        {
            (organization, _, _) = await OrganizationFactory.CreateCoreAsync(cell, organizationName, null, time, AuditActor.From(http, user.Id),
                new OrganizationOwner(user, true, email, name),
                async (tx, org) => outcome = await signIns.NewAccountAsync(cell, tx, user, new SignIns.Entry(org.Id), SignIns.NewAccountProof.EmailLink, http, ct), ct,
                pending.DpaVersion); // accepted with the sign-up; a version changed since then shows the owner the banner
        }
        catch (DbUpdateException e) when (UniqueKey.IsViolation(e))
        {
            // The address got an account meanwhile (another sign-up's link, an invitation, single sign-on) and the
            // e-mail hash is unique: nothing of this sign-up was stored, and its keys are gone.
            return invalid;
        }
        metrics.OrganizationsCreated.Add(1, new KeyValuePair<string, object?>("region", cell.Region));
        {
            // The other links for the same address can no longer make an account.
            var others = await db.Set<PendingSignUp>().Where(p => p.EmailHash == pending.EmailHash).Select(p => p.UserId).ToListAsync(ct);
            await db.Set<PendingSignUp>().Where(p => p.EmailHash == pending.EmailHash).ExecuteDeleteAsync(ct);
            foreach (var other in others)
            {
                await cell.Keys.AbandonOrganizationKeysAsync(other, ct);
            }
        }
        await signIns.GiveBackAsync(cell, reservation, ct);
        return TypedResults.Created("/api/v1/account", outcome!.Response);
    }

    /// <summary>Sign-ups whose link expired unused: the rows go, and so do the keys made for them.</summary>
    private static async Task PurgeExpiredAsync(Cell cell, CellDbContext db, DateTime now, CancellationToken ct)
    {
        var expired = await db.Set<PendingSignUp>().Where(p => p.ExpiresAt <= now).OrderBy(p => p.ExpiresAt).Take(100)
            .Select(p => new { p.Id, p.UserId }).ToListAsync(ct);
        foreach (var row in expired)
        {
            if (await db.Set<PendingSignUp>().Where(p => p.Id == row.Id).ExecuteDeleteAsync(ct) == 1)
            {
                await cell.Keys.AbandonOrganizationKeysAsync(row.UserId, ct);
            }
        }
    }
}
