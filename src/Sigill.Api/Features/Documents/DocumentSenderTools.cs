using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Audit;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Mail;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Security;
using Sigill.Crypto;

namespace Sigill.Api.Features.Documents;

/// <summary>
/// What a sender does to a document already on its way, or to a draft: resend one invitation, remind everyone whose
/// turn it is, correct a recipient's name or address (their old link dies at once), duplicate, delete a draft.
/// Each is audited; the ones that send mail refuse to mail one person more than once a minute (<see cref="ResendGap"/>).
/// </summary>
internal static class DocumentSenderTools
{
    public static readonly TimeSpan ResendGap = TimeSpan.FromMinutes(1);

    /// <param name="Language">The language of the recipient's next e-mails (en, sv, de, fr, es); "" goes back to the organization's default.</param>
    public sealed record CorrectRecipientRequest(string? Name, string? Email, string? Language = null);

    public sealed record RemindResult(int Reminded);

    internal static void MapSenderTools(this RouteGroupBuilder group)
    {
        group.MapPost("/{id}/recipients/{recipientId}/resend", Resend);
        group.MapPost("/{id}/remind", Remind);
        group.MapPatch("/{id}/recipients/{recipientId}", Correct);
        group.MapPost("/{id}/duplicate", Duplicate);
        group.MapDelete("/{id}", Delete).WithMetadata(Privacy.DeletionGate.Marker);
    }

    private static ProblemHttpResult Finished() =>
        Problems.Conflict(ErrorCodes.RecipientFinished, "This recipient has nothing left to do on this document (or it is no longer out for signature).");

    private static ProblemHttpResult TooSoon(HttpContext http, DateTime notifiedAt, DateTime now)
    {
        var wait = (int)Math.Ceiling((notifiedAt + ResendGap - now).TotalSeconds);
        http.Response.Headers.RetryAfter = Math.Max(1, wait).ToString(CultureInfo.InvariantCulture);
        return Problems.Create(StatusCodes.Status429TooManyRequests, ErrorCodes.ResendTooSoon, "E-mailed a moment ago.",
            $"This recipient was e-mailed less than a minute ago; try again in {Math.Max(1, wait)} seconds.");
    }

    /// <summary>A recipient waiting on a sent document whose turn it is: they hold a live link.</summary>
    private static bool Waiting(Document doc, Recipient r) =>
        doc.Status == DocumentStates.Sent && r.LinkHash is not null && !RecipientStates.IsDone(r.Status);

    private static async Task<Results<Ok<RecipientView>, NotFound, ProblemHttpResult>> Resend(string id, string recipientId, HttpContext http, Caller caller,
        CellDbContext db, [AsParameters] DocumentSetupEndpoints.SendServices services, CancellationToken ct)
    {
        var (mail, mailer, _, time, loggers, _) = services;
        var doc = await DocumentEndpoints.FindAsync(db, caller, id, ct);
        if (doc is null) return TypedResults.NotFound();
        var r = await db.Recipients.SingleOrDefaultAsync(x => x.Id == recipientId && x.DocumentId == doc.Id, ct);
        if (r is null) return TypedResults.NotFound();
        var cell = caller.Cell;
        var now = time.GetUtcNow().UtcDateTime;
        if (await DocumentWorkflow.ExpireIfDueAsync(db, cell, doc, now, ct) || !Waiting(doc, r)) return Finished();
        if (r.NotifiedAt is { } last && now - last < ResendGap) return TooSoon(http, last, now);
        var letter = await DocumentMail.LoadAsync(db, cell, doc, mail, ct);
        var message = await DocumentWorkflow.IssueLinkAsync(letter, r, reminder: true, ct);
        r.NotifiedAt = now;
        await DocumentWorkflow.RecordAsync(db, cell, doc, "document.resent", AuditActor.From(http, caller.Actor), now, ct, r.Id);
        await db.SaveChangesAsync(ct);
        await DocumentWorkflow.SendAllAsync(mailer, cell, doc, [message], time, loggers.CreateLogger("Sigill.Api.Documents"));
        return TypedResults.Ok(await RecipientView.FromAsync(r, cell, ct));
    }

