using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Documents;
using Sigill.Api.Features.Organizations;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Persistence;

namespace Sigill.Api.Features.Payments;

/// <summary>
/// The payer's side, authorized by the payment link alone (<c>sgpay_{region}_…</c>, 256 bits, e-mailed to the payer; only
/// its SHA-256 is stored): what is to be paid, a hosted checkout at the processor, and the return from it. A link of a
/// cancelled payment, or a wrong one, is 404 alike. The payer never types card data into Sigill: the checkout is the
/// processor's page.
/// </summary>
internal static class PayEndpoints
{
    public sealed record ReturnRequest(string? CheckoutId);

    public static void MapPayPages(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/pay/{token}").WithTags("Payments").AllowAnonymous();
        group.MapGet("/", Get);
        group.MapPost("/checkout", Checkout);
        group.MapPost("/return", Return);
    }

    /// <summary>The payment the link names, with its document and cell; null (404) when the link is not live.</summary>
    private static async Task<(Cell Cell, CellDbContext Db, DocumentPayment Payment, Document Document)?> OpenAsync(string token, CellRegistry cells, CancellationToken ct)
    {
        if (!DocumentWorkflow.TryParseLinkToken(token, out var region, PaymentFlow.LinkPrefix) || !cells.TryGet(region, out var cell)) return null;
        var db = cell.CreateDbContext();
        var hash = DocumentWorkflow.HashLinkToken(token);
        var payment = await db.DocumentPayments.SingleOrDefaultAsync(p => p.LinkHash == hash, ct);
        var document = payment is null ? null : await db.Documents.SingleOrDefaultAsync(d => d.Id == payment.DocumentId && d.OrganizationId == payment.OrganizationId, ct);
        if (payment is null || document is null)
        {
            await db.DisposeAsync();
            return null;
        }
        return (cell, db, payment, document);
    }

    private static async Task<Results<Ok<PaymentPageView>, NotFound>> Get(string token, CellRegistry cells, CancellationToken ct)
    {
        if (await OpenAsync(token, cells, ct) is not var (cell, db, payment, document)) return TypedResults.NotFound();
        await using (db)
        {
            return TypedResults.Ok(await PageAsync(cell, db, payment, document, ct));
        }
    }

