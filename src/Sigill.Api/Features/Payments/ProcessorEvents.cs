using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Documents;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Jobs;

namespace Sigill.Api.Features.Payments;

/// <summary>
/// <c>POST /api/v1/payments/stripe/{accountId}/events</c>: the processor's webhook, public through the web tier (the
/// account id carries the region). An event is accepted only with a valid signature under that account's secret and a
/// timestamp within the tolerance; a payment event must match the document it names (else 409, recorded and alerted);
/// then its id is stored with a <c>payment.event</c> job in one transaction, so each event is handled once, durably,
/// even when the processor delivers it again. Events Sigill does not act on, or about payments that are not Sigill's,
/// are acknowledged and dropped.
/// </summary>
internal static class ProcessorEvents
{
    /// <summary>The largest event body read (Stripe's are a few kilobytes).</summary>
    public const int MaxBodyBytes = 256 * 1024;

    public static void MapProcessorEvents(IEndpointRouteBuilder app) =>
        app.MapPost("/api/v1/payments/stripe/{accountId}/events", ReceiveAsync).WithTags("Payments").AllowAnonymous();

    public sealed record Received(string Event, string Outcome);

    private static async Task<Results<Ok<Received>, NotFound, ProblemHttpResult>> ReceiveAsync(string accountId, HttpContext http, CellRegistry cells, PaymentServices services, CancellationToken ct)
    {
        if (!SigillId.TryParse(accountId, "pac", out var region) || !cells.TryGet(region, out var cell)) return TypedResults.NotFound();
        var payload = await ReadBodyAsync(http.Request, ct);
        if (payload is null) return Problems.Create(StatusCodes.Status413PayloadTooLarge, ErrorCodes.PayloadTooLarge, "The event is too large.", $"At most {MaxBodyBytes} bytes.");
        await using var db = cell.CreateDbContext();
        var account = await db.PaymentAccounts.AsNoTracking().SingleOrDefaultAsync(a => a.PublicId == accountId, ct);
        if (account is null) return TypedResults.NotFound();
        if (account.WebhookSecretToken is null)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, ErrorCodes.PaymentEventRefused, "The event is refused.",
                "The organization has not given Sigill this webhook's signing secret yet.");
        }
        var secret = (await cell.Keys.DecryptFieldAsync(account.OrganizationId, PaymentAccount.WebhookSecretPurpose, account.WebhookSecretToken, account.OrganizationId, ct))!;
        ProcessorEvent evt;
        try
        {
            evt = services.Processor.ReadEvent(payload, http.Request.Headers["Stripe-Signature"].ToString(), secret, services.Time.GetUtcNow(), services.Options.WebhookTolerance);
        }
        catch (PaymentEventRefusedException e)
        {
            PaymentLog.EventRefused(services.Logger, accountId, e.Message);
            return Problems.Create(StatusCodes.Status400BadRequest, ErrorCodes.PaymentEventRefused, "The event is refused.", e.Message);
        }
        if (evt.Kind == ProcessorEventKind.Other || evt.Id.Length > 255) return TypedResults.Ok(new Received(evt.Id, "ignored"));
        if (await db.PaymentEvents.AnyAsync(e => e.OrganizationId == account.OrganizationId && e.ProcessorEventId == evt.Id, ct))
        {
            return TypedResults.Ok(new Received(evt.Id, "duplicate"));
        }
        string? documentId = null;
        if (evt.Payment is { } payment)
        {
            if (!payment.Metadata.TryGetValue(PaymentMetadata.DocumentId, out documentId)) return TypedResults.Ok(new Received(evt.Id, "ignored"));
            // Checked now, so the processor's dashboard shows a refused event as failed; the job checks again when it runs.
            var d = await db.Documents.AsNoTracking().SingleOrDefaultAsync(x => x.Id == documentId && x.OrganizationId == account.OrganizationId, ct);
            var p = d is null ? null : await db.DocumentPayments.AsNoTracking().SingleOrDefaultAsync(x => x.DocumentId == d.Id, ct);
            var reason = p is null ? "document" : PaymentFlow.Mismatch(d!, await PaymentFlow.DetailsAsync(cell, p, ct), payment);
            if (reason is not null)
            {
                PaymentLog.Mismatch(services.Logger, documentId, reason);
                await PaymentFlow.RefuseAsync(db, cell, services.Metrics, account.OrganizationId, p is null ? null : d, reason, "webhook", payment.PaymentId ?? payment.CheckoutId,
                    services.Time.GetUtcNow().UtcDateTime, ct);
                Accept(db, cell, account.OrganizationId, evt, p is null ? null : documentId, services.Time);
                await db.SaveChangesAsync(ct);
                return Problems.Create(StatusCodes.Status409Conflict, ErrorCodes.PaymentMismatch, "The event does not match the document.",
                    $"Its {reason.Replace('_', ' ')} differs from what was signed; it was not recorded, and the organization was alerted.");
            }
        }
        Accept(db, cell, account.OrganizationId, evt, documentId, services.Time);
        await JobQueue.EnqueueAsync(db, cell, new JobRequest(PaymentEventJobHandler.JobKind, payload, $"payment.event:{account.OrganizationId}:{evt.Id}",
            OrganizationId: account.OrganizationId), services.Time, ct: ct);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (UniqueKey.IsViolation(e))
        {
            return TypedResults.Ok(new Received(evt.Id, "duplicate")); // the same event, delivered twice at once
        }
        return TypedResults.Ok(new Received(evt.Id, "accepted"));
    }

    private static void Accept(Platform.Persistence.CellDbContext db, Cell cell, string organizationId, ProcessorEvent evt, string? documentId, TimeProvider time) =>
        db.PaymentEvents.Add(new PaymentEventRow
        {
            Id = SigillId.New("pev", cell.Region),
            OrganizationId = organizationId,
            ProcessorEventId = evt.Id,
            Type = evt.Type.Length > 64 ? evt.Type[..64] : evt.Type,
            DocumentId = documentId is { Length: <= 64 } ? documentId : null,
            ReceivedAt = time.GetUtcNow().UtcDateTime,
        });

    /// <summary>The body, or null when it is larger than <see cref="MaxBodyBytes"/>.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxBodyBytes) return null;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes) return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}

