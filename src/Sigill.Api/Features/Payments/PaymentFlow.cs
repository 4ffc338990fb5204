using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Documents;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Mail;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Telemetry;

namespace Sigill.Api.Features.Payments;

/// <summary>What a payment is about, sealed under the organization's key (<see cref="DocumentPayment.DetailsToken"/>).</summary>
/// <param name="SignedSha256">SHA-256 of the PDF as the last signer left it: what the checkout's metadata binds the payment to.</param>
/// <param name="Reference">The processor's payment reference (a Stripe PaymentIntent id) or, paid outside Sigill, none.</param>
public sealed record PaymentDetails(long AmountMinor, string Currency, string? SignedSha256 = null, string? Reference = null, string? CardBrand = null,
    string? CardLast4 = null, long RefundedMinor = 0, string? DisputeStatus = null, string? OutsideReason = null);

/// <summary>
/// The payment's states and the document's, moved together in the caller's transaction, each move an audit event:
/// <code>
/// required ──last signature──► awaiting (document awaiting_payment) ──paid──► paid ──► document completed
///    │                             ├──sender: paid outside Sigill──► paid_outside ──► completed
///    └──void, decline, expiry──►   └──void──► cancelled
/// </code>
/// A payment the processor reports is accepted only when it matches what was signed: the document (of this
/// organization), the SHA-256 of the signed revision, the amount in minor units and the currency
/// (<see cref="Mismatch"/>); anything else is refused, recorded and alerted (<c>SigillPaymentRefused</c>).
/// Refunds and disputes are recorded on a paid payment whenever they come, before or after completion.
/// </summary>
internal static class PaymentFlow
{
    public const string LinkPrefix = "sgpay";

    public static async Task<PaymentDetails> DetailsAsync(Cell cell, DocumentPayment p, CancellationToken ct) =>
        JsonSerializer.Deserialize<PaymentDetails>((await cell.Keys.DecryptFieldAsync(p.OrganizationId, DocumentPayment.DetailsPurpose, p.DetailsToken, p.DocumentId, ct))!)!;

    public static async Task SetDetailsAsync(Cell cell, DocumentPayment p, PaymentDetails details, CancellationToken ct) =>
        p.DetailsToken = await cell.Keys.EncryptFieldAsync(p.OrganizationId, DocumentPayment.DetailsPurpose, JsonSerializer.Serialize(details), p.DocumentId, ct);

    /// <summary>
    /// At the last signature, inside its transaction: the document waits for payment, the payer gets a personal payment
    /// link (only its hash is kept), and the e-mail that carries it is returned to send after the commit.
    /// </summary>
    public static async Task<(MailMessage Message, string Token)> AwaitAsync(CellDbContext db, Cell cell, Document d, DocumentPayment p, List<Recipient> recipients,
        string signedSha256, MailOptions mail, DateTime now, CancellationToken ct)
    {
        DocumentWorkflow.TryMove(d, DocumentStates.AwaitingPayment);
        var details = await DetailsAsync(cell, p, ct) with { SignedSha256 = signedSha256 };
        await SetDetailsAsync(cell, p, details, ct);
        p.Status = PaymentStates.Awaiting;
        var token = DocumentWorkflow.NewLinkToken(LinkPrefix, cell);
        p.LinkHash = DocumentWorkflow.HashLinkToken(token);
        await DocumentWorkflow.RecordAsync(db, cell, d, "document.awaiting_payment", AuditActor.System, now, ct, p.PayerRecipientId, Facts(details));
        var payer = recipients.Single(r => r.Id == p.PayerRecipientId);
        var letter = await DocumentMail.LoadAsync(db, cell, d, mail, ct);
        var (name, email) = await DocumentWorkflow.NameAndEmailAsync(cell, payer, ct);
        return (letter.Message(letter.PaymentDue(payer, name, letter.Link($"/p/{token}"), Money.Format(details.AmountMinor, details.Currency)), name, email), token);
    }

