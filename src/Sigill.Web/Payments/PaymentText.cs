using System.Globalization;
using Sigill.Contracts;

namespace Sigill.Web.Payments;

/// <summary>
/// Amounts and payment states in words, for the payer's page, the recipient's confirmation and the sender's pages.
/// Amounts are written as the certificate and the e-mails write them ("1,234.50 EUR", "1,235 JPY"): invariant unless a
/// page in another language asks for its culture ("1 234,50 EUR"), with as many decimals as the currency's minor unit has.
/// </summary>
internal static class PaymentText
{
    /// <summary>How many decimals the currency's minor unit has (0, 2 or 3).</summary>
    public static int Exponent(string currency) => Currencies.Exponent(currency);

    /// <summary>"1,234.50 EUR" (or in <paramref name="culture"/>'s digits).</summary>
    public static string Amount(decimal amount, string currency, CultureInfo? culture = null) =>
        amount.ToString("N" + Exponent(currency).ToString(CultureInfo.InvariantCulture), culture ?? CultureInfo.InvariantCulture) + " " + currency;

    /// <summary>"1234.50": the amount as a form field takes it back.</summary>
    public static string Number(decimal amount, string currency) =>
        amount.ToString("F" + Exponent(currency).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>An amount typed into a form ("12.50", "1,234.50"), or null when it is not a positive number.</summary>
    public static decimal? Parse(string? text) =>
        decimal.TryParse(text?.Trim(), NumberStyles.Number, CultureInfo.InvariantCulture, out var amount) && amount > 0 ? amount : null;

    /// <summary>"Visa •••• 4242", or the brand or nothing when the processor reported less.</summary>
    public static string? Card(string? brand, string? last4)
    {
        var name = brand is { Length: > 0 } b ? Brand(b) : null;
        return last4 is { Length: > 0 } digits ? $"{name ?? "Card"} •••• {digits}" : name;
    }

    private static string Brand(string brand) => brand switch
    {
        "visa" => "Visa",
        "mastercard" => "Mastercard",
        "amex" => "American Express",
        "discover" => "Discover",
        "diners" => "Diners Club",
        "jcb" => "JCB",
        "unionpay" => "UnionPay",
        "cartes_bancaires" => "Cartes Bancaires",
        "eftpos_au" => "eftpos",
        _ => brand,
    };

    /// <summary>A dispute (chargeback) as Stripe reports its status, in the page's language (<c>Dispute.*</c> in SenderText).</summary>
    public static string Dispute(string status)
    {
        var code = status switch
        {
            "warning_needs_response" => "needs_response",
            "warning_under_review" => "under_review",
            _ => status,
        };
        return Sigill.Web.Pages.SenderText.Resources.GetString("Dispute." + code, CultureInfo.CurrentUICulture) ?? status.Replace('_', ' ');
    }
}
