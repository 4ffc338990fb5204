using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Documents;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Jobs;

namespace Sigill.Api.Features.Payments;

/// <summary>
/// Applies what the processor reports (a payment taken, refunds, a dispute) to the document it is for, each in a
/// transaction of its own, whoever reports it: the payer's return, or the processor's event through the job queue.
/// Two reports racing (the return and the webhook) meet at the payment row's revision: the loser reads again and finds
/// the work done. A payment that does not match what was signed is refused and alerted (<see cref="PaymentFlow.Mismatch"/>).
/// </summary>
internal static class PaymentApply
{
    /// <param name="Refused">Why the report was refused (it did not match the document), or null.</param>
    /// <param name="Ours">False when the report is not about a Sigill document (the organization's other business): ignored.</param>
    public sealed record Outcome(string? Refused, bool Ours);

    public static async Task<Outcome> PaidAsync(Cell cell, PaymentServices services, string organizationId, ProcessorPayment reported, string source, CancellationToken ct)
    {
        if (!reported.Metadata.TryGetValue(PaymentMetadata.DocumentId, out var documentId)) return new Outcome(null, false);
        if (reported is { Paid: true, CardLast4: null, PaymentId: { } paymentId })
        {
            // Events carry no card details: the brand and last four the certificate shows are read from the payment itself.
            reported = await WithCardAsync(cell, services, organizationId, reported, paymentId, ct);
        }
        for (var attempt = 0; ; attempt++)
        {
            await using var db = cell.CreateDbContext();
            var now = services.Time.GetUtcNow().UtcDateTime;
            var d = await db.Documents.SingleOrDefaultAsync(x => x.Id == documentId && x.OrganizationId == organizationId, ct);
            var p = d is null ? null : await db.DocumentPayments.SingleOrDefaultAsync(x => x.DocumentId == d.Id, ct);
            var reason = p is null ? "document" : PaymentFlow.Mismatch(d!, await PaymentFlow.DetailsAsync(cell, p, ct), reported);
            if (reason is not null)
            {
                // A document of another organization, or none, is named only by its id in the log line, never its content.
                PaymentLog.Mismatch(services.Logger, documentId, reason);
                await PaymentFlow.RefuseAsync(db, cell, services.Metrics, organizationId, p is null ? null : d, reason, source, reported.PaymentId ?? reported.CheckoutId, now, ct);
                await db.SaveChangesAsync(ct);
                return new Outcome(reason, true);
            }
            if (!reported.Paid) return new Outcome(null, true);
            if (p!.Status == PaymentStates.Cancelled)
            {
                services.Metrics.PaymentsRefused.Add(1, new KeyValuePair<string, object?>("region", cell.Region), new KeyValuePair<string, object?>("reason", "paid_after_close"));
            }
            var complete = await PaymentFlow.PaidAsync(db, cell, d!, p, reported, source, now, ct);
            if (complete) await Signing.DocumentCompletion.EnqueueAsync(db, cell, d!.Id, services.Time, ct);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateConcurrencyException) when (attempt < 3)
            {
                continue;
            }
            if (complete) await services.CompleteAsync(cell, d!.Id, ct);
            return new Outcome(null, true);
        }
    }

    private static async Task<ProcessorPayment> WithCardAsync(Cell cell, PaymentServices services, string organizationId, ProcessorPayment reported, string paymentId, CancellationToken ct)
    {
        await using var db = cell.CreateDbContext();
        if (await db.PaymentAccounts.AsNoTracking().SingleOrDefaultAsync(a => a.OrganizationId == organizationId, ct) is not { } account) return reported;
        var payment = await services.Processor.GetPaymentAsync(await PaymentFlow.ApiKeyAsync(cell, account, ct), paymentId, ct);
        return reported with { CardBrand = payment.CardBrand, CardLast4 = payment.CardLast4 };
    }

    /// <summary>Refunds (the processor's running total) or a dispute of a payment, found by the processor's payment id.</summary>
    public static async Task ChangedAsync(Cell cell, PaymentServices services, string organizationId, ProcessorEvent evt, CancellationToken ct)
    {
        if (evt.PaymentId is not { } paymentId) return;
        for (var attempt = 0; ; attempt++)
        {
            await using var db = cell.CreateDbContext();
            var p = await db.DocumentPayments.SingleOrDefaultAsync(x => x.OrganizationId == organizationId && x.PaymentIntentId == paymentId, ct);
            if (p is null || p.Status != PaymentStates.Paid)
            {
                // The refund's or dispute's event came before the payment's: read the payment from the processor and record it first.
                var account = await db.PaymentAccounts.AsNoTracking().SingleOrDefaultAsync(a => a.OrganizationId == organizationId, ct)
                    ?? throw new JobFailedException("The organization's payment account is not connected.");
                var reported = await services.Processor.GetPaymentAsync(await PaymentFlow.ApiKeyAsync(cell, account, ct), paymentId, ct);
                var outcome = await PaidAsync(cell, services, organizationId, reported, "webhook", ct);
                if (!outcome.Ours || outcome.Refused is not null) return;
                if (attempt > 0) throw new JobFailedException($"Payment {paymentId} is not recorded as paid yet.");
                continue;
            }
            var d = await db.Documents.SingleAsync(x => x.Id == p.DocumentId, ct);
            var now = services.Time.GetUtcNow().UtcDateTime;
            if (evt.Kind == ProcessorEventKind.Refunded) await PaymentFlow.RefundedAsync(db, cell, d, p, evt.Amount, now, ct);
            else await PaymentFlow.DisputedAsync(db, cell, d, p, evt.DisputeStatus ?? "unknown", now, ct);
            try
            {
                await db.SaveChangesAsync(ct);
                return;
            }
            catch (DbUpdateConcurrencyException) when (attempt < 3)
            {
            }
        }
    }
}

/// <summary>
/// Handles one accepted processor event (<c>payment.event</c>): its row was stored with the job when it arrived, so a
/// replay never gets here twice; the job queue retries it when the processor or the store did not answer.
/// </summary>
internal sealed class PaymentEventJobHandler(PaymentServices services) : IJobHandler
{
    public const string JobKind = "payment.event";

    public string Kind => JobKind;

    public async Task HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var organizationId = job.OrganizationId ?? throw new JobFailedException("A payment event job names no organization.");
        var evt = services.Processor.ParseEvent(job.Payload.ToArray());
        try
        {
            switch (evt.Kind)
            {
                case ProcessorEventKind.PaymentSucceeded or ProcessorEventKind.PaymentPending when evt.Payment is { } payment:
                    await PaymentApply.PaidAsync(job.Cell, services, organizationId, payment, "webhook", cancellationToken);
                    break;
                case ProcessorEventKind.Refunded or ProcessorEventKind.Disputed:
                    await PaymentApply.ChangedAsync(job.Cell, services, organizationId, evt, cancellationToken);
                    break;
            }
        }
        catch (PaymentProcessorException e)
        {
            throw new JobFailedException(e.Message);
        }
    }
}