    /// <summary>Why what the processor reports is not a payment for this document as it was signed, or null when it is.</summary>
    public static string? Mismatch(Document d, PaymentDetails details, ProcessorPayment reported)
    {
        if (reported.Metadata.GetValueOrDefault(PaymentMetadata.DocumentId) != d.Id) return "document";
        if (reported.Metadata.GetValueOrDefault(PaymentMetadata.OrganizationId) != d.OrganizationId) return "organization";
        if (details.SignedSha256 is null || reported.Metadata.GetValueOrDefault(PaymentMetadata.SignedSha256) != details.SignedSha256) return "signed_revision";
        if (!string.Equals(reported.Currency, details.Currency, StringComparison.OrdinalIgnoreCase)) return "currency";
        if (reported.AmountMinor != details.AmountMinor) return "amount";
        return null;
    }

    /// <summary>
    /// Records a refused payment report: an audit event (with the document when it is this organization's) and the
    /// counter behind the <c>SigillPaymentRefused</c> alert. Nothing else changes.
    /// </summary>
    public static async Task RefuseAsync(CellDbContext db, Cell cell, SigillMetrics metrics, string organizationId, Document? d, string reason, string source, string? reference, DateTime now, CancellationToken ct)
    {
        var facts = new Dictionary<string, string> { ["reason"] = reason, ["source"] = source, ["reference"] = reference ?? "" };
        if (d is not null) await DocumentWorkflow.RecordAsync(db, cell, d, "document.payment_refused", AuditActor.System, now, ct, null, facts);
        else await AuditRecorder.RecordAsync(db, cell, new AuditEventData("payment.refused", organizationId, AuditActor.System, null, facts), now, ct);
        metrics.PaymentsRefused.Add(1, new KeyValuePair<string, object?>("region", cell.Region), new KeyValuePair<string, object?>("reason", reason));
    }

    /// <summary>
    /// A payment the processor reports as taken (already checked by <see cref="Mismatch"/>). Returns true when the
    /// document may now complete. Idempotent: a second report of the same payment (the webhook after the payer's return,
    /// or the other of two out-of-order events) only fills in what was missing.
    /// </summary>
    public static async Task<bool> PaidAsync(CellDbContext db, Cell cell, Document d, DocumentPayment p, ProcessorPayment reported, string source, DateTime now, CancellationToken ct)
    {
        var details = await DetailsAsync(cell, p, ct);
        var updated = details with
        {
            Reference = details.Reference ?? reported.PaymentId,
            CardBrand = details.CardBrand ?? reported.CardBrand,
            CardLast4 = details.CardLast4 ?? reported.CardLast4,
        };
        p.CheckoutSessionId ??= reported.CheckoutId;
        p.PaymentIntentId ??= reported.PaymentId;
        if (p.Status == PaymentStates.Paid)
        {
            if (updated != details) await SetDetailsAsync(cell, p, updated, ct);
            return false;
        }
        var before = p.Status;
        p.Status = PaymentStates.Paid;
        p.PaidAt = now;
        p.Revision++;
        await SetDetailsAsync(cell, p, updated, ct);
        var facts = Facts(updated);
        facts["source"] = source;
        if (before != PaymentStates.Awaiting) facts["note"] = before == PaymentStates.Cancelled ? "paid after the document was closed: refund it" : "also recorded as paid outside Sigill";
        await DocumentWorkflow.RecordAsync(db, cell, d, "document.paid", AuditActor.System, now, ct, p.PayerRecipientId, facts);
        return d.Status == DocumentStates.AwaitingPayment;
    }

    /// <summary>The processor's running total of refunds for the payment: recorded when it grew (events may repeat or come late).</summary>
    public static async Task RefundedAsync(CellDbContext db, Cell cell, Document d, DocumentPayment p, long totalRefunded, DateTime now, CancellationToken ct)
    {
        var details = await DetailsAsync(cell, p, ct);
        if (totalRefunded <= details.RefundedMinor) return;
        var refunded = details with { RefundedMinor = Math.Min(totalRefunded, details.AmountMinor) };
        await SetDetailsAsync(cell, p, refunded, ct);
        p.Revision++;
        await DocumentWorkflow.RecordAsync(db, cell, d, "document.refunded", AuditActor.System, now, ct, p.PayerRecipientId, new Dictionary<string, string>
        {
            ["refunded"] = Money.Format(refunded.RefundedMinor - details.RefundedMinor, details.Currency),
            ["refundedTotal"] = Money.Format(refunded.RefundedMinor, details.Currency),
            ["full"] = refunded.RefundedMinor == details.AmountMinor ? "true" : "false",
        });
    }

