using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Mail;
using Sigill.Pdf;
using Sigill.Pdf.Images;
using Sigill.Api.Features.Documents;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Payments;

namespace Sigill.Api.Features.Signing;

/// <summary>
/// One attempt at a recipient's signature, kept together on purpose (it is the transaction):
/// check turn, consent, view and fields; stamp and sign the PDF as one incremental revision; store
/// the new encrypted revision; commit rows and audit events together (with the completion job when
/// it was the last step). A failed commit deletes the revisions it wrote, so nothing is stored half-way.
/// </summary>
internal static class SignOnce
{
    /// <param name="Finished">Every recipient has acted: the caller completes the document (<see cref="DocumentCompletion"/>) after the commit.</param>
    internal sealed record Outcome(SignResult? Result, ProblemHttpResult? Problem, bool Conflict, List<MailMessage> Messages, bool Finished = false)
    {
        public static Outcome Fail(ProblemHttpResult problem) => new(null, problem, false, []);
    }

    /// <summary>
    /// An accepted (invariant) number with <paramref name="culture"/>'s decimal mark (307,34 in Swedish), its own decimals
    /// kept; no grouping and an ASCII minus, so every stamped character is in the stamp's font.
    /// </summary>
    internal static string Localized(string invariant, CultureInfo culture) => invariant.Replace(".", culture.NumberFormat.NumberDecimalSeparator, StringComparison.Ordinal);

    public static async Task<Outcome> RunAsync(SigningLink link, SigningEndpoints.SignRequest request, HttpContext http, SigningKeys keys,
        MailOptions mail, TimeProvider time, CancellationToken ct)
    {
        var (cell, db, r, d) = (link.Cell, link.Db, link.Recipient, link.Document);
        if (!RecipientRoles.Acts(r.Role)) return Outcome.Fail(Problems.Conflict(ErrorCodes.RecipientCannotAct, "A cc recipient receives the document but does not sign it."));
        var recipients = await db.Recipients.Where(x => x.DocumentId == d.Id).ToListAsync(ct);
        if (recipients.Any(x => RecipientRoles.Acts(x.Role) && x.SigningOrder < r.SigningOrder && !RecipientStates.IsDone(x.Status)))
        {
            return Outcome.Fail(Problems.Conflict(ErrorCodes.SigningNotYourTurn, "Recipients earlier in the signing order have not finished yet; you will get an e-mail when it is your turn."));
        }
        if (r.ConsentedAt is null) return Outcome.Fail(Problems.Conflict(ErrorCodes.SigningConsentRequired, "Consent to electronic records and signatures first (POST …/consent)."));
        if (r.ViewedSha256 is null) return Outcome.Fail(Problems.Conflict(ErrorCodes.SigningViewRequired, "Open the document (GET …/document.pdf) before signing it."));

        var mine = await db.DocumentFields.Where(f => f.DocumentId == d.Id && f.RecipientId == r.Id).ToListAsync(ct);
        var given = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var v in request.Fields ?? [])
        {
            if (v.Id is null || !mine.Any(f => f.Id == v.Id))
            {
                return Outcome.Fail(DocumentFieldSettings.Problem(new(ErrorCodes.FieldNotYours, $"fields: '{v.Id}' is not one of your fields.")));
            }
            if (!given.TryAdd(v.Id, v.Value?.Trim() ?? "")) return Outcome.Fail(Problems.Validation($"fields: '{v.Id}' is given twice."));
        }
        // What each field takes, and which are shown given the values sent (FieldRules): hidden ones are neither required nor stored.
        var definitions = new List<FieldRules.Definition>(mine.Count);
        foreach (var f in mine) definitions.Add(new FieldRules.Definition(f.Id, f.RecipientId, f.Kind, await DocumentFieldSettings.ReadAsync(cell, f, ct)));
        var settingsOf = definitions.ToDictionary(x => x.Id, x => x.Settings, StringComparer.Ordinal);
        var shown = FieldRules.Visibility(definitions, given);
        var typed = request.TypedName?.Trim();
        PngImage? png = null;
        if (r.Role == RecipientRoles.Signer)
        {
            if (request.DrawnPng is { Length: > 0 } drawn)
            {
                (png, var refused) = DecodeDrawing(drawn);
                if (refused is not null) return Outcome.Fail(refused);
            }
            else if (typed is not { Length: > 0 and <= 200 })
            {
                return Outcome.Fail(Problems.Validation("Sign with typedName (1-200 characters) or drawnPng (a base64 PNG)."));
            }
        }

