using System.Text.RegularExpressions;

namespace Sigill.Web.Payments;

/// <summary>
/// The payer's link, <c>/p/{token}</c> with <c>sgpay_{region}_{52 base32}</c>: e-mailed to the payer, handed to the last
/// signer's confirmation, and the processor's way back (<c>/p/{token}/return?checkout=…</c>). The region routes the
/// calls; the token itself is the only authority, so it is never logged.
/// </summary>
internal static partial class PayLink
{
    /// <summary>Reads the region of a well-formed payment link token; anything else is not one.</summary>
    public static bool TryParse(string? token, out string region)
    {
        var match = token is null ? Match.Empty : Token().Match(token);
        region = match.Success ? match.Groups[1].Value : "";
        return match.Success;
    }

    /// <summary>A path the API gave as a payer's page (<see cref="SignResult.PaymentLink"/>): exactly <c>/p/{token}</c>, nothing else.</summary>
    public static bool IsPagePath(string? path) =>
        path is not null && path.StartsWith("/p/", StringComparison.Ordinal) && TryParse(path[3..], out _);

    [GeneratedRegex("^sgpay_([a-z][a-z0-9-]{1,15})_[0-9a-z]{52}$")]
    private static partial Regex Token();
}