    public static async Task DisputedAsync(CellDbContext db, Cell cell, Document d, DocumentPayment p, string status, DateTime now, CancellationToken ct)
    {
        var details = await DetailsAsync(cell, p, ct);
        if (details.DisputeStatus == status) return;
        await SetDetailsAsync(cell, p, details with { DisputeStatus = status }, ct);
        p.Revision++;
        await DocumentWorkflow.RecordAsync(db, cell, d, "document.payment_disputed", AuditActor.System, now, ct, p.PayerRecipientId,
            new Dictionary<string, string> { ["status"] = status });
    }

    /// <summary>What closing a document did to its payment: the checkout to close at the processor after the commit, and the payer to tell (their payment link died).</summary>
    public sealed record Cancelled(string? CheckoutId, string? PayerToTell);

    /// <summary>The document closed before it was paid (voided, declined, expired): the payment is cancelled and its link dies.</summary>
    public static async Task<Cancelled?> CancelAsync(CellDbContext db, Document d, CancellationToken ct)
    {
        var p = await db.DocumentPayments.SingleOrDefaultAsync(x => x.DocumentId == d.Id, ct);
        if (p is null || p.Status is not (PaymentStates.Required or PaymentStates.Awaiting)) return null;
        var payer = p.LinkHash is null ? null : p.PayerRecipientId;
        p.Status = PaymentStates.Cancelled;
        p.LinkHash = null;
        p.Revision++;
        return new Cancelled(p.CheckoutSessionId, payer);
    }

    /// <summary>Closes a cancelled payment's checkout at the processor, so the payer can no longer pay it; best effort (it expires by itself in a day).</summary>
    public static async Task ExpireCheckoutAsync(Cell cell, IPaymentProcessor processor, string organizationId, string? checkoutId, ILogger logger)
    {
        if (checkoutId is null) return;
        try
        {
            await using var db = cell.CreateDbContext();
            if (await db.PaymentAccounts.AsNoTracking().SingleOrDefaultAsync(a => a.OrganizationId == organizationId) is not { } account) return;
            await processor.ExpireCheckoutAsync(await ApiKeyAsync(cell, account, default), checkoutId, default);
        }
        catch (PaymentProcessorException e)
        {
            PaymentLog.ExpireFailed(logger, checkoutId, e.Message);
        }
    }

    public static async Task<string> ApiKeyAsync(Cell cell, PaymentAccount account, CancellationToken ct) =>
        (await cell.Keys.DecryptFieldAsync(account.OrganizationId, PaymentAccount.ApiKeyPurpose, account.ApiKeyToken, account.OrganizationId, ct))!;

    /// <summary>What an audit event says about a payment: amount and currency, never card data.</summary>
    public static Dictionary<string, string> Facts(PaymentDetails details) => new()
    {
        ["amount"] = Money.FromMinorUnits(details.AmountMinor, details.Currency).ToString(CultureInfo.InvariantCulture),
        ["currency"] = details.Currency,
        ["reference"] = details.Reference ?? "",
    };
}

internal static partial class PaymentLog
{
    [LoggerMessage(EventId = 9301, Level = LogLevel.Warning, Message = "Closing checkout {CheckoutId} at the processor failed ({Error}); it expires by itself.")]
    public static partial void ExpireFailed(ILogger logger, string checkoutId, string error);

    [LoggerMessage(EventId = 9302, Level = LogLevel.Warning, Message = "A payment event for account {AccountId} was refused: {Reason}.")]
    public static partial void EventRefused(ILogger logger, string accountId, string reason);

    [LoggerMessage(EventId = 9303, Level = LogLevel.Warning, Message = "A payment report for document {DocumentId} was refused: it does not match the document ({Reason}).")]
    public static partial void Mismatch(ILogger logger, string documentId, string reason);
}
