using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Mail;
using Sigill.Pdf;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Documents;

namespace Sigill.Api.Features.Signing;

/// <summary>
/// The recipient's side, authorized by the link token alone (<c>sgr_{region}_…</c>, 256 bits; only its
/// SHA-256 is stored). A link shows nothing — 404, the same as a wrong token — once its recipient has
/// acted, or the document is voided, declined, completed or expired.
/// </summary>
public static class SigningEndpoints
{

    public sealed record ConsentRequest(bool Accept);

    public sealed record FieldValue(string? Id, string? Value);

    public sealed record SignRequest(IReadOnlyList<FieldValue>? Fields, string? TypedName, string? DrawnPng);

    public sealed record DeclineRequest(string? Reason);

    public static RouteGroupBuilder MapSigningLinks(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/signing/{token}").WithTags("Signing").AllowAnonymous()
            .AddEndpointFilter<SigningLink.LiveOnly>(); // every handler below runs on a live link only
        group.MapGet("/", Get);
        group.MapGet("/document.pdf", View);
        group.MapPost("/consent", Consent);
        group.MapPost("/sign", Sign);
        group.MapPost("/decline", Decline);
        group.MapPost("/step-up", StepUp.Verify);
        group.MapPost("/step-up/code", StepUp.SendCode);
        group.MapGet("/privacy", PrivacyNotice);
        FieldAttachments.MapSigning(group); // POST /fields/{fieldId}/attachment
        return group;
    }

    /// <summary>Whether the link's recipient acts (signs or approves) and everyone before them in the signing order has.</summary>
    internal static async Task<bool> IsTurnAsync(SigningLink link, CancellationToken ct)
    {
        if (!RecipientRoles.Acts(link.Recipient.Role)) return false;
        return !await link.Db.Recipients.AnyAsync(r => r.DocumentId == link.Document.Id && (r.Role == RecipientRoles.Signer || r.Role == RecipientRoles.Approver)
            && r.SigningOrder < link.Recipient.SigningOrder && r.Status != RecipientStates.Signed && r.Status != RecipientStates.Approved, ct);
    }

    /// <summary>The language the recipient's page speaks: theirs, else the organization's default, else English.</summary>
    internal static async Task<string> LanguageAsync(SigningLink link, CancellationToken ct) =>
        Languages.IsSupported(link.Recipient.Language) ? link.Recipient.Language!
            : await link.Db.Set<Organizations.Organization>().AsNoTracking().Where(o => o.Id == link.Document.OrganizationId).Select(o => o.DefaultLanguage).SingleOrDefaultAsync(ct) is { } fallback
              && Languages.IsSupported(fallback) ? fallback : Languages.English;

    private static async Task<Results<Ok<SigningView>, NotFound>> Get(SigningLink link, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        var (cell, r, d) = (link.Cell, link.Recipient, link.Document);
        var name = (await cell.Keys.DecryptFieldAsync(r.OrganizationId, Recipient.NamePurpose, r.NameToken, r.Id, ct))!;
        // The page's language, asked before the step-up too: the code step is read in it.
        var language = await LanguageAsync(link, ct);
        if (!StepUp.Passed(r, http, time.GetUtcNow().UtcDateTime))
        {
            return TypedResults.Ok(new SigningView(d.Id, null, r.Id, name, r.Role, r.Status, false, false, false, 0, [], [], d.ExpiresAt, r.StepUp, false, language));
        }
        var fields = new List<FieldView>();
        string? email = null;
        foreach (var f in await link.Db.DocumentFields.AsNoTracking().Where(f => f.DocumentId == d.Id && f.RecipientId == r.Id).OrderBy(f => f.Page).ToListAsync(ct))
        {
            var field = await FieldView.FromAsync(f, cell, ct);
            // E-mail and name fields come pre-filled with the recipient's own, which they may change before signing.
            if (field.Value is null && f.Kind == FieldKinds.Name) field = field with { Value = name };
            if (field.Value is null && f.Kind == FieldKinds.Email)
            {
                field = field with { Value = email ??= await cell.Keys.DecryptFieldAsync(r.OrganizationId, Recipient.EmailPurpose, r.EmailToken, r.Id, ct) };
            }
            fields.Add(field);
        }
        var pages = DocumentView.PagesOf(d);
        return TypedResults.Ok(new SigningView(d.Id,
            (await cell.Keys.DecryptFieldAsync(d.OrganizationId, Document.TitlePurpose, d.TitleToken, d.Id, ct))!,
            r.Id, name, r.Role, r.Status, r.ConsentedAt is not null, r.ViewCount > 0, await IsTurnAsync(link, ct), pages.Count, pages, fields, d.ExpiresAt,
            r.StepUp, true, language,
            // A formula may use the pricing values: the signing page computes it as the signer types (the PDF shows the same table).
            fields.Any(f => f.Kind == FieldKinds.Formula) ? await DocumentFieldSettings.PricingAsync(cell, d, ct) : null));
    }

