using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Mail;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Security;
using Sigill.Crypto;
using Sigill.Api.Features.Audit;

namespace Sigill.Api.Features.Documents;

/// <summary>Recipients and fields (draft only), then send and void.</summary>
public static class DocumentSetupEndpoints
{
    /// <param name="StepUp">none (default), access_code (with <paramref name="AccessCode"/>, 6-64 characters) or email_code.</param>
    /// <param name="Language">The language of the recipient's e-mails (en, sv, de, fr, es); absent: the organization's default.</param>
    public sealed record AddRecipientRequest(string? Name, string? Email, string? Role, int? SigningOrder, string? StepUp = null, string? AccessCode = null,
        string? Language = null);

    /// <summary>
    /// A field to place. <c>Required</c> defaults to true, except for a checkbox (ticking is a choice) and a date the
    /// signing fills in. <c>Label</c>: what the signer is asked for, one line of at most <see cref="MaxLabelLength"/> characters.
    /// <c>Settings</c>: what the kind takes (a number's bounds, a dropdown's or radio group's options, a condition; docs/fields.md).
    /// </summary>
    public sealed record AddFieldRequest(string? RecipientId, string? Kind, int Page, double X, double Y, double Width, double Height, bool? Required = null,
        string? Label = null, bool FillSigningDate = false, FieldSettings? Settings = null);

    /// <summary>
    /// A placed field's label, whether it must be filled in, where it is, and its settings (a draft's); absent members keep
    /// their value, and <c>Settings</c>, when given, replaces the field's settings as a whole.
    /// </summary>
    public sealed record UpdateFieldRequest(string? Label = null, bool? Required = null, int? Page = null, double? X = null, double? Y = null,
        FieldSettings? Settings = null);

    public const int MaxLabelLength = 100;

    /// <param name="RemindEveryDays">Automatic reminders to recipients who have not acted, every this many days until expiry (1-365; none when absent).</param>
    public sealed record SendRequest(string? Message, int? ExpiresInDays, int? RemindEveryDays = null);

    public sealed record VoidRequest(string? Reason);

    internal static void MapDocumentSetup(this RouteGroupBuilder group)
    {
        group.MapPost("/{id}/recipients", AddRecipient);
        group.MapDelete("/{id}/recipients/{recipientId}", RemoveRecipient);
        group.MapPost("/{id}/fields", AddField);
        group.MapDelete("/{id}/fields/{fieldId}", RemoveField);
        group.MapPatch("/{id}/fields/{fieldId}", UpdateField);
        group.MapPost("/{id}/send", Send);
        group.MapPost("/{id}/void", Void);
        group.MapSenderTools();
    }

    private static ProblemHttpResult NotDraft(Document doc) =>
        Problems.Conflict(ErrorCodes.DocumentNotDraft, $"The document is {doc.Status}; recipients and fields can change only while it is a draft.");

    internal static ProblemHttpResult StateConflict(Document doc, string to) =>
        Problems.Conflict(ErrorCodes.DocumentStateConflict, $"A {doc.Status} document cannot become {to}.");

    private static async Task<Results<Created<RecipientView>, NotFound, ProblemHttpResult>> AddRecipient(string id, AddRecipientRequest request, Caller caller,
        CellDbContext db, CancellationToken ct)
    {
        var doc = await DocumentEndpoints.FindAsync(db, caller, id, ct);
        if (doc is null) return TypedResults.NotFound();
        if (doc.Status != DocumentStates.Draft) return NotDraft(doc);
        var name = request.Name?.Trim() ?? "";
        if (name.Length is 0 or > 200) return Problems.Validation("name is required (at most 200 characters).");
        var email = request.Email?.Trim();
        if (!MailServices.IsSingleAddress(email)) return Problems.Validation("email must be a single e-mail address.");
        var role = request.Role ?? RecipientRoles.Signer;
        if (!RecipientRoles.IsValid(role)) return Problems.Validation("role must be signer, approver or cc.");
        if (!Signing.StepUp.TryParseKind(request.StepUp, out var stepUp)) return Problems.Validation("stepUp must be none, access_code or email_code.");
        var accessCode = request.AccessCode?.Trim();
        if (stepUp == Signing.StepUp.AccessCode ? accessCode is not { Length: >= 6 and <= 64 } : accessCode is not null)
        {
            return Problems.Validation("accessCode (6-64 characters) goes with stepUp access_code, and only with it.");
        }
        if (request.Language is not null && !Languages.IsSupported(request.Language)) return Problems.LanguageUnsupported("language");
        var existing = await db.Recipients.Where(r => r.DocumentId == doc.Id).ToListAsync(ct);
        if (existing.Count >= 50) return Problems.Validation("A document has at most 50 recipients.");
        if (request.SigningOrder is < 1 or > 50) return Problems.Validation("signingOrder must be 1-50 (equal numbers sign in parallel).");
        // Default: after everybody so far (sequential). Equal numbers form a parallel group.
        var order = request.SigningOrder ?? (existing.Count == 0 ? 1 : existing.Max(r => r.SigningOrder) + 1);
        var cell = caller.Cell;
        var recipient = await DocumentRecipients.AddAsync(db, cell, doc, name, email!, role, order, stepUp, accessCode, ct, request.Language);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/documents/{doc.Id}/recipients/{recipient.Id}", await RecipientView.FromAsync(recipient, cell, ct));
    }