    private static async Task<PaymentPageView> PageAsync(Cell cell, CellDbContext db, DocumentPayment payment, Document document, CancellationToken ct)
    {
        var details = await PaymentFlow.DetailsAsync(cell, payment, ct);
        var org = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == document.OrganizationId, ct);
        return new PaymentPageView(document.Id,
            (await cell.Keys.DecryptFieldAsync(document.OrganizationId, Document.TitlePurpose, document.TitleToken, document.Id, ct))!,
            (await cell.Keys.DecryptFieldAsync(org.Id, Organization.NamePurpose, org.NameToken, org.Id, ct))!,
            Money.FromMinorUnits(details.AmountMinor, details.Currency), details.Currency, payment.Status, document.Status, payment.PaidAt, details.CardBrand, details.CardLast4);
    }

    /// <summary>
    /// Starts a hosted checkout for exactly the amount and currency stored with the document, its metadata binding it to
    /// the document and the SHA-256 of the signed revision. The processor unreachable: 503, nothing changed, try again.
    /// </summary>
    private static async Task<Results<Ok<CheckoutLink>, NotFound, ProblemHttpResult>> Checkout(string token, HttpContext http, CellRegistry cells, PaymentServices services, CancellationToken ct)
    {
        if (await OpenAsync(token, cells, ct) is not var (cell, db, payment, document)) return TypedResults.NotFound();
        await using (db)
        {
            if (payment.Status != PaymentStates.Awaiting || document.Status != DocumentStates.AwaitingPayment)
            {
                return Problems.Conflict(ErrorCodes.PaymentStateConflict, payment.Status is PaymentStates.Paid or PaymentStates.PaidOutside
                    ? "This document is paid already." : "This document cannot be paid now.");
            }
            var account = await db.PaymentAccounts.AsNoTracking().SingleOrDefaultAsync(a => a.OrganizationId == document.OrganizationId, ct);
            if (account is null) return Problems.Conflict(ErrorCodes.PaymentsNotConnected, "The sender has not connected a payment account; please contact them.");
            var details = await PaymentFlow.DetailsAsync(cell, payment, ct);
            var payer = await db.Recipients.AsNoTracking().SingleAsync(r => r.Id == payment.PayerRecipientId, ct);
            var title = (await cell.Keys.DecryptFieldAsync(document.OrganizationId, Document.TitlePurpose, document.TitleToken, document.Id, ct))!;
            var page = $"{services.Mail.LinkBaseUrl.TrimEnd('/')}/p/{token}";
            var now = services.Time.GetUtcNow();
            var started = await services.Processor.StartCheckoutAsync(await PaymentFlow.ApiKeyAsync(cell, account, ct), new CheckoutRequest(
                title.Length > 250 ? title[..250] : title, details.AmountMinor, details.Currency,
                new Dictionary<string, string>
                {
                    [PaymentMetadata.DocumentId] = document.Id,
                    [PaymentMetadata.OrganizationId] = document.OrganizationId,
                    [PaymentMetadata.SignedSha256] = details.SignedSha256!,
                },
                (await DocumentWorkflow.NameAndEmailAsync(cell, payer, ct)).Email,
                page + "/return?checkout={CHECKOUT_SESSION_ID}", page,
                // One checkout per payer click and minute: a double click or a retried request reuses it.
                $"checkout:{document.Id}:{now.ToUnixTimeSeconds() / 60}"), ct);
            payment.CheckoutSessionId = started.CheckoutId;
            payment.Revision++;
            await DocumentWorkflow.RecordAsync(db, cell, document, "document.checkout_started", AuditActor.From(http, payment.PayerRecipientId), now.UtcDateTime, ct,
                payment.PayerRecipientId, new Dictionary<string, string> { ["checkout"] = started.CheckoutId });
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateConcurrencyException)
            {
                return Problems.Conflict(ErrorCodes.PaymentStateConflict, "The payment changed meanwhile; open the link again.");
            }
            return TypedResults.Ok(new CheckoutLink(started.Url));
        }
    }

    /// <summary>
    /// The payer came back from the processor: the checkout is read from the processor (never taken from the browser's
    /// word), checked against what was signed, and recorded if paid. The processor's webhook may come before or after;
    /// either way the payment is recorded once.
    /// </summary>
    private static async Task<Results<Ok<PaymentPageView>, NotFound, ProblemHttpResult>> Return(string token, ReturnRequest request, CellRegistry cells, PaymentServices services, CancellationToken ct)
    {
        if (request.CheckoutId is not { Length: > 0 and <= 255 } checkoutId || !checkoutId.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            return Problems.Validation("checkoutId is the processor's checkout id.");
        }
        if (await OpenAsync(token, cells, ct) is not var (cell, db, payment, document)) return TypedResults.NotFound();
        await using (db)
        {
            var account = await db.PaymentAccounts.AsNoTracking().SingleOrDefaultAsync(a => a.OrganizationId == document.OrganizationId, ct);
            if (account is null) return Problems.Conflict(ErrorCodes.PaymentsNotConnected, "The sender's payment account is not connected.");
            var reported = await services.Processor.GetCheckoutAsync(await PaymentFlow.ApiKeyAsync(cell, account, ct), checkoutId, ct);
            var outcome = await PaymentApply.PaidAsync(cell, services, document.OrganizationId, reported, "return", ct);
            if (outcome.Refused is { } reason)
            {
                return Problems.Create(StatusCodes.Status409Conflict, ErrorCodes.PaymentMismatch, "This payment does not match the document.",
                    $"The checkout's {reason.Replace('_', ' ')} differs from what was signed; it was not recorded, and the sender's organization was alerted.");
            }
            db.ChangeTracker.Clear();
            var fresh = await db.DocumentPayments.AsNoTracking().SingleAsync(p => p.DocumentId == payment.DocumentId, ct);
            var doc = await db.Documents.AsNoTracking().SingleAsync(d => d.Id == document.Id, ct);
            return TypedResults.Ok(await PageAsync(cell, db, fresh, doc, ct));
        }
    }
}
