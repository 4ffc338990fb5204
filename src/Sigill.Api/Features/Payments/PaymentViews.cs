using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Persistence;

namespace Sigill.Api.Features.Payments;

/// <summary>Fills the payment records of <c>Sigill.Contracts</c> from the payment rows, decrypting their details on the way out.</summary>
internal static class PaymentViews
{
    public static async Task<PaymentView?> ForDocumentAsync(CellDbContext db, Cell cell, string documentId, CancellationToken ct) =>
        await db.DocumentPayments.AsNoTracking().SingleOrDefaultAsync(p => p.DocumentId == documentId, ct) is { } p ? await ViewAsync(cell, p, ct) : null;

    public static async Task<PaymentView> ViewAsync(Cell cell, DocumentPayment p, CancellationToken ct)
    {
        var d = await PaymentFlow.DetailsAsync(cell, p, ct);
        return new PaymentView(p.Status, p.PayerRecipientId, p.Processor, Money.FromMinorUnits(d.AmountMinor, d.Currency), d.Currency, d.Reference,
            d.CardBrand, d.CardLast4, p.PaidAt, Money.FromMinorUnits(d.RefundedMinor, d.Currency),
            d.RefundedMinor == 0 ? "none" : d.RefundedMinor >= d.AmountMinor ? "full" : "partial", d.DisputeStatus, d.OutsideReason);
    }
}
