using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Mail;
using Sigill.Api.Features.Documents;
using Sigill.Api.Features.Audit;

namespace Sigill.Api.Features.Signing;

/// <summary>
/// Optional step-up before a recipient sees content or acts, chosen per recipient by the sender:
/// an access code the sender hands over out of band, or a one-time code e-mailed on request (6 digits,
/// 10 minutes, single use). Codes are stored only as keyed hashes (the organization's blind-index key,
/// bound to the recipient), so a database dump alone cannot brute-force them. A passed step-up hands out
/// a grant (256 bits, 30 minutes, only its SHA-256 stored) that later requests carry in <see cref="SigillHeaders.StepUp"/>.
/// Threat: guessing. Every attempt is reserved with one conditional UPDATE before the code is compared, so
/// parallel guesses cannot exceed <see cref="MaxFailures"/>; the fifth failure locks the link for
/// <see cref="Lockout"/> (429 with Retry-After). Every outcome is an audit event.
/// </summary>
internal static class StepUp
{
    public const string AccessCode = "access_code";
    public const string EmailCode = "email_code";
    public const int MaxFailures = 5;
    public static readonly TimeSpan Lockout = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan CodeLifetime = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan ResendAfter = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan GrantLifetime = TimeSpan.FromMinutes(30);

    public sealed record VerifyRequest(string? Code);


    public sealed record CodeSent(DateTime ExpiresAt);

    /// <summary>"none" (or absent), access_code or email_code; returns the stored value (null for none).</summary>
    public static bool TryParseKind(string? kind, out string? stored)
    {
        stored = kind is null or "none" ? null : kind;
        return kind is null or "none" or AccessCode or EmailCode;
    }

    public static Task<string> HashAsync(Cell cell, string organizationId, string recipientId, string code, CancellationToken ct) =>
        cell.Keys.BlindIndexAsync(organizationId, Recipient.StepUpPurpose, recipientId + "\n" + code.Trim(), ct);

    /// <summary>True when the recipient needs no step-up or presents a live grant.</summary>
    public static bool Passed(Recipient r, HttpContext http, DateTime now)
    {
        if (r.StepUp is null) return true;
        var presented = http.Request.Headers[SigillHeaders.StepUp].ToString();
        return presented.Length is > 0 and <= 128 && r.StepUpGrantHash is { } hash && r.StepUpGrantExpiresAt > now
            && CryptographicOperations.FixedTimeEquals(hash, SHA256.HashData(Encoding.UTF8.GetBytes(presented)));
    }

    public static ProblemHttpResult Required(Recipient r) =>
        Problems.Create(StatusCodes.Status403Forbidden, ErrorCodes.StepUpRequired, "Verification is required first.",
            (r.StepUp == AccessCode ? "Enter the access code the sender gave you" : "Request a one-time code by e-mail and enter it")
            + $": POST …/step-up with the code, then send the grant in the {SigillHeaders.StepUp} header.");

    private static ProblemHttpResult Locked(HttpContext http, DateTime until, DateTime now)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling((until - now).TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return Problems.Create(StatusCodes.Status429TooManyRequests, ErrorCodes.StepUpLocked, "Too many attempts.",
            $"This link is locked for verification for {seconds} seconds after {MaxFailures} failed attempts.");
    }

