using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Documents;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Mail;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Security;

namespace Sigill.Api.Features.Payments;

/// <summary>
/// The sender's side of payments: connecting the organization's processor account, requiring payment on a draft,
/// recording a payment made outside Sigill, and refunds.
/// </summary>
public static class PaymentEndpoints
{
    public sealed record ConnectRequest(string? Processor, string? ApiKey, string? WebhookSecret);

    public sealed record RequireRequest(string? PayerRecipientId);

    public sealed record OutsideRequest(string? Reason);

    /// <summary>A refund: <c>Amount</c> in the payment's currency (decimal); absent for everything not yet refunded.</summary>
    public sealed record RefundRequest(decimal? Amount);

    public static void MapPayments(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/api/v1/organization/payments").WithTags("Payments");
        account.MapGet("/", GetAccount).RequireAuthorization(Policies.OrganizationRead);
        account.MapPut("/", Connect).RequireAuthorization(Policies.OrganizationWrite);
        account.MapDelete("/", Disconnect).RequireAuthorization(Policies.OrganizationWrite);
        var document = app.MapGroup("/api/v1/documents/{id}/payment").WithTags("Payments").RequireAuthorization(Policies.DocumentsWrite);
        document.MapPut("/", Require);
        document.MapDelete("/", Unrequire);
        document.MapPost("/outside", PaidOutside);
        document.MapPost("/refunds", Refund);
        PayEndpoints.MapPayPages(app);
        ProcessorEvents.MapProcessorEvents(app);
    }

    private static async Task<Ok<PaymentAccountView>> GetAccount(Caller caller, CellDbContext db, MailOptions mail, CancellationToken ct) =>
        TypedResults.Ok(View(await db.PaymentAccounts.AsNoTracking().SingleOrDefaultAsync(a => a.OrganizationId == caller.OrganizationId, ct), mail));

    private static PaymentAccountView View(PaymentAccount? a, MailOptions mail) => a is null
        ? new PaymentAccountView(false, null, null, null, null)
        : new PaymentAccountView(true, a.Processor, a.Mode, a.ConnectedAt, WebhookUrl(mail, a.PublicId), a.WebhookSecretToken is not null);

    /// <summary>Where the processor sends events: through the public web tier, which routes the account id's region.</summary>
    public static string WebhookUrl(MailOptions mail, string publicId) => $"{mail.LinkBaseUrl.TrimEnd('/')}/api/v1/payments/stripe/{publicId}/events";