    /// <summary>
    /// Who is responsible for the recipient's data: the sending organization (controller) and the operator (processor,
    /// <c>Trust:Operator</c>). Before any step-up, like the recipient's name: the e-mail with the link names the sender too.
    /// </summary>
    private static async Task<Ok<PrivacyNoticeView>> PrivacyNotice(SigningLink link, TrustCenter.TrustOptions trust, CancellationToken ct)
    {
        var org = await link.Db.Set<Organizations.Organization>().AsNoTracking().SingleAsync(o => o.Id == link.Document.OrganizationId, ct);
        var name = await link.Cell.Keys.DecryptFieldAsync(org.Id, Organizations.Organization.NamePurpose, org.NameToken, org.Id, ct);
        return TypedResults.Ok(new PrivacyNoticeView(name!, trust.Operator.Name, trust.Operator.Contact));
    }

    /// <summary>The PDF exactly as the server holds it; recorded as a view with the SHA-256 of the bytes served.</summary>
    private static async Task<Results<FileContentHttpResult, NotFound, ProblemHttpResult>> View(SigningLink link, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        var (cell, r, d) = (link.Cell, link.Recipient, link.Document);
        var now = time.GetUtcNow().UtcDateTime;
        if (!StepUp.Passed(r, http, now)) return StepUp.Required(r);
        var pdf = await DocumentWorkflow.ReadPdfAsync(cell, d, ct);
        var actor = AuditActor.From(http, r.Id);
        r.FirstViewedAt ??= now;
        r.LastViewedAt = now;
        r.ViewCount++;
        r.ViewedSha256 = DocumentWorkflow.Sha256Hex(pdf);
        r.LastViewIpToken = await cell.Keys.EncryptFieldAsync(r.OrganizationId, Recipient.IpPurpose, actor.Ip ?? "unknown", r.Id, ct);
        r.LastViewUserAgentToken = await cell.Keys.EncryptFieldAsync(r.OrganizationId, Recipient.UserAgentPurpose, http.UserAgent(), r.Id, ct);
        await DocumentWorkflow.RecordAsync(link.Db, cell, d, "document.viewed", actor, now, ct, r.Id,
            new Dictionary<string, string> { ["sha256"] = r.ViewedSha256, ["count"] = r.ViewCount.ToString(CultureInfo.InvariantCulture) });
        await link.Db.SaveChangesAsync(ct);
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.File(pdf, "application/pdf");
    }

