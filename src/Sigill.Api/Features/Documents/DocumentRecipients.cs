using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Persistence;
using Sigill.Crypto;

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
    /// A required signature field for <paramref name="signer"/> at the foot of the last page, for documents no person
    /// placed fields on (direct links, bulk send): two boxes side by side, <paramref name="slot"/> 2 and 3 above 0 and 1, and so on.
    /// </summary>
    public static void PlaceSignatureAtFoot(CellDbContext db, Cell cell, Document doc, Recipient signer, int slot)
    {
        var pages = DocumentView.PagesOf(doc);
        var last = pages[^1];
        db.DocumentFields.Add(new DocumentField
        {
            Id = SigillId.New("fld", cell.Region),
            DocumentId = doc.Id,
            OrganizationId = doc.OrganizationId,
            RecipientId = signer.Id,
            Kind = FieldKinds.Signature,
            Page = pages.Count,
            X = Math.Min(FieldMargin + slot % 2 * (FieldWidth + 20), Math.Max(0, last.Width - FieldWidth)),
            Y = Math.Max(0, last.Height - FieldMargin - FieldHeight - slot / 2 * (FieldHeight + FieldGap)),
            Width = FieldWidth,
            Height = FieldHeight,
            Required = true,
        });
    }
}
