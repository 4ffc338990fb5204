using System.Text.Json;
using Sigill.Api.Platform.Cells;

namespace Sigill.Api.Features.Documents;

/// <summary>
/// How the documents feature fills the shared view records (<c>Sigill.Contracts</c>) from its entities: the records stay
/// plain data both tiers agree on, and only this side knows that names, titles and values are decrypted on the way out.
/// </summary>
internal static class DocumentViews
{
    extension(RecipientView)
    {
        public static async Task<RecipientView> FromAsync(Recipient r, Cell cell, CancellationToken ct) => new(
            r.Id,
            (await cell.Keys.DecryptFieldAsync(r.OrganizationId, Recipient.NamePurpose, r.NameToken, r.Id, ct))!,
            (await cell.Keys.DecryptFieldAsync(r.OrganizationId, Recipient.EmailPurpose, r.EmailToken, r.Id, ct))!,
            r.Role, r.SigningOrder, r.Status, r.NotifiedAt, r.ConsentedAt, r.FirstViewedAt, r.LastViewedAt, r.ViewCount, r.ViewedSha256, r.CompletedAt,
            r.StepUp ?? "none", r.Language);
    }

    extension(FieldView)
    {
        public static async Task<FieldView> FromAsync(DocumentField f, Cell cell, CancellationToken ct) => new(
            f.Id, f.RecipientId, f.Kind, f.Page, f.X, f.Y, f.Width, f.Height, f.Required,
            await cell.Keys.DecryptFieldAsync(f.OrganizationId, DocumentField.ValuePurpose, f.ValueToken, f.Id, ct),
            await cell.Keys.DecryptFieldAsync(f.OrganizationId, DocumentField.LabelPurpose, f.LabelToken, f.Id, ct), f.FillSigningDate,
            await DocumentFieldSettings.ReadAsync(cell, f, ct),
            await Signing.FieldAttachments.ViewAsync(cell, f, ct));
    }

    extension(DocumentView)
    {
        public static IReadOnlyList<PageView> PagesOf(Document d) =>
            [.. JsonSerializer.Deserialize<double[][]>(d.PagesJson)!.Select((p, i) => new PageView(i + 1, p[0], p[1]))];

        public static async Task<DocumentView> FromAsync(Document d, IEnumerable<Recipient> recipients, IEnumerable<DocumentField> fields, Cell cell, CancellationToken ct)
        {
            var rs = new List<RecipientView>();
            foreach (var r in recipients.OrderBy(r => r.SigningOrder).ThenBy(r => r.Id, StringComparer.Ordinal)) rs.Add(await RecipientView.FromAsync(r, cell, ct));
            var fs = new List<FieldView>();
            foreach (var f in fields.OrderBy(f => f.Page).ThenBy(f => f.Id, StringComparer.Ordinal)) fs.Add(await FieldView.FromAsync(f, cell, ct));
            var pricing = await cell.Keys.DecryptFieldAsync(d.OrganizationId, Document.PricingPurpose, d.PricingToken, d.Id, ct);
            var pages = DocumentView.PagesOf(d);
            return new DocumentView(d.Id,
                (await cell.Keys.DecryptFieldAsync(d.OrganizationId, Document.TitlePurpose, d.TitleToken, d.Id, ct))!,
                d.Status, d.Source, pages.Count, pages, d.OriginalSha256,
                pricing is null ? null : JsonSerializer.Deserialize<PricingTotals>(pricing),
                d.CreatedAt, d.SentAt, d.ExpiresAt, d.CompletedAt, d.VoidedAt, d.DeclinedAt,
                await cell.Keys.DecryptFieldAsync(d.OrganizationId, Document.DeclinePurpose, d.DeclineReasonToken, d.Id, ct),
                d.RemindEveryDays, rs, fs, Language: d.Language);
        }
    }
}