    private static async Task<Results<NoContent, NotFound, ProblemHttpResult>> Consent(ConsentRequest request, SigningLink link, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        if (!StepUp.Passed(link.Recipient, http, time.GetUtcNow().UtcDateTime)) return StepUp.Required(link.Recipient);
        if (!request.Accept) return Problems.Validation("accept must be true to consent to electronic records and signatures.");
        if (link.Recipient.ConsentedAt is null)
        {
            var now = time.GetUtcNow().UtcDateTime;
            link.Recipient.ConsentedAt = now;
            await DocumentWorkflow.RecordAsync(link.Db, link.Cell, link.Document, "document.consented", AuditActor.From(http, link.Recipient.Id), now, ct, link.Recipient.Id);
            await link.Db.SaveChangesAsync(ct);
        }
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, NotFound, ProblemHttpResult>> Decline(DeclineRequest request, SigningLink link, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        if (!StepUp.Passed(link.Recipient, http, time.GetUtcNow().UtcDateTime)) return StepUp.Required(link.Recipient);
        var reason = request.Reason?.Trim() ?? "";
        if (reason.Length is 0 or > 1000) return Problems.Validation("reason is required (at most 1000 characters).");
        if (!RecipientRoles.Acts(link.Recipient.Role)) return Problems.Conflict(ErrorCodes.RecipientCannotAct, "A cc recipient receives the document but cannot decline it.");
        var (cell, r, d) = (link.Cell, link.Recipient, link.Document);
        var now = time.GetUtcNow().UtcDateTime;
        if (!DocumentWorkflow.TryMove(d, DocumentStates.Declined)) return DocumentSetupEndpoints.StateConflict(d, DocumentStates.Declined);
        d.DeclinedAt = now;
        await Payments.PaymentFlow.CancelAsync(link.Db, d, ct);
        d.DeclineReasonToken = await cell.Keys.EncryptFieldAsync(d.OrganizationId, Document.DeclinePurpose, reason, d.Id, ct);
        r.Status = RecipientStates.Declined;
        r.CompletedAt = now;
        foreach (var other in await link.Db.Recipients.Where(x => x.DocumentId == d.Id).ToListAsync(ct))
        {
            other.LinkHash = null;
        }
        await DocumentWorkflow.RecordAsync(link.Db, cell, d, "document.declined", AuditActor.From(http, r.Id), now, ct, r.Id);
        try
        {
            await link.Db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Problems.Conflict(ErrorCodes.DocumentStateConflict, "The document changed meanwhile; open the link again.");
        }
        return TypedResults.NoContent();
    }

    /// <summary>What signing needs besides the link and the request: the cell's keys, the audit log, mail, the clock and a logger.</summary>
    internal sealed record SignServices(SigningKeys Keys, AuditLogs Logs, AuditOptions AuditOptions, MailOptions Mail, IMailer Mailer, TimeProvider Time, ILoggerFactory Loggers);

    private static async Task<Results<Ok<SignResult>, NotFound, ProblemHttpResult>> Sign(SignRequest request, SigningLink link, HttpContext http, [AsParameters] SignServices services, CancellationToken ct)
    {
        var (keys, logs, auditOptions, mail, mailer, time, loggers) = services;
        // Two recipients of one parallel group may sign at once: the loser of the optimistic
        // concurrency check (Document.Revision) starts again from the winner's revision.
        for (var attempt = 0; ; attempt++)
        {
            if (attempt > 0 && !await link.ReopenAsync(ct)) return TypedResults.NotFound();
            if (!StepUp.Passed(link.Recipient, http, time.GetUtcNow().UtcDateTime)) return StepUp.Required(link.Recipient);
            var outcome = await SignOnce.RunAsync(link, request, http, keys, mail, time, ct);
            if (outcome.Conflict && attempt < 4)
            {
                continue;
            }
            if (outcome.Problem is { } problem) return problem;
            if (outcome.Conflict) return Problems.Conflict(ErrorCodes.DocumentStateConflict, "The document is busy; try again.");
            var logger = loggers.CreateLogger("Sigill.Api.Signing");
            var result = outcome.Result!;
            if (outcome.Finished)
            {
                try
                {
                    result = result with { DocumentStatus = await DocumentCompletion.CompleteAsync(link.Cell, logs, auditOptions, keys, time, link.Document.Id, ct) ?? result.DocumentStatus };
                }
                catch (Sigill.Api.Platform.Jobs.JobFailedException)
                {
                    // The signature is committed; the completion job finishes the document shortly.
                }
                if (result.DocumentStatus == DocumentStates.Completed) DocumentLog.Completed(logger, link.Document.Id);
            }
            await DocumentWorkflow.SendAllAsync(mailer, link.Cell, link.Document, outcome.Messages, time, logger);
            return TypedResults.Ok(result);
        }
    }
}

