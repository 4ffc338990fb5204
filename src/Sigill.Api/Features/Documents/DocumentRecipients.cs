using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Persistence;
using Sigill.Crypto;
using Sigill.Pdf;

namespace Sigill.Api.Features.Documents;

/// <summary>
/// The one way a recipient row is made (the sender's set-up, direct links, bulk send): name and address encrypted under
/// the organization's key, the address's blind index, the access code only as a keyed hash.
/// </summary>
internal static class DocumentRecipients
{
    public const double FieldWidth = 200, FieldHeight = 50, FieldMargin = 40, FieldGap = 15;

    public static async Task<Recipient> AddAsync(CellDbContext db, Cell cell, Document doc, string name, string email, string role, int order,
        string? stepUp, string? accessCode, CancellationToken ct, string? language = null)
    {
        var id = SigillId.New("rcp", cell.Region);
        var recipient = new Recipient
        {
            Id = id,
            DocumentId = doc.Id,
            OrganizationId = doc.OrganizationId,
            NameToken = (await cell.Keys.EncryptFieldAsync(doc.OrganizationId, Recipient.NamePurpose, name, id, ct))!,
            EmailToken = (await cell.Keys.EncryptFieldAsync(doc.OrganizationId, Recipient.EmailPurpose, email, id, ct))!,
            EmailIndex = await cell.Keys.BlindIndexAsync(doc.OrganizationId, Recipient.EmailIndexPurpose, CellKeyManager.NormalizeEmail(email), ct),
            Role = role,
            SigningOrder = order,
            Status = RecipientStates.Pending,
            StepUp = stepUp,
            Language = language,
            StepUpCodeHash = accessCode is null ? null : await Signing.StepUp.HashAsync(cell, doc.OrganizationId, id, accessCode, ct),
        };
        db.Recipients.Add(recipient);
        return recipient;
    }

    /// <summary>
    /// The fields of <paramref name="signer"/> on a document no person placed fields on (direct links, bulk send), the
    /// signer being number <paramref name="slot"/> + 1 in signing order: one on each field line the template drew for that
    /// number (<paramref name="lines"/>: <c>{{ signature_N }}</c>, <c>{{ initials_N }}</c>, <c>{{ signer_name_N }}</c>,
    /// <c>{{ date_signed_N }}</c>). A signature, initials and the name (pre-filled on the signing page) are required; the
    /// date is filled in by the signing. A signer the template drew no signature line for signs at the foot of the last
    /// page (two boxes side by side, <paramref name="slot"/> 2 and 3 above 0 and 1, and so on).
    /// </summary>
    public static void PlaceFields(CellDbContext db, Cell cell, Document doc, Recipient signer, int slot, IReadOnlyList<FieldSpot>? lines)
    {
        var pages = DocumentView.PagesOf(doc);
        var spots = (lines ?? []).Where(l => l.Signer == slot + 1 && l.Page >= 1 && l.Page <= pages.Count).ToList();
        if (!spots.Any(s => s.Kind == FieldLine.Signature))
        {
            var last = pages[^1];
            spots.Add(new FieldSpot(slot + 1, FieldLine.Signature, pages.Count,
                Math.Min(FieldMargin + slot % 2 * (FieldWidth + 20), Math.Max(0, last.Width - FieldWidth)),
                Math.Max(0, last.Height - FieldMargin - FieldHeight - slot / 2 * (FieldHeight + FieldGap)), FieldWidth, FieldHeight));
        }
        foreach (var spot in spots)
        {
            var signingDate = spot.Kind == FieldLine.DateSigned;
            db.DocumentFields.Add(new DocumentField
            {
                Id = SigillId.New("fld", cell.Region),
                DocumentId = doc.Id,
                OrganizationId = doc.OrganizationId,
                RecipientId = signer.Id,
                Kind = spot.Kind switch
                {
                    FieldLine.Initials => FieldKinds.Initials,
                    FieldLine.Name => FieldKinds.Name,
                    FieldLine.DateSigned => FieldKinds.Date,
                    _ => FieldKinds.Signature,
                },
                Page = spot.Page,
                X = spot.X,
                Y = spot.Y,
                Width = spot.Width,
                Height = spot.Height,
                Required = !signingDate,
                FillSigningDate = signingDate,
            });
        }
    }
}