    /// <summary>Reminds, with fresh links, every signer and approver whose turn it is and who was not e-mailed in the last minute.</summary>
    private static async Task<Results<Ok<RemindResult>, NotFound, ProblemHttpResult>> Remind(string id, HttpContext http, Caller caller,
        CellDbContext db, [AsParameters] DocumentSetupEndpoints.SendServices services, CancellationToken ct)
    {
        var (mail, mailer, _, time, loggers, _) = services;
        var doc = await DocumentEndpoints.FindAsync(db, caller, id, ct);
        if (doc is null) return TypedResults.NotFound();
        var cell = caller.Cell;
        var now = time.GetUtcNow().UtcDateTime;
        await DocumentWorkflow.ExpireIfDueAsync(db, cell, doc, now, ct);
        if (doc.Status != DocumentStates.Sent) return DocumentSetupEndpoints.StateConflict(doc, "reminded");
        var waiting = (await db.Recipients.Where(r => r.DocumentId == doc.Id && r.Role != RecipientRoles.Cc).ToListAsync(ct)).Where(r => Waiting(doc, r)).ToList();
        var due = waiting.Where(r => r.NotifiedAt is not { } last || now - last >= ResendGap).ToList();
        if (waiting.Count > 0 && due.Count == 0) return TooSoon(http, waiting.Max(r => r.NotifiedAt!.Value), now);
        var letter = await DocumentMail.LoadAsync(db, cell, doc, mail, ct);
        var messages = new List<MailMessage>();
        foreach (var r in due)
        {
            messages.Add(await DocumentWorkflow.IssueLinkAsync(letter, r, reminder: true, ct));
            r.NotifiedAt = now;
        }
        if (due.Count > 0)
        {
            await DocumentWorkflow.RecordAsync(db, cell, doc, "document.reminded", AuditActor.From(http, caller.Actor), now, ct,
                details: new Dictionary<string, string> { ["reminder"] = "manual", ["recipients"] = due.Count.ToString(CultureInfo.InvariantCulture) });
            await db.SaveChangesAsync(ct);
            await DocumentWorkflow.SendAllAsync(mailer, cell, doc, messages, time, loggers.CreateLogger("Sigill.Api.Documents"));
        }
        return TypedResults.Ok(new RemindResult(due.Count));
    }

    /// <summary>
    /// Corrects a recipient's name and/or e-mail. On a draft it is an edit. On a sent document the recipient must not
    /// have finished; if they hold a link, it dies now and the corrected address gets a new one.
    /// </summary>
    private static async Task<Results<Ok<RecipientView>, NotFound, ProblemHttpResult>> Correct(string id, string recipientId, CorrectRecipientRequest request,
        HttpContext http, Caller caller, CellDbContext db, [AsParameters] DocumentSetupEndpoints.SendServices services, CancellationToken ct)
    {
        var (mail, mailer, _, time, loggers, _) = services;
        var doc = await DocumentEndpoints.FindAsync(db, caller, id, ct);
        if (doc is null) return TypedResults.NotFound();
        var r = await db.Recipients.SingleOrDefaultAsync(x => x.Id == recipientId && x.DocumentId == doc.Id, ct);
        if (r is null) return TypedResults.NotFound();
        var name = request.Name?.Trim();
        if (name is not null && name.Length is 0 or > 200) return Problems.Validation("name is at most 200 characters and not empty.");
        var email = request.Email?.Trim();
        if (email is not null && !MailServices.IsSingleAddress(email)) return Problems.Validation("email must be a single e-mail address.");
        if (request.Language is { Length: > 0 } language && !Languages.IsSupported(language)) return Problems.LanguageUnsupported("language");
        if (name is null && email is null && request.Language is null) return Problems.Validation("Give a new name, a new email or a language.");
        var cell = caller.Cell;
        var now = time.GetUtcNow().UtcDateTime;
        await DocumentWorkflow.ExpireIfDueAsync(db, cell, doc, now, ct);
        if (doc.Status != DocumentStates.Draft && (doc.Status != DocumentStates.Sent || RecipientStates.IsDone(r.Status))) return Finished();
        if (request.Language is not null) r.Language = request.Language.Length == 0 ? null : request.Language;
        if (name is not null) r.NameToken = (await cell.Keys.EncryptFieldAsync(r.OrganizationId, Recipient.NamePurpose, name, r.Id, ct))!;
        if (email is not null)
        {
            r.EmailToken = (await cell.Keys.EncryptFieldAsync(r.OrganizationId, Recipient.EmailPurpose, email, r.Id, ct))!;
            r.EmailIndex = await cell.Keys.BlindIndexAsync(r.OrganizationId, Recipient.EmailIndexPurpose, CellKeyManager.NormalizeEmail(email), ct);
        }
        MailMessage? message = null;
        if (doc.Status == DocumentStates.Sent)
        {
            if (r.LinkHash is not null && (name is not null || email is not null)) // a new language alone changes the next e-mails, not the link
            {
                // The old link dies with the new one: only the new address can act.
                message = await DocumentWorkflow.IssueLinkAsync(await DocumentMail.LoadAsync(db, cell, doc, mail, ct), r, reminder: false, ct);
                r.NotifiedAt = now;
            }
            await DocumentWorkflow.RecordAsync(db, cell, doc, "recipient.corrected", AuditActor.From(http, caller.Actor), now, ct, r.Id,
                new Dictionary<string, string> { ["changed"] = string.Join(",", new[] { name is null ? null : "name", email is null ? null : "email", request.Language is null ? null : "language" }.OfType<string>()) });
        }
        await db.SaveChangesAsync(ct);
        if (message is not null) await DocumentWorkflow.SendAllAsync(mailer, cell, doc, [message], time, loggers.CreateLogger("Sigill.Api.Documents"));
        return TypedResults.Ok(await RecipientView.FromAsync(r, cell, ct));
    }

