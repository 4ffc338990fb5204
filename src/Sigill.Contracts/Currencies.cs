using System.Collections.Frozen;

namespace Sigill.Contracts;

/// <summary>
/// ISO 4217 minor units as the payment processor applies them, shared by the API (charging in minor units) and the web
/// tier (writing amounts): zero-decimal currencies count whole units, three-decimal ones thousandths, the rest cents.
/// </summary>
public static class Currencies
{
    private static readonly FrozenSet<string> ZeroDecimal = FrozenSet.Create(StringComparer.Ordinal,
        "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF");

    private static readonly FrozenSet<string> ThreeDecimal = FrozenSet.Create(StringComparer.Ordinal, "BHD", "JOD", "KWD", "OMR", "TND");

    /// <summary>How many decimals the currency's minor unit has (0, 2 or 3).</summary>
    public static int Exponent(string currency) =>
        ZeroDecimal.Contains(currency) ? 0 : ThreeDecimal.Contains(currency) ? 3 : 2;
}