        // Numbers are stamped with the decimal mark of the signer's page language; the stored values stay invariant.
        var culture = Languages.Culture(await SigningEndpoints.LanguageAsync(link, ct));
        var stamps = new List<PdfStamp>();
        var dropped = new List<string>(); // attachments of fields hidden at signing: deleted once the signature commits
        var values = new Dictionary<DocumentField, string>();
        var formulas = new List<DocumentField>();
        foreach (var f in mine)
        {
            var stamp = new PdfStamp(f.Page - 1, f.X, f.Y, f.Width, f.Height);
            switch (f.Kind)
            {
                case FieldKinds.Formula:
                    // Computed below from the number fields as accepted; what the signer sends for it is refused, not overwritten.
                    if (given.TryGetValue(f.Id, out var sent) && sent.Length > 0)
                    {
                        return Outcome.Fail(DocumentFieldSettings.Problem(new(ErrorCodes.FieldReadOnly, $"Field {f.Id} is a formula: Sigill computes its value from your other fields; leave it out.")));
                    }
                    if (shown[f.Id]) formulas.Add(f);
                    continue;
                case FieldKinds.Signature:
                    stamps.Add(png is not null ? stamp with { Image = png } : stamp with { Text = typed, Handwriting = true });
                    values[f] = png is not null ? "(drawn signature)" : typed!;
                    continue;
                case FieldKinds.Initials:
                    var initials = png is not null ? null : Initials(typed!);
                    stamps.Add(png is not null ? stamp with { Image = png } : stamp with { Text = initials, Handwriting = true });
                    values[f] = initials ?? "(drawn initials)";
                    continue;
            }
            if (f.Kind == FieldKinds.Attachment)
            {
                // The file was uploaded before (FieldAttachments); nothing is sent for it here. A hidden one is not kept.
                if (given.TryGetValue(f.Id, out var sent) && sent.Length > 0)
                {
                    return Outcome.Fail(DocumentFieldSettings.Problem(new(ErrorCodes.FieldValueInvalid, $"Field {f.Id} is an attachment: upload the file (POST …/fields/{f.Id}/attachment) instead of sending a value.")));
                }
                if (!shown[f.Id])
                {
                    if (f.AttachmentObjectId is { } hidden) dropped.Add(hidden);
                    (f.AttachmentObjectId, f.AttachmentSha256, f.AttachmentContentType, f.AttachmentBytes, f.AttachmentNameToken) = (null, null, null, null, null);
                    continue;
                }
                if (f.AttachmentObjectId is null)
                {
                    if (f.Required) return Outcome.Fail(Problems.Create(StatusCodes.Status400BadRequest, ErrorCodes.SigningFieldsMissing, "Required fields are empty.", $"Field {f.Id} ({f.Kind}) is required: upload its file first."));
                    continue;
                }
                var fileName = (await cell.Keys.DecryptFieldAsync(f.OrganizationId, DocumentField.AttachmentNamePurpose, f.AttachmentNameToken, f.Id, ct))!;
                stamps.Add(stamp with { Text = fileName });
                values[f] = fileName;
                continue;
            }
            given.TryGetValue(f.Id, out var value);
            // A date the signing fills in: today (UTC, the evidence's zone), whatever was sent for it.
            value = f.FillSigningDate ? DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : value ?? "";
            var empty = value.Length == 0 || (f.Kind == FieldKinds.Checkbox && value == "false");
            if (!shown[f.Id])
            {
                if (!empty) return Outcome.Fail(DocumentFieldSettings.Problem(new(ErrorCodes.FieldHidden, $"Field {f.Id} is hidden by its condition given your other values: leave it out.")));
                continue;
            }
            if (empty)
            {
                if (f.Required) return Outcome.Fail(Problems.Create(StatusCodes.Status400BadRequest, ErrorCodes.SigningFieldsMissing, "Required fields are empty.", $"Field {f.Id} ({f.Kind}) is required."));
                if (f.Kind == FieldKinds.Checkbox && value == "false") values[f] = "false";
                continue;
            }
            var (accepted, refused) = FieldRules.CheckValue(f.Id, f.Kind, settingsOf[f.Id], value);
            if (refused is not null)
            {
                return Outcome.Fail(DocumentFieldSettings.Problem(refused));
            }
            value = accepted!;
            stamps.Add(stamp with { Text = f.Kind switch { FieldKinds.Checkbox => "X", FieldKinds.Number => Localized(value, culture), _ => value } });
            values[f] = value;
        }
        if (formulas.Count > 0)
        {
            // The number fields by their names, as accepted above: one left empty or hidden counts as 0 (docs/fields.md).
            var numbers = new Dictionary<string, decimal>(StringComparer.Ordinal);
            foreach (var (f, value) in values)
            {
                if (f.Kind == FieldKinds.Number && settingsOf[f.Id]?.Name is { } name) numbers[name] = decimal.Parse(value, NumberStyles.Number, CultureInfo.InvariantCulture);
            }
            var pricing = await DocumentFieldSettings.PricingAsync(cell, d, ct);
            foreach (var f in formulas)
            {
                var (computed, failed) = FieldRules.Compute(definitions.Single(x => x.Id == f.Id), numbers, pricing);
                if (failed is not null) return Outcome.Fail(DocumentFieldSettings.Problem(failed));
                stamps.Add(new PdfStamp(f.Page - 1, f.X, f.Y, f.Width, f.Height) { Text = Localized(computed!, culture) });
                values[f] = computed!;
            }
        }

