using Sigill.Http;

namespace Sigill.Api.Features.Payments;

/// <summary>
/// Installation settings for payments (section <c>Payments</c>). Each organization connects its own processor account
/// in the product; these only say where the processor is and how patient to be with it.
/// </summary>
public sealed class PaymentOptions : IValidatedOptions
{
    /// <summary>Stripe's API address. Only tests point it elsewhere (a local server speaking Stripe's protocol); production leaves it.</summary>
    public string StripeApiBase { get; set; } = "https://api.stripe.com";

    /// <summary>How long one call to the processor may take before the payer is told to try again.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How far an event's signed timestamp may be from now (Stripe's own libraries use five minutes): older events are refused as replays.</summary>
    public TimeSpan WebhookTolerance { get; set; } = TimeSpan.FromMinutes(5);

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!Uri.TryCreate(StripeApiBase, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            problems.Add("Payments:StripeApiBase must be an absolute http(s) URL");
        }
        if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromMinutes(2)) problems.Add("Payments:Timeout must be between 0 and 2 minutes");
        if (WebhookTolerance < TimeSpan.FromSeconds(30) || WebhookTolerance > TimeSpan.FromHours(1)) problems.Add("Payments:WebhookTolerance must be between 30 seconds and 1 hour");
        return problems;
    }
}