    private static async Task<Results<Created<FieldView>, NotFound, ProblemHttpResult>> AddField(string id, AddFieldRequest request, Caller caller,
        CellDbContext db, CancellationToken ct)
    {
        var doc = await DocumentEndpoints.FindAsync(db, caller, id, ct);
        if (doc is null) return TypedResults.NotFound();
        if (doc.Status != DocumentStates.Draft) return NotDraft(doc);
        if (!FieldKinds.IsValid(request.Kind)) return Problems.Validation("kind must be signature, initials, text, date, checkbox, number, email, name, dropdown, radio, formula or attachment.");
        if (request.FillSigningDate && request.Kind != FieldKinds.Date) return Problems.Validation("fillSigningDate is for date fields only.");
        if (LabelProblem(request.Label) is { } labelProblem) return Problems.Validation(labelProblem);
        var recipient = await db.Recipients.AsNoTracking().SingleOrDefaultAsync(r => r.Id == request.RecipientId && r.DocumentId == doc.Id, ct);
        if (recipient is null) return Problems.Validation("recipientId must name a recipient of this document.");
        if (recipient.Role != RecipientRoles.Signer) return Problems.Validation("Fields can be assigned to signers only.");
        if (OffPage(doc, request.Page, request.X, request.Y, request.Width, request.Height) is { } offPage) return offPage;
        var (settings, settingsProblem) = FieldRules.NormalizeSettings(request.Kind!, request.FillSigningDate, request.Settings);
        if (settingsProblem is not null) return DocumentFieldSettings.Problem(settingsProblem);
        if (await db.DocumentFields.CountAsync(f => f.DocumentId == doc.Id, ct) >= 500) return Problems.Validation("A document has at most 500 fields.");
        var cell = caller.Cell;
        var fieldId = SigillId.New("fld", cell.Region);
        if (settings?.Condition is not null || settings?.Name is not null || settings?.Formula is not null)
        {
            var definitions = await DocumentFieldSettings.DefinitionsAsync(db, cell, doc.Id, recipient.Id, ct);
            definitions.Add(new FieldRules.Definition(fieldId, recipient.Id, request.Kind!, settings));
            if (await DocumentFieldSettings.CheckAsync(cell, doc, definitions, ct) is { } fieldsProblem) return DocumentFieldSettings.Problem(fieldsProblem);
        }
        var field = new DocumentField
        {
            Id = fieldId,
            DocumentId = doc.Id,
            OrganizationId = doc.OrganizationId,
            RecipientId = recipient.Id,
            Kind = request.Kind!,
            Page = request.Page,
            X = request.X,
            Y = request.Y,
            Width = request.Width,
            Height = request.Height,
            Required = !request.FillSigningDate && (request.Required ?? request.Kind != FieldKinds.Checkbox),
            FillSigningDate = request.FillSigningDate,
            LabelToken = await cell.Keys.EncryptFieldAsync(doc.OrganizationId, DocumentField.LabelPurpose, Label(request.Label), fieldId, ct),
        };
        await DocumentFieldSettings.WriteAsync(cell, field, settings, ct);
        db.DocumentFields.Add(field);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/documents/{doc.Id}/fields/{field.Id}", await FieldView.FromAsync(field, cell, ct));
    }