        var now = time.GetUtcNow().UtcDateTime;
        var actor = AuditActor.From(http, r.Id);
        r.Status = r.Role == RecipientRoles.Signer ? RecipientStates.Signed : RecipientStates.Approved;
        r.CompletedAt = now;
        r.LinkHash = null; // a used link shows nothing
        r.CompletedIpToken = await cell.Keys.EncryptFieldAsync(r.OrganizationId, Recipient.IpPurpose, actor.Ip ?? "unknown", r.Id, ct);
        r.CompletedUserAgentToken = await cell.Keys.EncryptFieldAsync(r.OrganizationId, Recipient.UserAgentPurpose, http.UserAgent(), r.Id, ct);
        r.SignatureKind = r.Role == RecipientRoles.Signer ? (png is not null ? "drawn" : "typed") : null;
        foreach (var (f, value) in values)
        {
            f.ValueToken = await cell.Keys.EncryptFieldAsync(f.OrganizationId, DocumentField.ValuePurpose, value, f.Id, ct);
        }
        await DocumentWorkflow.RecordAsync(db, cell, d, r.Role == RecipientRoles.Signer ? "document.signed" : "document.approved", actor, now, ct, r.Id,
            new Dictionary<string, string> { ["viewedSha256"] = r.ViewedSha256 });