    /// <summary>
    /// Connects the organization's Stripe account, or replaces its key or webhook signing secret: each is encrypted under
    /// the organization's key and never shown again. The first call needs the key; it creates the webhook address, which
    /// the admin registers in Stripe's dashboard, and Stripe's signing secret for it can come in the same or a later call
    /// (events are refused until it has). The webhook address stays the same across replacements.
    /// </summary>
    private static async Task<Results<Ok<PaymentAccountView>, ProblemHttpResult>> Connect(ConnectRequest request, HttpContext http, Caller caller, CellDbContext db,
        IPaymentProcessor processor, MailOptions mail, TimeProvider time, CancellationToken ct)
    {
        if ((request.Processor ?? "stripe") != processor.Name) return Problems.Validation($"processor must be \"{processor.Name}\".");
        var key = request.ApiKey?.Trim();
        var secret = request.WebhookSecret?.Trim();
        var cell = caller.Cell;
        var org = caller.OrganizationId;
        var account = await db.PaymentAccounts.SingleOrDefaultAsync(a => a.OrganizationId == org, ct);
        if (string.IsNullOrEmpty(key) && (account is null || string.IsNullOrEmpty(secret)))
        {
            return Problems.Validation(account is null ? "apiKey is required to connect Stripe." : "Give apiKey, webhookSecret or both.");
        }
        string? mode = null;
        if (!string.IsNullOrEmpty(key))
        {
            (var problem, mode) = processor.CheckKey(key);
            if (problem is not null) return Problems.Validation(problem);
        }
        if (!string.IsNullOrEmpty(secret) && processor.CheckWebhookSecret(secret) is { } secretProblem) return Problems.Validation(secretProblem);
        var now = time.GetUtcNow().UtcDateTime;
        if (account is null)
        {
            account = new PaymentAccount
            {
                OrganizationId = org,
                PublicId = SigillId.New("pac", cell.Region),
                Processor = processor.Name,
                ApiKeyToken = "",
                Mode = mode!,
            };
            db.PaymentAccounts.Add(account);
        }
        if (!string.IsNullOrEmpty(key))
        {
            account.ApiKeyToken = (await cell.Keys.EncryptFieldAsync(org, PaymentAccount.ApiKeyPurpose, key, org, ct))!;
            account.Mode = mode!;
        }
        if (!string.IsNullOrEmpty(secret))
        {
            account.WebhookSecretToken = await cell.Keys.EncryptFieldAsync(org, PaymentAccount.WebhookSecretPurpose, secret, org, ct);
        }
        account.ConnectedAt = now;
        account.ConnectedBy = caller.Actor;
        await AuditRecorder.RecordAsync(db, cell, new AuditEventData("payments.connected", org, AuditActor.From(http, caller.Actor), account.PublicId,
            new Dictionary<string, string>
            {
                ["processor"] = processor.Name,
                ["mode"] = account.Mode,
                ["changed"] = string.Join(",", new[] { string.IsNullOrEmpty(key) ? null : "key", string.IsNullOrEmpty(secret) ? null : "webhook_secret" }.OfType<string>()),
            }), now, ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(View(account, mail));
    }

    private static async Task<Results<NoContent, NotFound>> Disconnect(HttpContext http, Caller caller, CellDbContext db, TimeProvider time, CancellationToken ct)
    {
        var account = await db.PaymentAccounts.SingleOrDefaultAsync(a => a.OrganizationId == caller.OrganizationId, ct);
        if (account is null) return TypedResults.NotFound();
        db.PaymentAccounts.Remove(account);
        await AuditRecorder.RecordAsync(db, caller.Cell, new AuditEventData("payments.disconnected", caller.OrganizationId, AuditActor.From(http, caller.Actor), account.PublicId),
            time.GetUtcNow().UtcDateTime, ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// Requires payment on a draft with a pricing table: the payer is one of its signers, the amount is the pricing
    /// total in the currency's minor units (exactly; a total the currency cannot express is refused), and the
    /// organization must have connected a processor.
    /// </summary>
    private static async Task<Results<Ok<PaymentView>, NotFound, ProblemHttpResult>> Require(string id, RequireRequest request, HttpContext http, Caller caller, CellDbContext db,
        IPaymentProcessor processor, TimeProvider time, CancellationToken ct)
    {
        var doc = await DocumentEndpoints.FindAsync(db, caller, id, ct);
        if (doc is null) return TypedResults.NotFound();
        if (doc.Status != DocumentStates.Draft) return Problems.Conflict(ErrorCodes.DocumentNotDraft, "Payment can only be required while the document is a draft.");
        var cell = caller.Cell;
        var pricing = await cell.Keys.DecryptFieldAsync(doc.OrganizationId, Document.PricingPurpose, doc.PricingToken, doc.Id, ct);
        if (pricing is null || JsonSerializer.Deserialize<PricingTotals>(pricing) is not { } totals)
        {
            return Problems.Conflict(ErrorCodes.PaymentNotPossible, "Only a document with a pricing table can require payment: create it from a template with pricing.");
        }
        var (minor, amountProblem) = Money.ToMinorUnits(totals.Total, totals.Currency.Trim().ToUpperInvariant());
        if (amountProblem is not null) return Problems.Create(StatusCodes.Status422UnprocessableEntity, ErrorCodes.PaymentAmountInvalid, "The pricing total cannot be charged.", amountProblem);
        var payer = request.PayerRecipientId is { } payerId
            ? await db.Recipients.AsNoTracking().SingleOrDefaultAsync(r => r.Id == payerId && r.DocumentId == doc.Id, ct)
            : null;
        if (payer is not { Role: RecipientRoles.Signer }) return Problems.Validation("payerRecipientId must name one of the document's signers.");
        if (!await db.PaymentAccounts.AnyAsync(a => a.OrganizationId == doc.OrganizationId, ct))
        {
            return Problems.Conflict(ErrorCodes.PaymentsNotConnected, "Connect the organization's Stripe account first (Organization settings → Payments).");
        }
        var now = time.GetUtcNow().UtcDateTime;
        var payment = await db.DocumentPayments.SingleOrDefaultAsync(p => p.DocumentId == doc.Id, ct);
        if (payment is null)
        {
            payment = new DocumentPayment
            {
                DocumentId = doc.Id,
                OrganizationId = doc.OrganizationId,
                PayerRecipientId = payer.Id,
                Processor = processor.Name,
                Status = PaymentStates.Required,
                CreatedAt = now,
            };
            db.DocumentPayments.Add(payment);
        }
        payment.PayerRecipientId = payer.Id;
        var details = new PaymentDetails(minor, totals.Currency.Trim().ToUpperInvariant());
        await PaymentFlow.SetDetailsAsync(cell, payment, details, ct);
        await DocumentWorkflow.RecordAsync(db, cell, doc, "document.payment_required", AuditActor.From(http, caller.Actor), now, ct, payer.Id, PaymentFlow.Facts(details));
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(await PaymentViews.ViewAsync(cell, payment, ct));
    }

    private static async Task<Results<NoContent, NotFound, ProblemHttpResult>> Unrequire(string id, HttpContext http, Caller caller, CellDbContext db, TimeProvider time, CancellationToken ct)
    {
        var doc = await DocumentEndpoints.FindAsync(db, caller, id, ct);
        if (doc is null) return TypedResults.NotFound();
        if (doc.Status != DocumentStates.Draft) return Problems.Conflict(ErrorCodes.DocumentNotDraft, "Payment can only be changed while the document is a draft.");
        var payment = await db.DocumentPayments.SingleOrDefaultAsync(p => p.DocumentId == doc.Id, ct);
        if (payment is null) return TypedResults.NotFound();
        db.DocumentPayments.Remove(payment);
        await DocumentWorkflow.RecordAsync(db, caller.Cell, doc, "document.payment_not_required", AuditActor.From(http, caller.Actor), time.GetUtcNow().UtcDateTime, ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    /// <summary>At send: a required payment still names a signer, and the organization still has a processor.</summary>
    internal static async Task<ProblemHttpResult?> SendProblemAsync(CellDbContext db, Document doc, List<Recipient> recipients, CancellationToken ct)
    {
        var payment = await db.DocumentPayments.AsNoTracking().SingleOrDefaultAsync(p => p.DocumentId == doc.Id, ct);
        if (payment is null) return null;
        if (!recipients.Any(r => r.Id == payment.PayerRecipientId && r.Role == RecipientRoles.Signer))
        {
            return Problems.Conflict(ErrorCodes.PaymentNotPossible, "The payer is no longer one of the document's signers: name the payer again (PUT …/payment) or stop requiring payment.");
        }
        return await db.PaymentAccounts.AnyAsync(a => a.OrganizationId == doc.OrganizationId, ct)
            ? null
            : Problems.Conflict(ErrorCodes.PaymentsNotConnected, "The organization's Stripe account is not connected any more; connect it (Organization settings → Payments) or stop requiring payment.");
    }

    /// <summary>The sender records a payment made outside Sigill (a bank transfer), with a reason: the document completes, and the certificate says so.</summary>
    private static async Task<Results<Ok<DocumentView>, NotFound, ProblemHttpResult>> PaidOutside(string id, OutsideRequest request, HttpContext http, Caller caller, CellDbContext db,
        PaymentServices services, CancellationToken ct)
    {
        var reason = request.Reason?.Trim() ?? "";
        if (reason.Length is 0 or > 500) return Problems.Validation("reason is required (at most 500 characters), e.g. \"Paid by bank transfer, reference 2026-118\".");
        var doc = await DocumentEndpoints.FindAsync(db, caller, id, ct);
        if (doc is null) return TypedResults.NotFound();
        var payment = await db.DocumentPayments.SingleOrDefaultAsync(p => p.DocumentId == doc.Id, ct);
        if (payment is null) return TypedResults.NotFound();
        if (doc.Status != DocumentStates.AwaitingPayment || payment.Status != PaymentStates.Awaiting)
        {
            return Problems.Conflict(ErrorCodes.PaymentStateConflict, $"Only a document awaiting payment can be marked as paid; this one is {doc.Status} and its payment {payment.Status}.");
        }
        var cell = caller.Cell;
        var now = services.Time.GetUtcNow().UtcDateTime;
        var details = await PaymentFlow.DetailsAsync(cell, payment, ct) with { OutsideReason = reason };
        await PaymentFlow.SetDetailsAsync(cell, payment, details, ct);
        payment.Status = PaymentStates.PaidOutside;
        payment.PaidAt = now; // the payer's link stays: it now shows the payment as made
        payment.Revision++;
        var facts = PaymentFlow.Facts(details);
        await DocumentWorkflow.RecordAsync(db, cell, doc, "document.paid_outside", AuditActor.From(http, caller.Actor), now, ct, payment.PayerRecipientId, facts);
        await Signing.DocumentCompletion.EnqueueAsync(db, cell, doc.Id, services.Time, ct);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Problems.Conflict(ErrorCodes.PaymentStateConflict, "The payment changed meanwhile (the payer may just have paid); read the document again.");
        }
        await services.CompleteAsync(cell, doc.Id, ct);
        return TypedResults.Ok(await DocumentEndpoints.ViewAsync(db, cell, await db.Documents.AsNoTracking().SingleAsync(d => d.Id == doc.Id, ct), ct));
    }

    /// <summary>
    /// Refunds a paid payment, fully or in part, through the processor. The processor's refund event records it on the
    /// document (as does a refund made in the processor's own dashboard); the answer already shows it.
    /// </summary>
    private static async Task<Results<Ok<PaymentView>, NotFound, ProblemHttpResult>> Refund(string id, RefundRequest request, HttpContext http, Caller caller, CellDbContext db,
        PaymentServices services, CancellationToken ct)
    {
        var doc = await DocumentEndpoints.FindAsync(db, caller, id, ct);
        if (doc is null) return TypedResults.NotFound();
        var payment = await db.DocumentPayments.SingleOrDefaultAsync(p => p.DocumentId == doc.Id, ct);
        if (payment is null) return TypedResults.NotFound();
        if (payment.Status != PaymentStates.Paid || payment.PaymentIntentId is null)
        {
            return Problems.Conflict(ErrorCodes.PaymentStateConflict, payment.Status == PaymentStates.PaidOutside
                ? "This payment was made outside Sigill; refund it the same way."
                : $"Only a payment made through the processor can be refunded; this one is {payment.Status}.");
        }
        var cell = caller.Cell;
        var details = await PaymentFlow.DetailsAsync(cell, payment, ct);
        var remaining = details.AmountMinor - details.RefundedMinor;
        long amount = remaining;
        if (request.Amount is { } asked)
        {
            var (minor, problem) = Money.ToMinorUnits(asked, details.Currency);
            if (problem is not null) return Problems.Validation("amount: " + problem);
            amount = minor;
        }
        if (remaining <= 0) return Problems.Conflict(ErrorCodes.PaymentStateConflict, "The payment is refunded in full already.");
        if (amount > remaining)
        {
            return Problems.Validation(string.Create(CultureInfo.InvariantCulture, $"amount: at most {Money.Format(remaining, details.Currency)} is left to refund."));
        }
        var account = await db.PaymentAccounts.AsNoTracking().SingleOrDefaultAsync(a => a.OrganizationId == doc.OrganizationId, ct);
        if (account is null) return Problems.Conflict(ErrorCodes.PaymentsNotConnected, "The organization's Stripe account is not connected; refund in Stripe's dashboard, or connect it again.");
        // The idempotency key is the refund's place in the sequence: a retried request (a lost answer) does not refund twice.
        var refund = await services.Processor.RefundAsync(await PaymentFlow.ApiKeyAsync(cell, account, ct), payment.PaymentIntentId, amount,
            string.Create(CultureInfo.InvariantCulture, $"refund:{doc.Id}:{details.RefundedMinor}:{amount}"), ct);
        var now = services.Time.GetUtcNow().UtcDateTime;
        await AuditRecorder.RecordAsync(db, cell, new AuditEventData("payment.refund_requested", doc.OrganizationId, AuditActor.From(http, caller.Actor), doc.Id,
            new Dictionary<string, string> { ["amount"] = Money.Format(amount, details.Currency), ["refund"] = refund.RefundId, ["status"] = refund.Status }), now, ct);
        if (refund.Status is "succeeded" or "pending")
        {
            await PaymentFlow.RefundedAsync(db, cell, doc, payment, details.RefundedMinor + refund.AmountMinor, now, ct);
        }
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(await PaymentViews.ViewAsync(cell, payment, ct));
    }
}

/// <summary>What the payment handlers need besides the request: the processor, completion's services and the clock.</summary>
internal sealed class PaymentServices(IPaymentProcessor processor, Audit.AuditLogs logs, AuditOptions auditOptions, Signing.SigningKeys keys, PaymentOptions options,
    Platform.Telemetry.SigillMetrics metrics, MailOptions mail, IMailer mailer, TimeProvider time, ILogger<PaymentServices> logger)
{
    public IPaymentProcessor Processor => processor;
    public PaymentOptions Options => options;
    public Platform.Telemetry.SigillMetrics Metrics => metrics;
    public MailOptions Mail => mail;
    public IMailer Mailer => mailer;
    public TimeProvider Time => time;
    public ILogger Logger => logger;

    /// <summary>Completes a paid document now (the completion job added with the payment finishes it if this fails).</summary>
    public async Task<string?> CompleteAsync(Cell cell, string documentId, CancellationToken ct)
    {
        try
        {
            return await Signing.DocumentCompletion.CompleteAsync(cell, logs, auditOptions, keys, time, documentId, ct);
        }
        catch (Platform.Jobs.JobFailedException)
        {
            return null;
        }
    }
}