    private static ProblemHttpResult? OffPage(Document doc, int page, double x, double y, double width, double height)
    {
        var pages = DocumentView.PagesOf(doc);
        double[] numbers = [x, y, width, height];
        return numbers.Any(n => !double.IsFinite(n)) || width < 4 || height < 4 || page < 1 || page > pages.Count || x < 0 || y < 0
            || x + width > pages[page - 1].Width + 0.001 || y + height > pages[page - 1].Height + 0.001
            ? Problems.Create(StatusCodes.Status400BadRequest, ErrorCodes.FieldOffPage, "The field is not on a page.",
                $"The document has {pages.Count} page(s); a field needs page 1-{pages.Count}, a size of at least 4x4 points and must lie inside the page (points from the top-left corner).")
            : null;
    }

    private static async Task<Results<Ok<FieldView>, NotFound, ProblemHttpResult>> UpdateField(string id, string fieldId, UpdateFieldRequest request, Caller caller,
        CellDbContext db, CancellationToken ct)
    {
        var doc = await DocumentEndpoints.FindAsync(db, caller, id, ct);
        if (doc is null) return TypedResults.NotFound();
        var field = await db.DocumentFields.SingleOrDefaultAsync(f => f.Id == fieldId && f.DocumentId == doc.Id, ct);
        if (field is null) return TypedResults.NotFound();
        if (doc.Status != DocumentStates.Draft) return NotDraft(doc);
        if (LabelProblem(request.Label) is { } labelProblem) return Problems.Validation(labelProblem);
        if (request.Required == true && field.FillSigningDate) return Problems.Validation("A date the signing fills in is never left to the signer.");
        var (page, x, y) = (request.Page ?? field.Page, request.X ?? field.X, request.Y ?? field.Y);
        if (OffPage(doc, page, x, y, field.Width, field.Height) is { } offPage) return offPage;
        var cell = caller.Cell;
        if (request.Settings is not null)
        {
            var (settings, settingsProblem) = FieldRules.NormalizeSettings(field.Kind, field.FillSigningDate, request.Settings);
            if (settingsProblem is not null) return DocumentFieldSettings.Problem(settingsProblem);
            // New options may leave another field's condition without its value: every condition is checked again.
            var definitions = await DocumentFieldSettings.DefinitionsAsync(db, cell, doc.Id, field.RecipientId, ct);
            definitions[definitions.FindIndex(d => d.Id == field.Id)] = new FieldRules.Definition(field.Id, field.RecipientId, field.Kind, settings);
            if (await DocumentFieldSettings.CheckAsync(cell, doc, definitions, ct) is { } fieldsProblem) return DocumentFieldSettings.Problem(fieldsProblem);
            await DocumentFieldSettings.WriteAsync(cell, field, settings, ct);
        }
        (field.Page, field.X, field.Y) = (page, x, y);
        if (request.Label is not null)
        {
            field.LabelToken = await cell.Keys.EncryptFieldAsync(doc.OrganizationId, DocumentField.LabelPurpose, Label(request.Label), field.Id, ct);
        }
        field.Required = request.Required ?? field.Required;
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(await FieldView.FromAsync(field, cell, ct));
    }

    /// <summary>A label as stored: trimmed, null when blank.</summary>
    private static string? Label(string? label) => string.IsNullOrWhiteSpace(label) ? null : label.Trim();

