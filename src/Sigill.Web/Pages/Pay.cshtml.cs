using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Sigill.Web.Api;
using Sigill.Web.Payments;
using Sigill.Web.Security;

namespace Sigill.Web.Pages;

/// <summary>
/// The payer's page at <c>/p/{token}</c>, from the payment e-mail or the last signer's confirmation: who asks for how
/// much, for which document, and a Pay button. The button is a plain form post (antiforgery-checked) that starts the
/// processor's hosted checkout and answers 303 to it; the payer types card details only there, never on a Sigill page.
/// The processor sends the payer back to <c>/p/{token}/return?checkout=…</c>, where the API reads the checkout from the
/// processor itself and records the payment. A wrong or cancelled link is the site's 404 page. The token is never logged.
/// </summary>
public sealed partial class PayModel(ApiClient api, WebTierOptions options, ILogger<PayModel> logger) : PageModel
{
    public string Token { get; private set; } = "";
    public PaymentPageView View { get; private set; } = null!;
    public string? Error { get; private set; }

    /// <summary>
    /// Back from the checkout (<c>/return</c>): the payer may have paid even when the API could not confirm it yet, so the
    /// page offers to check again instead of a second Pay button.
    /// </summary>
    public bool Returned { get; private set; }

    public bool Payable => View.Status == "awaiting" && View.DocumentStatus == "awaiting_payment";
    public bool Paid => View.Status is "paid" or "paid_outside";
    /// <summary>In the page's language (English keeps the invariant form the e-mails and the certificate use).</summary>
    public string Amount => PaymentText.Amount(View.Amount, View.Currency, PageLanguage.Lang == Languages.English ? null : Languages.Culture(PageLanguage.Lang));

    /// <summary><c>/p/{token}</c>, and <c>/p/{token}/return?checkout=…</c> when the processor sends the payer back.</summary>
    public async Task<IActionResult> OnGetAsync(string token, string? step, string? checkout, CancellationToken ct)
    {
        if (!PayLink.TryParse(token, out var region) || step is not (null or "return")) return NotFound();
        Token = token;
        if (step == "return" && !string.IsNullOrEmpty(checkout))
        {
            Returned = true;
            var (view, problem) = await api.ReturnFromCheckoutAsync(region, token, checkout, ct);
            if (view is null) return await ShowAsync(region, problem, ct);
            View = view;
            return Show();
        }
        return await ShowAsync(region, null, ct);
    }

    public async Task<IActionResult> OnPostCheckoutAsync(string token, CancellationToken ct)
    {
        if (!PayLink.TryParse(token, out var region)) return NotFound();
        Token = token;
        var (link, problem) = await api.StartCheckoutAsync(region, token, ct);
        if (link is not null)
        {
            if (CheckoutOrigin(link.Url) is { } origin && options.CheckoutOriginList.Contains(origin, StringComparer.OrdinalIgnoreCase))
            {
                Response.Headers.Location = link.Url;
                return StatusCode(StatusCodes.Status303SeeOther);
            }
            CheckoutElsewhere(logger, CheckoutOrigin(link.Url) ?? "not an absolute URL");
            problem = new ApiClient.Problem(StatusCodes.Status502BadGateway, SenderText.S("Pay.CheckoutFailed"),
                SenderText.S("Pay.CheckoutFailedDetail"), null);
        }
        return await ShowAsync(region, problem, ct);
    }

    /// <summary>The page as the link stands now, with what went wrong (if anything); the site's 404 for a dead link.</summary>
    private async Task<IActionResult> ShowAsync(string region, ApiClient.Problem? problem, CancellationToken ct)
    {
        if (problem?.Status == StatusCodes.Status404NotFound || await api.GetPaymentPageAsync(region, Token, ct) is not { } view) return NotFound();
        View = view;
        if (problem is not null)
        {
            Error = (problem.Code, Returned) switch
            {
                // Before the checkout nothing was charged; after it the payment may be made and only unconfirmed.
                ("payment_processor_unavailable", false) => SenderText.S("Pay.Unreachable"),
                ("payment_processor_unavailable", true) => SenderText.S("Pay.UnreachableReturned"),
                _ => problem.Describe(),
            };
            Response.StatusCode = problem.Status is >= 400 and < 600 ? problem.Status.Value : StatusCodes.Status400BadRequest;
        }
        return Show();
    }

    /// <summary>The page itself: the only response whose forms may lead to the processor's checkout (form-action).</summary>
    private PageResult Show()
    {
        SecurityHeaders.AllowFormActions(HttpContext, options.CheckoutOriginList);
        return Page();
    }

    private static string? CheckoutOrigin(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" ? uri.GetLeftPart(UriPartial.Authority) : null;

    [LoggerMessage(EventId = 9310, Level = LogLevel.Warning, Message = "The API's checkout address is at {Origin}, not one of Web:CheckoutOrigins; the payer was not sent there.")]
    private static partial void CheckoutElsewhere(ILogger logger, string origin);
}
