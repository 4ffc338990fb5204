using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Accounts;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Documents;
using Sigill.Api.Features.Members;
using Sigill.Api.Features.Organizations;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Jobs;
using Sigill.Api.Platform.Mail;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Security;
using Sigill.Crypto;
using Directory = Sigill.Api.Features.Accounts.Directory;

namespace Sigill.Api.Features.Privacy;

/// <summary>
/// The public privacy-request form (issue 18, ADR 0016), built like sign-up and password reset so that it tells nobody
/// whether, or which, organizations hold data about an address. <c>privacy-requests</c> answers 202 with the same words
/// for every well-formed request and does no lookup at all: it stores a <see cref="PendingPrivacyRequest"/> (ciphertext and
/// the link's hash only) and e-mails a single-use link (<c>sgq_…</c>, 24 hours) to the address. <c>privacy-requests/confirm</c>
/// spends the link, then looks in every cell this API tier serves for organizations whose recipients (blind index) or
/// members (directory hash) have the address, writes a <see cref="PrivacyRequest"/> in each, and queues an e-mail to its
/// owners and admins. It answers 204 whether it found none or many.
/// </summary>
public static class PrivacyRequestForm
{
    public sealed record SubmitRequest(string? Email, string? Type, string? Message);
    public sealed record SubmitAccepted(string Detail);
    public sealed record ConfirmRequest(string? Token);

    public const string CheckYourEmail = "If an organization here holds data about this address, its admins will receive your request after you confirm it by the link we e-mailed to the address. The link works once, for 24 hours.";
    public const int MaxMessage = 4000;
    private static readonly TimeSpan LinkLifetime = TimeSpan.FromHours(24);

    public static void MapPrivacyRequestForm(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/regions/{region}/privacy-requests").WithTags("Privacy").AllowAnonymous().RequireServedRegion();
        group.MapPost("/", Submit);
        group.MapPost("/confirm", Confirm);
    }

    internal sealed record FormServices(RequestCell Here, CellDbContext Db, Accounts.Accounts Accounts, SignIns SignIns, Throttle Throttle, IMailer Mailer,
        MailOptions Mail, CellRegistry Cells, TimeProvider Time);

    /// <summary>A problem with the form's fields, or null.</summary>
    internal static string? Problem(string? email, string? type, string? message) =>
        !Directory.IsPlausibleEmail(email) || email!.Trim().Length > 320 ? "email must be an e-mail address."
        : !PrivacyRequest.Types.Contains(type) ? "type must be access, erasure or rectification."
        : message?.Length > MaxMessage ? $"message is at most {MaxMessage} characters."
        : null;