    private static string? LabelProblem(string? label) =>
        label is null || (label.Trim().Length <= MaxLabelLength && !label.Any(c => char.IsControl(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format))
            ? null
            : $"label is one line of at most {MaxLabelLength} characters.";

    /// <summary>Removes a recipient of a draft, with the fields assigned to them.</summary>
    private static async Task<Results<NoContent, NotFound, ProblemHttpResult>> RemoveRecipient(string id, string recipientId, Caller caller,
        CellDbContext db, CancellationToken ct)
    {
        var doc = await DocumentEndpoints.FindAsync(db, caller, id, ct);
        if (doc is null) return TypedResults.NotFound();
        var recipient = await db.Recipients.SingleOrDefaultAsync(r => r.Id == recipientId && r.DocumentId == doc.Id, ct);
        if (recipient is null) return TypedResults.NotFound();
        if (doc.Status != DocumentStates.Draft) return NotDraft(doc);
        db.DocumentFields.RemoveRange(await db.DocumentFields.Where(f => f.DocumentId == doc.Id && f.RecipientId == recipient.Id).ToListAsync(ct));
        db.Recipients.Remove(recipient);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    /// <summary>Removes a field from a draft (moving a field is removing it and placing it again).</summary>
    private static async Task<Results<NoContent, NotFound, ProblemHttpResult>> RemoveField(string id, string fieldId, Caller caller, CellDbContext db, CancellationToken ct)
    {
        var doc = await DocumentEndpoints.FindAsync(db, caller, id, ct);
        if (doc is null) return TypedResults.NotFound();
        var field = await db.DocumentFields.SingleOrDefaultAsync(f => f.Id == fieldId && f.DocumentId == doc.Id, ct);
        if (field is null) return TypedResults.NotFound();
        if (doc.Status != DocumentStates.Draft) return NotDraft(doc);
        var remaining = (await DocumentFieldSettings.DefinitionsAsync(db, caller.Cell, doc.Id, field.RecipientId, ct)).Where(d => d.Id != field.Id).ToList();
        // Another field's condition or formula names it.
        if (await DocumentFieldSettings.CheckAsync(caller.Cell, doc, remaining, ct) is { } fieldsProblem) return DocumentFieldSettings.Problem(fieldsProblem);
        db.DocumentFields.Remove(field);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    /// <summary>What sending needs besides the request: mail, limits, the clock and a logger.</summary>
    internal sealed record SendServices(MailOptions Mail, IMailer Mailer, DocumentOptions Options, TimeProvider Time, ILoggerFactory Loggers, Payments.IPaymentProcessor Processor);

    private static async Task<Results<Ok<DocumentView>, NotFound, ProblemHttpResult>> Send(string id, SendRequest? request, HttpContext http, Caller caller, CellDbContext db, [AsParameters] SendServices services, CancellationToken ct)
    {
        var (mail, mailer, options, time, loggers, _) = services;
        var doc = await DocumentEndpoints.FindAsync(db, caller, id, ct);
        if (doc is null) return TypedResults.NotFound();
        if (!DocumentStates.CanMove(doc.Status, DocumentStates.Sent)) return StateConflict(doc, DocumentStates.Sent);
        var days = request?.ExpiresInDays ?? options.DefaultExpiryDays;
        if (days is < 1 or > 3650) return Problems.Validation("expiresInDays must be 1-3650.");
        if (request?.Message is { Length: > 4000 }) return Problems.Validation("message is at most 4000 characters.");
        if (request?.RemindEveryDays is < 1 or > 365) return Problems.Validation("remindEveryDays must be 1-365.");
        var recipients = await db.Recipients.Where(r => r.DocumentId == doc.Id).ToListAsync(ct);
        if (!recipients.Any(r => RecipientRoles.Acts(r.Role))) return Problems.Validation("A document needs at least one signer or approver before it is sent.");
        var cell = caller.Cell;
        var withFields = await db.DocumentFields.Where(f => f.DocumentId == doc.Id).Select(f => f.RecipientId).Distinct().ToListAsync(ct);
        var bare = recipients.Where(r => r.Role == RecipientRoles.Signer && !withFields.Contains(r.Id)).ToList();
        if (bare.Count > 0)
        {
            var names = new List<string>();
            foreach (var r in bare) names.Add((await DocumentWorkflow.NameAndEmailAsync(cell, r, ct)).Name);
            return Problems.Conflict(ErrorCodes.SignerWithoutFields,
                $"{string.Join(", ", names)} {(names.Count == 1 ? "has" : "have")} no field to sign. Place at least one field for every signer (or make them an approver), then send.");
        }
        if (await Payments.PaymentEndpoints.SendProblemAsync(db, doc, recipients, ct) is { } paymentProblem) return paymentProblem;
        var now = time.GetUtcNow().UtcDateTime;
        var messages = await MarkSentAsync(db, cell, doc, recipients, new SendSettings(days, request?.RemindEveryDays, request?.Message, caller.UserId),
            AuditActor.From(http, caller.Actor), mail, now, ct);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Problems.Conflict(ErrorCodes.DocumentStateConflict, "The document changed while it was being sent; read it again.");
        }
        await DocumentWorkflow.SendAllAsync(mailer, cell, doc, messages, time, loggers.CreateLogger("Sigill.Api.Documents"));
        return TypedResults.Ok(await DocumentEndpoints.ViewAsync(db, cell, doc, ct));
    }

    /// <summary>How a document is sent: expiry in days, reminders, the sender's message and who sent it.</summary>
    internal sealed record SendSettings(int ExpiresInDays, int? RemindEveryDays, string? Message, string? SentByUserId);

    /// <summary>
    /// A checked draft becomes sent (not saved here): expiry, reminders and message set, the first recipients' links issued
    /// (their e-mails returned, to go out after the commit), reminders scheduled and <c>document.sent</c> recorded.
    /// </summary>
    internal static async Task<List<Platform.Mail.MailMessage>> MarkSentAsync(CellDbContext db, Cell cell, Document doc, List<Recipient> recipients, SendSettings settings,
        AuditActor actor, MailOptions mail, DateTime now, CancellationToken ct, IReadOnlyDictionary<string, string>? details = null)
    {
        DocumentWorkflow.TryMove(doc, DocumentStates.Sent);
        doc.SentAt = now;
        doc.ExpiresAt = now.AddDays(settings.ExpiresInDays);
        doc.RemindEveryDays = settings.RemindEveryDays;
        doc.SentByUserId = settings.SentByUserId;
        doc.MessageToken = string.IsNullOrWhiteSpace(settings.Message) ? null : await cell.Keys.EncryptFieldAsync(doc.OrganizationId, Document.MessagePurpose, settings.Message, doc.Id, ct);
        var messages = await DocumentWorkflow.IssueLinksAsync(db, cell, doc, recipients, mail, now, ct);
        await DocumentReminders.ScheduleAsync(db, cell, doc, now, ct);
        var recorded = new Dictionary<string, string> { ["recipients"] = recipients.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        foreach (var (key, value) in details ?? new Dictionary<string, string>()) recorded[key] = value;
        await DocumentWorkflow.RecordAsync(db, cell, doc, "document.sent", actor, now, ct, details: recorded);
        return messages;
    }

    /// <summary>
    /// Voids a sent document: every link dies, and each recipient whose link died (it was their turn, or they had a
    /// copy) is told, with the sender's reason.
    /// </summary>
    private static async Task<Results<Ok<DocumentView>, NotFound, ProblemHttpResult>> Void(string id, VoidRequest? request, HttpContext http, Caller caller,
        CellDbContext db, [AsParameters] SendServices services, CancellationToken ct)
    {
        var (mail, mailer, _, time, loggers, processor) = services;
        var doc = await DocumentEndpoints.FindAsync(db, caller, id, ct);
        if (doc is null) return TypedResults.NotFound();
        var reason = request?.Reason?.Trim();
        if (reason is { Length: > 1000 }) return Problems.Validation("reason is at most 1000 characters.");
        var cell = caller.Cell;
        var now = time.GetUtcNow().UtcDateTime;
        await DocumentWorkflow.ExpireIfDueAsync(db, cell, doc, now, ct);
        if (!DocumentWorkflow.TryMove(doc, DocumentStates.Voided)) return StateConflict(doc, DocumentStates.Voided);
        doc.VoidedAt = now;
        var payment = await Payments.PaymentFlow.CancelAsync(db, doc, ct);
        var recipients = await db.Recipients.Where(r => r.DocumentId == doc.Id).ToListAsync(ct);
        var letter = await DocumentMail.LoadAsync(db, cell, doc, mail, ct);
        var messages = new List<Platform.Mail.MailMessage>();
        foreach (var r in recipients.Where(r => r.LinkHash is not null || r.Id == payment?.PayerToTell))
        {
            var (name, email) = await DocumentWorkflow.NameAndEmailAsync(cell, r, ct);
            messages.Add(letter.Message(letter.Voided(r, name, reason), name, email));
            r.LinkHash = null; // every link dies with the document
        }
        await DocumentWorkflow.RecordAsync(db, cell, doc, "document.voided", AuditActor.From(http, caller.Actor), now, ct,
            details: new Dictionary<string, string> { ["told"] = messages.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Problems.Conflict(ErrorCodes.DocumentStateConflict, "The document changed while it was being voided; read it again.");
        }
        var logger = loggers.CreateLogger("Sigill.Api.Documents");
        await Payments.PaymentFlow.ExpireCheckoutAsync(cell, processor, doc.OrganizationId, payment?.CheckoutId, logger);
        await DocumentWorkflow.SendAllAsync(mailer, cell, doc, messages, time, logger);
        return TypedResults.Ok(await DocumentEndpoints.ViewAsync(db, cell, doc, ct));
    }
}
