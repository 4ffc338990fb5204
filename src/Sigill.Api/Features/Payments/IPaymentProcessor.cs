namespace Sigill.Api.Features.Payments;

/// <summary>
/// What Sigill asks of a payment processor, and nothing more: a hosted checkout page for one amount, reading a payment
/// back, refunds, and reading the processor's signed events. The payer types card data only on the processor's page;
/// Sigill sees at most the card's brand and last four digits, as the processor reports them. A second processor is one
/// more implementation of this interface (<see cref="StripeProcessor"/> is the first).
/// </summary>
public interface IPaymentProcessor
{
    /// <summary>The processor's name as stored and shown ("stripe").</summary>
    string Name { get; }

    /// <summary>Why this key cannot be right (wrong shape), or null; and the mode the key is for ("test" or "live").</summary>
    (string? Problem, string Mode) CheckKey(string apiKey);

    /// <summary>Why this webhook signing secret cannot be right, or null.</summary>
    string? CheckWebhookSecret(string secret);

    Task<CheckoutStarted> StartCheckoutAsync(string apiKey, CheckoutRequest request, CancellationToken ct);

    /// <summary>A checkout as the processor has it now (after the payer came back).</summary>
    Task<ProcessorPayment> GetCheckoutAsync(string apiKey, string checkoutId, CancellationToken ct);

    /// <summary>A payment as the processor has it now (card brand and last four, refunds).</summary>
    Task<ProcessorPayment> GetPaymentAsync(string apiKey, string paymentId, CancellationToken ct);

    Task<ProcessorRefund> RefundAsync(string apiKey, string paymentId, long amountMinor, string idempotencyKey, CancellationToken ct);

    /// <summary>Closes a checkout that must no longer be paid (the document was voided).</summary>
    Task ExpireCheckoutAsync(string apiKey, string checkoutId, CancellationToken ct);

    /// <summary>
    /// Verifies an event's signature with the account's secret (timestamp within <paramref name="tolerance"/>) and reads it.
    /// Throws <see cref="PaymentEventRefusedException"/> for a missing, forged or stale signature or an unreadable body.
    /// </summary>
    ProcessorEvent ReadEvent(byte[] payload, string? signature, string secret, DateTimeOffset now, TimeSpan tolerance);

    /// <summary>Reads an event whose signature was checked when it arrived (the job that handles it).</summary>
    ProcessorEvent ParseEvent(byte[] payload);
}

/// <summary>What a checkout is for. <see cref="Metadata"/> binds it to the document and its signed revision.</summary>
public sealed record CheckoutRequest(string Title, long AmountMinor, string Currency, IReadOnlyDictionary<string, string> Metadata, string? PayerEmail,
    string SuccessUrl, string CancelUrl, string IdempotencyKey);

public sealed record CheckoutStarted(string CheckoutId, string Url);

/// <summary>A checkout or payment as the processor reports it. <see cref="Paid"/>: the money is taken.</summary>
public sealed record ProcessorPayment(string? CheckoutId, string? PaymentId, bool Paid, long AmountMinor, string Currency,
    IReadOnlyDictionary<string, string> Metadata, string? CardBrand = null, string? CardLast4 = null, long AmountRefunded = 0);

public sealed record ProcessorRefund(string RefundId, long AmountMinor, string Status);

public enum ProcessorEventKind
{
    /// <summary>An event Sigill does not act on; acknowledged and ignored.</summary>
    Other,
    /// <summary>A checkout completed, or a payment succeeded: <see cref="ProcessorEvent.Payment"/> says which and for what.</summary>
    PaymentSucceeded,
    /// <summary>A checkout completed without the money yet (a delayed method): nothing changes until it succeeds.</summary>
    PaymentPending,
    /// <summary>Refunds of a payment: <see cref="ProcessorEvent.Amount"/> is the total refunded so far.</summary>
    Refunded,
    /// <summary>A dispute (chargeback) opened, changed or closed: <see cref="ProcessorEvent.DisputeStatus"/>.</summary>
    Disputed,
}

/// <param name="Payment">For payment events: the checkout or payment the event carries.</param>
/// <param name="PaymentId">The payment the event is about (all kinds but <see cref="ProcessorEventKind.Other"/>).</param>
public sealed record ProcessorEvent(string Id, string Type, DateTimeOffset Created, ProcessorEventKind Kind, string? PaymentId,
    ProcessorPayment? Payment = null, long Amount = 0, string? Currency = null, string? DisputeStatus = null);

/// <summary>An event Sigill will not read: no or a forged signature, a timestamp outside the tolerance, a body that is not an event.</summary>
public sealed class PaymentEventRefusedException(string reason) : Exception(reason);

/// <summary>The processor could not be reached or refused the request; the message is safe to show (no key, no card data).</summary>
public sealed class PaymentProcessorException(string message, bool unreachable, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The processor did not answer (network, timeout, 5xx): trying again later may work.</summary>
    public bool Unreachable { get; } = unreachable;
}
