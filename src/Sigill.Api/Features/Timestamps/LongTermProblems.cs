using Microsoft.AspNetCore.Http.HttpResults;
using Sigill.Api.Platform.Errors;
using Sigill.Pdf.Timestamps;
using Sigill.Api.Features.Signing;

namespace Sigill.Api.Features.Timestamps;

/// <summary>The problems a signature can meet on the long-term path, as stable codes (docs/errors.md).</summary>
internal static class LongTermProblems
{
    public static ProblemHttpResult TimestampUnavailable(TimestampException e) => Problems.Create(StatusCodes.Status503ServiceUnavailable, ErrorCodes.TimestampUnavailable,
        "No timestamp authority gave a usable timestamp; nothing was signed.",
        e.Failure == TimestampFailure.Unavailable ? "Try again in a minute." : "The timestamp authority answered with a token that failed a check; the operator has been told.");

    public static ProblemHttpResult CertificateRevoked() => Problems.Conflict(ErrorCodes.SigningCertificateRevoked,
        "The organization's signing certificate is revoked; nothing more is signed with it until the operator issues a new one.");

    /// <summary>Runs a signing step; a TSA failure or a revoked certificate becomes its problem, with nothing signed.</summary>
    public static async Task<(byte[]? Pdf, ProblemHttpResult? Problem)> TrySignAsync(Func<Task<byte[]>> sign)
    {
        ArgumentNullException.ThrowIfNull(sign);
        try
        {
            return (await sign(), null);
        }
        catch (TimestampException e)
        {
            return (null, TimestampUnavailable(e));
        }
        catch (SigningCertificateRevokedException)
        {
            return (null, CertificateRevoked());
        }
    }
}