    private static async Task<Results<Accepted<SubmitAccepted>, ProblemHttpResult>> Submit(SubmitRequest request, HttpContext http, [AsParameters] FormServices services, CancellationToken ct)
    {
        var (here, db, accounts, signIns, throttle, mailer, mail, _, time) = services;
        var cell = here.Cell;
        if (Problem(request.Email, request.Type, request.Message) is { } problem)
        {
            return Problems.Validation(problem);
        }
        var rules = accounts.Options.Throttling;
        if ((await signIns.ReserveAsync(cell, "privacy-request", rules.PrivacyRequestsPerSource, http, ct)).Problem is { } throttled)
        {
            return throttled; // every submission counts against the source
        }
        var accepted = TypedResults.Accepted((string?)null, new SubmitAccepted(CheckYourEmail));
        var email = request.Email!.Trim();
        // Beyond a few mails to one address the form still answers the same, and sends nothing (no mail bombing).
        if (await throttle.TryReserveAsync(cell, throttle.Key("privacy-request-mail", accounts.Directory.EmailHash(email)), rules.PrivacyRequestMailsPerAddress, ct) is not null)
        {
            return accepted;
        }
        var now = time.GetUtcNow().UtcDateTime;
        await PurgeExpiredAsync(cell, db, now, ct);
        var (presented, id, secretHash) = PresentedSecret.PrivacyRequest.Issue(cell.Region);
        await cell.Keys.CreateOrganizationKeysAsync(id, ct); // the pending request's own key: abandoned when the link is spent or expires
        var message = request.Message?.Trim() is { Length: > 0 } m ? m : null;
        db.Add(new PendingPrivacyRequest
        {
            Id = id, Type = request.Type!, SecretHash = secretHash, CreatedAt = now, ExpiresAt = now + LinkLifetime,
            EmailToken = (await cell.Keys.EncryptFieldAsync(id, PrivacyRequest.EmailPurpose, email, id, ct))!,
            MessageToken = await cell.Keys.EncryptFieldAsync(id, PrivacyRequest.MessagePurpose, message, id, ct),
        });
        await db.SaveChangesAsync(ct);
        // In the language of the page the request was made on (the web tier forwards it as Accept-Language), like sign-up:
        // nothing is known about the person but the request itself.
        var t = new MailWords(Problems.LanguageOf(http.Request), MailWords.Notices);
        var content = new MailContent(t["Privacy.Confirm.Subject"], t["Privacy.Confirm.Subject"],
        [
            new MailBlock.Paragraph(t["Privacy.Confirm.Asked." + request.Type]),
            new MailBlock.Button(t["Privacy.Confirm.Button"], $"{mail.LinkBaseUrl.TrimEnd('/')}/privacy/request/{presented}"),
            new MailBlock.Paragraph(t.Format("Privacy.Confirm.Until", (now + LinkLifetime).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture))),
            new MailBlock.Paragraph(t["Privacy.Confirm.NotYou"]),
        ], t["Privacy.Confirm.Why"]) { Language = t.Language };
        await mailer.SendAsync(content.To(cell.Region, email, email, MailBrand.Sigill), ct);
        return accepted;
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Confirm(string region, ConfirmRequest request, HttpContext http, [AsParameters] FormServices services, CancellationToken ct)
    {
        var (here, db, accounts, signIns, _, _, mail, cells, time) = services;
        var cell = here.Cell;
        var invalid = Problems.Create(StatusCodes.Status404NotFound, ErrorCodes.PrivacyRequestLinkInvalid, "This confirmation link is not valid.",
            "It may have expired or been used already. Make the request again from the privacy request page.");
        if (!PresentedSecret.PrivacyRequest.TryParse(request.Token, out var id, out var linkRegion, out var secret) || linkRegion != region)
        {
            return invalid;
        }
        if ((await signIns.ReserveAsync(cell, "privacy-request", accounts.Options.Throttling.PrivacyRequestsPerSource, http, ct)).Problem is { } throttled)
        {
            return throttled;
        }
        var now = time.GetUtcNow().UtcDateTime;
        var pending = await db.PendingPrivacyRequests.AsNoTracking().SingleOrDefaultAsync(p => p.Id == id, ct);
        // Used once: whoever deletes the row owns the link, so a replayed or concurrent confirmation finds nothing.
        if (pending is null || !PresentedSecret.Matches(pending.SecretHash, secret)
            || await db.PendingPrivacyRequests.Where(p => p.Id == id).ExecuteDeleteAsync(ct) != 1 || pending.ExpiresAt <= now)
        {
            return invalid;
        }
        var email = (await cell.Keys.DecryptFieldAsync(id, PrivacyRequest.EmailPurpose, pending.EmailToken, id, ct))!;
        var message = await cell.Keys.DecryptFieldAsync(id, PrivacyRequest.MessagePurpose, pending.MessageToken, id, ct);
        await cell.Keys.AbandonOrganizationKeysAsync(id, ct); // the pending row is gone; its key has nothing left to open
        var accountHash = accounts.Directory.EmailHash(email);
        var userIds = new List<string>();
        foreach (var c in cells.All)
        {
            await using var cdb = c.CreateDbContext();
            userIds.AddRange(await cdb.Users.AsNoTracking().Where(u => u.EmailHash == accountHash).Select(u => u.Id).ToListAsync(ct));
        }
        var organizations = 0;
        foreach (var c in cells.All)
        {
            organizations += await DeliverAsync(c, pending.Type, email, message, userIds, mail, time, http, ct);
        }
        await AuditRecorder.RecordAsync(db, cell, new AuditEventData("privacy_request.confirmed", null, AuditActor.From(http, "anonymous"), id,
            new Dictionary<string, string> { ["type"] = pending.Type, ["organizations"] = organizations.ToString(CultureInfo.InvariantCulture) }), now, ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// Writes the request in each organization of <paramref name="cell"/> that holds the address, each in its own
    /// transaction with its audit event and its admins' e-mails (queued jobs). Returns how many organizations got it.
    /// </summary>
    private static async Task<int> DeliverAsync(Cell cell, string type, string email, string? message, List<string> userIds, MailOptions mail, TimeProvider time,
        HttpContext http, CancellationToken ct)
    {
        var normalized = CellKeyManager.NormalizeEmail(email);
        var indexOf = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var db = cell.CreateDbContext())
        {
            foreach (var org in await db.Organizations.AsNoTracking().OrderBy(o => o.Id).Select(o => o.Id).ToListAsync(ct))
            {
                try
                {
                    indexOf[org] = await cell.Keys.BlindIndexAsync(org, Recipient.EmailIndexPurpose, normalized, ct);
                }
                catch (CryptoIntegrityException e) when (e.Reason == CryptoFailureReason.KeyDestroyed)
                {
                    // a crypto-shredded organization holds nothing readable about anyone
                }
            }
            var indexes = indexOf.Values.ToList();
            var byRecipient = await db.Recipients.AsNoTracking().Where(r => indexes.Contains(r.EmailIndex))
                .Select(r => new { r.OrganizationId, r.EmailIndex }).Distinct().ToListAsync(ct);
            var byMembership = await db.Memberships.AsNoTracking().Where(m => userIds.Contains(m.UserId)).Select(m => m.OrganizationId).ToListAsync(ct);
            var matched = byRecipient.Where(r => indexOf.GetValueOrDefault(r.OrganizationId) == r.EmailIndex).Select(r => r.OrganizationId)
                .Concat(byMembership.Where(indexOf.ContainsKey)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            indexOf = matched.ToDictionary(o => o, o => indexOf[o], StringComparer.Ordinal);
        }
        foreach (var (org, index) in indexOf)
        {
            await using var db = cell.CreateDbContext();
            var now = time.GetUtcNow().UtcDateTime;
            var row = await PrivacyRequests.AddAsync(db, cell, org, type, "form", email, index, message, now, ct);
            await AuditRecorder.RecordAsync(db, cell, new AuditEventData("privacy_request.received", org, AuditActor.From(http, "anonymous"), row.Id,
                new Dictionary<string, string> { ["type"] = type, ["source"] = "form" }), now, ct);
            await NotifyAdminsAsync(db, cell, row, mail, time, ct);
            await db.SaveChangesAsync(ct);
        }
        return indexOf.Count;
    }

    /// <summary>Queues one e-mail per owner and admin of the request's organization (key <c>privacy-request:{id}:{user}</c>).</summary>
    internal static async Task NotifyAdminsAsync(CellDbContext db, Cell cell, PrivacyRequest row, MailOptions mail, TimeProvider time, CancellationToken ct)
    {
        var org = row.OrganizationId;
        var organization = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == org, ct);
        var t = new MailWords(organization.DefaultLanguage, MailWords.Notices); // the organization's language: its owners and admins read it
        var orgName = await cell.Keys.DecryptFieldAsync(org, Organization.NamePurpose, organization.NameToken, org, ct) ?? t["Organization.Fallback"];
        foreach (var admin in await db.Memberships.AsNoTracking().Where(m => m.OrganizationId == org && (m.Role == Roles.Owner || m.Role == Roles.Admin))
                     .OrderBy(m => m.UserId).ToListAsync(ct))
        {
            var to = await cell.Keys.DecryptFieldAsync(org, Membership.EmailPurpose, admin.EmailToken, admin.UserId, ct);
            if (to is null) continue;
            var name = await cell.Keys.DecryptFieldAsync(org, Membership.NamePurpose, admin.NameToken, admin.UserId, ct) ?? to;
            // The requester's address stays out of the e-mail: the admin reads it on the page, signed in.
            var content = new MailContent(t.Format("Privacy.Admin.Subject", orgName), t["Privacy.Admin.Heading"],
            [
                new MailBlock.Paragraph(t.Format("Privacy.Admin.Hello." + row.Type, name, orgName, row.ReceivedAt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    row.DueAt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))),
                new MailBlock.Button(t["Privacy.Admin.Button"], $"{mail.LinkBaseUrl.TrimEnd('/')}/organization/privacy-requests"),
            ], t["Privacy.Admin.Why"]) { Language = t.Language };
            var payload = JsonSerializer.SerializeToUtf8Bytes(MailQueue.QueuedMail.From(content.To(cell.Region, name, to, MailBrand.Sigill)));
            await JobQueue.EnqueueAsync(db, cell, new JobRequest(MailQueue.JobKind, payload, $"privacy-request:{row.Id}:{admin.UserId}", OrganizationId: org,
                MaxAttempts: MailQueue.MaxAttempts), time, ct: ct);
        }
    }

    /// <summary>Pending requests whose link expired unused: the rows go, and so do the keys made for them.</summary>
    private static async Task PurgeExpiredAsync(Cell cell, CellDbContext db, DateTime now, CancellationToken ct)
    {
        foreach (var id in await db.PendingPrivacyRequests.Where(p => p.ExpiresAt <= now).OrderBy(p => p.ExpiresAt).Take(100).Select(p => p.Id).ToListAsync(ct))
        {
            if (await db.PendingPrivacyRequests.Where(p => p.Id == id).ExecuteDeleteAsync(ct) == 1)
            {
                await cell.Keys.AbandonOrganizationKeysAsync(id, ct);
            }
        }
    }
}
