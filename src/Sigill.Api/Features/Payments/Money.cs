using System.Globalization;
using Sigill.Contracts;

namespace Sigill.Api.Features.Payments;

/// <summary>
/// Amounts as the processor takes them: an integer count of the currency's minor unit. The pricing table's total is a
/// decimal (what the PDF shows and the signers signed); it converts to minor units only when that is exact, so the amount
/// charged is always the amount signed. A total the currency cannot express (0.5 JPY, 1.005 EUR) is refused, never rounded.
/// Exponents follow ISO 4217 as Stripe applies them: zero-decimal currencies (JPY, KRW, …) count whole units; three-decimal
/// currencies (BHD, JOD, KWD, OMR, TND) count thousandths, and Stripe takes only multiples of ten of them.
/// </summary>
public static class Money
{
    /// <summary>The most a single payment may be, in minor units (Stripe's own limit is 99,999,999 for most currencies).</summary>
    public const long MaxMinorUnits = 99_999_999;

    /// <summary>How many decimals the currency's minor unit has (0, 2 or 3).</summary>
    public static int Exponent(string currency) => Currencies.Exponent(currency);

    /// <summary>A three-letter ISO 4217 code in capitals.</summary>
    public static bool IsCurrencyCode(string? currency) =>
        currency is { Length: 3 } c && c.All(ch => ch is >= 'A' and <= 'Z');

    /// <summary>
    /// The total in minor units, or why it cannot be charged: not a currency code, not positive, more precise than the
    /// currency's minor unit (refused, not rounded: the charge must equal what was signed), a three-decimal amount whose
    /// last digit is not 0, or larger than <see cref="MaxMinorUnits"/>.
    /// </summary>
    public static (long Minor, string? Problem) ToMinorUnits(decimal amount, string currency)
    {
        if (!IsCurrencyCode(currency)) return (0, $"'{currency}' is not a three-letter ISO 4217 currency code (e.g. EUR, USD, SEK, JPY).");
        if (amount <= 0) return (0, "The total to pay must be more than zero.");
        if (amount > MaxMinorUnits) return (0, string.Create(CultureInfo.InvariantCulture, $"{amount} {currency} is more than a single payment may be."));
        var exponent = Exponent(currency);
        var scaled = amount * Pow10(exponent);
        if (scaled != decimal.Truncate(scaled))
        {
            return (0, string.Create(CultureInfo.InvariantCulture, $"{amount} {currency} has more decimals than {currency} has ({exponent}); the total must be exact to be charged."));
        }
        if (scaled > MaxMinorUnits) return (0, string.Create(CultureInfo.InvariantCulture, $"{amount} {currency} is more than a single payment may be."));
        var minor = (long)scaled;
        if (exponent == 3 && minor % 10 != 0)
        {
            return (0, string.Create(CultureInfo.InvariantCulture, $"{currency} amounts are charged in multiples of 0.010; {amount} is not one."));
        }
        return (minor, null);
    }

    /// <summary>Minor units back to the decimal amount (exact).</summary>
    public static decimal FromMinorUnits(long minor, string currency) => minor / Pow10(Exponent(currency));

    /// <summary>"1,234.50 EUR", "1,235 JPY": invariant, for the certificate, e-mails and audit details.</summary>
    public static string Format(long minor, string currency) =>
        FromMinorUnits(minor, currency).ToString("N" + Exponent(currency).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + " " + currency;

    private static decimal Pow10(int exponent) => exponent switch { 0 => 1m, 2 => 100m, _ => 1000m };
}