/// <summary>
/// A request that needed the processor and did not get it: 503 <c>payment_processor_unavailable</c> (nothing changed, try
/// again) or 502 <c>payment_processor_refused</c>, with fixed text; never the processor's own message, which can name the key.
/// </summary>
internal sealed partial class PaymentProcessorHandler(IProblemDetailsService problems, ILogger<PaymentProcessorHandler> logger) : Microsoft.AspNetCore.Diagnostics.IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not PaymentProcessorException e || httpContext.Response.HasStarted) return false;
        // The route's pattern, never the path: the payer's path carries their link token.
        Failed(logger, (httpContext.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "?", e.Unreachable, e.InnerException?.GetType().Name ?? "none");
        if (e.Unreachable)
        {
            httpContext.Response.Headers.RetryAfter = "10";
            return await Problems.WriteFixedAsync(problems, httpContext, StatusCodes.Status503ServiceUnavailable, ErrorCodes.PaymentProcessorUnavailable,
                "The payment processor could not be reached; try again in a moment.", "Nothing changed in Sigill. Try again shortly; a payment already made is recorded once the processor answers.");
        }
        return await Problems.WriteFixedAsync(problems, httpContext, StatusCodes.Status502BadGateway, ErrorCodes.PaymentProcessorRefused,
            "The payment processor refused the request.", "Nothing changed. The organization's processor key may be wrong or revoked: check it in the organization's payment settings.");
    }

    [LoggerMessage(EventId = 9304, Level = LogLevel.Warning, Message = "Request to {Path}: the payment processor failed (unreachable: {Unreachable}, {Error}).")]
    private static partial void Failed(ILogger logger, string path, bool unreachable, string error);
}