    /// <summary>POST …/step-up: checks the code, hands out a grant.</summary>
    public static async Task<Results<Ok<StepUpGrant>, NotFound, ProblemHttpResult>> Verify(VerifyRequest request, SigningLink link, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        var (cell, db, r, d) = (link.Cell, link.Db, link.Recipient, link.Document);
        if (r.StepUp is null) return Problems.Conflict(ErrorCodes.StepUpNotRequired, "This link needs no verification.");
        var now = time.GetUtcNow().UtcDateTime;
        if (r.StepUpLockedUntil is { } until && until > now) return Locked(http, until, now);
        var code = request.Code?.Trim() ?? "";
        if (code.Length is 0 or > 64) return Problems.Validation("code is required (at most 64 characters).");

        // Reserve the attempt before comparing: parallel guesses each take one of the MaxFailures slots, and each knows
        // which (compare-and-set on the count), so the one that takes the last slot is the one that locks and says so.
        var failures = 0;
        for (var tries = 0; failures == 0 && tries < 2 * MaxFailures; tries++)
        {
            var seen = await db.Recipients.Where(x => x.Id == r.Id).Select(x => new { x.StepUpFailures, x.StepUpLockedUntil }).SingleAsync(ct);
            if (seen.StepUpLockedUntil is { } lockedUntil && lockedUntil > now) return Locked(http, lockedUntil, now);
            if (seen.StepUpFailures >= MaxFailures)
            {
                // Out of attempts but not locked (a request died between reserving and locking): lock now.
                await db.Recipients.Where(x => x.Id == r.Id && x.StepUpFailures >= MaxFailures && (x.StepUpLockedUntil == null || x.StepUpLockedUntil <= now))
                    .ExecuteUpdateAsync(s => s.SetProperty(x => x.StepUpLockedUntil, (DateTime?)(now + Lockout)).SetProperty(x => x.StepUpFailures, 0), ct);
                return Locked(http, now + Lockout, now);
            }
            var taken = await db.Recipients.Where(x => x.Id == r.Id && x.StepUpFailures == seen.StepUpFailures && (x.StepUpLockedUntil == null || x.StepUpLockedUntil <= now))
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.StepUpFailures, seen.StepUpFailures + 1), ct);
            failures = taken == 1 ? seen.StepUpFailures + 1 : 0;
        }
        if (failures == 0) return Locked(http, now + TimeSpan.FromSeconds(1), now); // outpaced by parallel guesses: a try again, never a comparison

        var expired = r.StepUp == EmailCode && (r.StepUpCodeExpiresAt is not { } expires || expires <= now);
        var expected = r.StepUpCodeHash;
        var presented = await HashAsync(cell, r.OrganizationId, r.Id, code, ct);
        var ok = expected is not null && !expired
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(presented), Encoding.ASCII.GetBytes(expected));
        var actor = AuditActor.From(http, r.Id);
        var failuresProperty = db.Entry(r).Property(x => x.StepUpFailures);
        if (ok)
        {
            var grant = "sgs_" + SigillId.Base32(RandomNumberGenerator.GetBytes(32));
            r.StepUpFailures = 0;
            failuresProperty.IsModified = true; // the row holds the reserved count, the entity its old value
            r.StepUpGrantHash = SHA256.HashData(Encoding.UTF8.GetBytes(grant));
            r.StepUpGrantExpiresAt = d.ExpiresAt is { } docExpiry && docExpiry < now + GrantLifetime ? docExpiry : now + GrantLifetime;
            if (r.StepUp == EmailCode)
            {
                r.StepUpCodeHash = null; // single use
                r.StepUpCodeExpiresAt = null;
            }
            await DocumentWorkflow.RecordAsync(db, cell, d, "step_up.passed", actor, now, ct, r.Id, new Dictionary<string, string> { ["method"] = r.StepUp });
            await db.SaveChangesAsync(ct);
            return TypedResults.Ok(new StepUpGrant(grant, r.StepUpGrantExpiresAt.Value));
        }
        if (failures >= MaxFailures)
        {
            r.StepUpFailures = 0;
            failuresProperty.IsModified = true;
            r.StepUpLockedUntil = now + Lockout;
            await DocumentWorkflow.RecordAsync(db, cell, d, "step_up.locked", actor, now, ct, r.Id, new Dictionary<string, string> { ["method"] = r.StepUp });
            await db.SaveChangesAsync(ct);
            return Locked(http, now + Lockout, now);
        }
        await DocumentWorkflow.RecordAsync(db, cell, d, "step_up.failed", actor, now, ct, r.Id,
            new Dictionary<string, string> { ["method"] = r.StepUp, ["failures"] = failures.ToString(CultureInfo.InvariantCulture) });
        await db.SaveChangesAsync(ct);
        var left = MaxFailures - failures;
        return expired && expected is not null
            ? Problems.Create(StatusCodes.Status400BadRequest, ErrorCodes.StepUpCodeExpired, "The code has expired.", $"Request a new code. {left} attempt(s) left.")
            : Problems.Create(StatusCodes.Status400BadRequest, ErrorCodes.StepUpFailed, "The code is not right.", $"{left} attempt(s) left before the link is locked for a while.");
    }

    /// <summary>POST …/step-up/code: e-mails a fresh one-time code to the recipient's own address (the previous code stops working).</summary>
    public static async Task<Results<Accepted<CodeSent>, NotFound, ProblemHttpResult>> SendCode(SigningLink link, HttpContext http, MailOptions mail, IMailer mailer,
        TimeProvider time, ILoggerFactory loggers, CancellationToken ct)
    {
        var (cell, db, r, d) = (link.Cell, link.Db, link.Recipient, link.Document);
        if (r.StepUp != EmailCode) return Problems.Conflict(ErrorCodes.StepUpNotEmail, "This link does not use e-mailed codes.");
        var now = time.GetUtcNow().UtcDateTime;
        if (r.StepUpLockedUntil is { } until && until > now) return Locked(http, until, now);
        if (r.StepUpCodeSentAt is { } sent && sent + ResendAfter > now)
        {
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling((sent + ResendAfter - now).TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return Problems.Create(StatusCodes.Status429TooManyRequests, ErrorCodes.StepUpCodeRecentlySent, "A code was sent moments ago.", "Wait before asking for another code.");
        }
        var code = RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
        r.StepUpCodeHash = await HashAsync(cell, r.OrganizationId, r.Id, code, ct);
        r.StepUpCodeExpiresAt = now + CodeLifetime;
        r.StepUpCodeSentAt = now;
        await DocumentWorkflow.RecordAsync(db, cell, d, "step_up.code_sent", AuditActor.From(http, r.Id), now, ct, r.Id);
        await db.SaveChangesAsync(ct);
        var name = (await cell.Keys.DecryptFieldAsync(r.OrganizationId, Recipient.NamePurpose, r.NameToken, r.Id, ct))!;
        var email = (await cell.Keys.DecryptFieldAsync(r.OrganizationId, Recipient.EmailPurpose, r.EmailToken, r.Id, ct))!;
        // In the language the recipient's page speaks (theirs, else the organization's default).
        var t = new MailWords(await SigningEndpoints.LanguageAsync(link, ct), DocumentMail.Resources);
        var body = t.Format("StepUp.Body", name, code, (int)CodeLifetime.TotalMinutes);
        try
        {
            // Not queued when the mail server is down: a code lives minutes, and the signer can ask for another.
            await mailer.SendAsync(new MailMessage(cell.Region, name, email, t["StepUp.Subject"], body), CancellationToken.None);
        }
        catch (Exception e) when (MailServices.IsDeliveryFailure(e))
        {
            DocumentLog.MailFailed(loggers.CreateLogger("Sigill.Api.Signing"), d.Id, e.GetType().Name);
        }
        return TypedResults.Accepted((string?)null, new CodeSent(r.StepUpCodeExpiresAt.Value));
    }
}