        var written = new List<string>();
        byte[]? pdf = null;
        if (r.Role == RecipientRoles.Signer)
        {
            var name = await cell.Keys.DecryptFieldAsync(r.OrganizationId, Recipient.NamePurpose, r.NameToken, r.Id, ct);
            // B-T when a TSA is configured. If none answers, or the organization's certificate is revoked, nothing is
            // stored and the recipient gets a problem (never a signature without its time).
            var signed = await Timestamps.LongTermProblems.TrySignAsync(async () =>
            {
                var (leaf, root) = await keys.ForOrganizationAsync(cell, d.OrganizationId, ct);
                return await IncrementalSigner.SignAsync(await DocumentWorkflow.ReadPdfAsync(cell, d, ct), new SignatureRequest
                {
                    Certificate = leaf,
                    Chain = [root],
                    FieldName = $"Signature {r.Id}",
                    SigningTime = new DateTimeOffset(now, TimeSpan.Zero),
                    SignerName = name,
                    Reason = "Signed electronically through Sigill",
                    PageIndex = mine.FirstOrDefault(f => f.Kind == FieldKinds.Signature) is { } sf ? sf.Page - 1 : 0,
                    Stamps = stamps,
                }, await keys.TimestampAuthorityAsync(cell, ct), ct);
            });
            if (signed.Problem is { } failed) return Outcome.Fail(failed);
            pdf = signed.Pdf;
        }
        var messages = new List<MailMessage>();
        var finished = recipients.Where(x => RecipientRoles.Acts(x.Role)).All(x => RecipientStates.IsDone(x.Status));
        string? paymentLink = null;
        if (finished && await db.DocumentPayments.SingleOrDefaultAsync(p => p.DocumentId == d.Id, ct) is { Status: Payments.PaymentStates.Required } payment)
        {
            // Payment first: the document waits for the payer, bound to this signed revision; completion follows the payment.
            var signed = DocumentWorkflow.Sha256Hex(pdf ?? await DocumentWorkflow.ReadPdfAsync(cell, d, ct));
            var (message, token) = await Payments.PaymentFlow.AwaitAsync(db, cell, d, payment, recipients, signed, mail, now, ct);
            messages.Add(message);
            if (payment.PayerRecipientId == r.Id) paymentLink = $"/p/{token}";
            finished = false;
        }
        else if (finished)
        {
            // The certificate of completion cites this transaction's events too, so it is built after the commit
            // (DocumentCompletion); the job finishes it should this process stop first.
            await DocumentCompletion.EnqueueAsync(db, cell, d.Id, time, ct);
        }
        else
        {
            messages = await DocumentWorkflow.IssueLinksAsync(link.Db, cell, d, recipients, mail, now, ct);
        }
        if (pdf is not null)
        {
            var objectId = await DocumentWorkflow.WritePdfAsync(cell, d.OrganizationId, pdf, ct);
            written.Add(objectId);
            d.CurrentPdfObjectId = objectId;
            d.Revision++;
        }
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            foreach (var id in written) await DocumentWorkflow.DeletePdfAsync(cell, d.OrganizationId, id);
            return new Outcome(null, null, true, []);
        }
        catch
        {
            foreach (var id in written) await DocumentWorkflow.DeletePdfAsync(cell, d.OrganizationId, id);
            throw;
        }
        foreach (var id in dropped) await FieldAttachments.DeleteAsync(cell, d.OrganizationId, id);
        return new Outcome(new SignResult(r.Id, r.Status, d.Status, await SigningReceipts.IssueAsync(cell, r, now, ct), paymentLink), null, false, messages, finished);
    }

    private static string Initials(string name) =>
        string.Concat(name.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => char.ToUpperInvariant(p[0]))) is { Length: > 0 } s ? s[..Math.Min(4, s.Length)] : "?";

    /// <summary>
    /// The drawn signature, decoded by Sigill's own strict decoder (<see cref="PngImage"/>): only its pixels go on, and any
    /// problem with the bytes is a 400 <c>signature_image_invalid</c> that names it, before anything is changed.
    /// </summary>
    private static (PngImage? Image, ProblemHttpResult? Problem) DecodeDrawing(string base64)
    {
        var bytes = new byte[base64.Length * 3 / 4 + 3];
        if (!Convert.TryFromBase64String(base64, bytes, out var length))
        {
            return (null, ImageInvalid("drawnPng is not base64."));
        }
        try
        {
            return (PngImage.Decode(bytes.AsSpan(0, length), PngLimits.Default), null);
        }
        catch (PngFormatException e)
        {
            return (null, ImageInvalid(e.Message));
        }
    }

    private static ProblemHttpResult ImageInvalid(string detail) =>
        Problems.Create(StatusCodes.Status400BadRequest, ErrorCodes.SignatureImageInvalid, "The drawn signature is not a usable PNG image.", detail);
}