    /// <summary>
    /// A new draft with the original PDF (before any signature), the same recipients and field placements, and none of
    /// the values. A recipient who needed an access code gets an e-mailed code instead (codes are stored only as keyed
    /// hashes, so they cannot be copied); remove and add them again to set a new access code.
    /// </summary>
    private static async Task<Results<Created<DocumentView>, NotFound, ProblemHttpResult>> Duplicate(string id, HttpContext http, Caller caller, CellDbContext db,
        TimeProvider time, CancellationToken ct)
    {
        var source = await DocumentEndpoints.FindAsync(db, caller, id, ct);
        if (source is null) return TypedResults.NotFound();
        var cell = caller.Cell;
        var original = DocumentWorkflow.OriginalOf(await DocumentWorkflow.ReadPdfAsync(cell, source, ct), source.OriginalSha256)
            ?? throw new InvalidOperationException($"document {source.Id} does not start with its original PDF");
        var now = time.GetUtcNow().UtcDateTime;
        var docId = SigillId.New("doc", cell.Region);
        var title = (await cell.Keys.DecryptFieldAsync(source.OrganizationId, Document.TitlePurpose, source.TitleToken, source.Id, ct))!;
        var copyTitle = title.StartsWith("Copy of ", StringComparison.Ordinal) ? title : "Copy of " + title;
        if (copyTitle.Length > 300) copyTitle = copyTitle[..300];
        var pricing = await cell.Keys.DecryptFieldAsync(source.OrganizationId, Document.PricingPurpose, source.PricingToken, source.Id, ct);
        var objectId = await DocumentWorkflow.WritePdfAsync(cell, source.OrganizationId, original, ct);
        var doc = new Document
        {
            Id = docId,
            OrganizationId = source.OrganizationId,
            TitleToken = (await cell.Keys.EncryptFieldAsync(source.OrganizationId, Document.TitlePurpose, copyTitle, docId, ct))!,
            Status = DocumentStates.Draft,
            Source = source.Source,
            PricingToken = pricing is null ? null : await cell.Keys.EncryptFieldAsync(source.OrganizationId, Document.PricingPurpose, pricing, docId, ct),
            PagesJson = source.PagesJson,
            OriginalSha256 = source.OriginalSha256,
            CurrentPdfObjectId = objectId,
            Language = source.Language, // the same PDF: the same language
            CreatedAt = now,
        };
        db.Documents.Add(doc);
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var r in await db.Recipients.AsNoTracking().Where(r => r.DocumentId == source.Id).ToListAsync(ct))
        {
            var rid = SigillId.New("rcp", cell.Region);
            ids[r.Id] = rid;
            var (name, email) = await DocumentWorkflow.NameAndEmailAsync(cell, r, ct);
            db.Recipients.Add(new Recipient
            {
                Id = rid,
                DocumentId = docId,
                OrganizationId = doc.OrganizationId,
                NameToken = (await cell.Keys.EncryptFieldAsync(doc.OrganizationId, Recipient.NamePurpose, name, rid, ct))!,
                EmailToken = (await cell.Keys.EncryptFieldAsync(doc.OrganizationId, Recipient.EmailPurpose, email, rid, ct))!,
                EmailIndex = r.EmailIndex,
                Role = r.Role,
                SigningOrder = r.SigningOrder,
                Status = RecipientStates.Pending,
                StepUp = r.StepUp is null ? null : Signing.StepUp.EmailCode,
                Language = r.Language,
            });
        }
        var sourceFields = await db.DocumentFields.AsNoTracking().Where(f => f.DocumentId == source.Id).ToListAsync(ct);
        var fieldIds = sourceFields.ToDictionary(f => f.Id, _ => SigillId.New("fld", cell.Region), StringComparer.Ordinal);
        foreach (var f in sourceFields)
        {
            var fieldId = fieldIds[f.Id];
            var settings = await DocumentFieldSettings.ReadAsync(cell, f, ct);
            if (settings?.Condition is { } condition) settings = settings with { Condition = condition with { Field = fieldIds[condition.Field!] } };
            var copy = new DocumentField
            {
                Id = fieldId,
                DocumentId = docId,
                OrganizationId = doc.OrganizationId,
                RecipientId = ids[f.RecipientId],
                Kind = f.Kind,
                Page = f.Page,
                X = f.X,
                Y = f.Y,
                Width = f.Width,
                Height = f.Height,
                Required = f.Required,
                FillSigningDate = f.FillSigningDate,
                LabelToken = await cell.Keys.EncryptFieldAsync(doc.OrganizationId, DocumentField.LabelPurpose,
                    await cell.Keys.DecryptFieldAsync(f.OrganizationId, DocumentField.LabelPurpose, f.LabelToken, f.Id, ct), fieldId, ct),
            };
            await DocumentFieldSettings.WriteAsync(cell, copy, settings, ct);
            db.DocumentFields.Add(copy);
        }
        await DocumentWorkflow.RecordAsync(db, cell, doc, "document.created", AuditActor.From(http, caller.Actor), now, ct,
            details: new Dictionary<string, string> { ["source"] = "duplicate", ["of"] = source.Id, ["sha256"] = doc.OriginalSha256 });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch
        {
            await DocumentWorkflow.DeletePdfAsync(cell, doc.OrganizationId, objectId); // nothing half-way
            throw;
        }
        return TypedResults.Created($"/api/v1/documents/{doc.Id}", await DocumentEndpoints.ViewAsync(db, cell, doc, ct));
    }

    /// <summary>Deletes a draft: its recipients, fields, activity and PDF. Anything once sent stays (void it instead): it is evidence.</summary>
    private static async Task<Results<NoContent, NotFound, ProblemHttpResult>> Delete(string id, HttpContext http, Caller caller, CellDbContext db,
        TimeProvider time, CancellationToken ct)
    {
        var doc = await DocumentEndpoints.FindAsync(db, caller, id, ct);
        if (doc is null) return TypedResults.NotFound();
        if (doc.Status != DocumentStates.Draft)
        {
            return Problems.Conflict(ErrorCodes.DocumentNotDraft, $"The document is {doc.Status}; only drafts can be deleted (void a sent document instead).");
        }
        var cell = caller.Cell;
        if (await Privacy.DeletionGate.CheckAsync(db, cell, doc.OrganizationId, [doc.Id], time.GetUtcNow().UtcDateTime, ct) is { } kept)
        {
            return await Privacy.DeletionGate.RefuseAsync(db, cell, doc.OrganizationId, AuditActor.From(http, caller.Actor), "document.delete", doc.Id, kept,
                time.GetUtcNow().UtcDateTime, ct);
        }
        var fields = await db.DocumentFields.Where(f => f.DocumentId == doc.Id).ToListAsync(ct);
        db.DocumentFields.RemoveRange(fields);
        db.Recipients.RemoveRange(await db.Recipients.Where(r => r.DocumentId == doc.Id).ToListAsync(ct));
        db.DocumentEvents.RemoveRange(await db.DocumentEvents.Where(e => e.DocumentId == doc.Id).ToListAsync(ct));
        db.Documents.Remove(doc);
        await AuditRecorder.RecordAsync(db, cell, new AuditEventData("document.deleted", doc.OrganizationId, AuditActor.From(http, caller.Actor), doc.Id,
            new Dictionary<string, string> { ["kind"] = "document", ["rule"] = "draft_delete" }), time.GetUtcNow().UtcDateTime, ct);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Problems.Conflict(ErrorCodes.DocumentStateConflict, "The document changed while it was being deleted; read it again.");
        }
        await DocumentWorkflow.DeletePdfAsync(cell, doc.OrganizationId, doc.CurrentPdfObjectId);
        foreach (var f in fields.Where(f => f.AttachmentObjectId is not null)) await Signing.FieldAttachments.DeleteAsync(cell, doc.OrganizationId, f.AttachmentObjectId!);
        return TypedResults.NoContent();
    }
}
