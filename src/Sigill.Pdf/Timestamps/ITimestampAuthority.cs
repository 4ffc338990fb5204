using System.Security.Cryptography;

namespace Sigill.Pdf.Timestamps;

/// <summary>
/// Something that answers RFC 3161 time-stamp requests with a token Sigill has already checked: an external
/// TSA through <see cref="TimestampClient"/>, or the region's own clock (<see cref="LocalTimestampAuthority"/>).
/// </summary>
public interface ITimestampAuthority
{
    /// <summary>The hash algorithm the caller digests with (the message imprint's algorithm).</summary>
    HashAlgorithmName HashAlgorithm { get; }

    /// <summary>Room to reserve in a PDF for one token (DER bytes); a larger token is refused.</summary>
    int MaxTokenBytes { get; }

    /// <summary>A DER TimeStampToken (a CMS ContentInfo) over <paramref name="digest"/>, checked; or <see cref="TimestampException"/>.</summary>
    Task<byte[]> TimestampAsync(ReadOnlyMemory<byte> digest, CancellationToken cancellationToken);
}

/// <summary>Why no usable token came back. Every reason means: do not sign as if a timestamp were there.</summary>
public enum TimestampFailure
{
    /// <summary>No answer: connection refused, timeout, an HTTP error status, a body that is not a response.</summary>
    Unavailable,

    /// <summary>The TSA answered with a status other than granted.</summary>
    Refused,

    /// <summary>A token came back but failed a check: imprint, nonce, signature, chain, key usage, time, size.</summary>
    Invalid,
}

/// <summary>The one exception the timestamp code throws outward; <see cref="Failure"/> is stable, the message names the check.</summary>
public sealed class TimestampException(TimestampFailure failure, string message, Exception? inner = null) : Exception(message, inner)
{
    public TimestampFailure Failure { get; } = failure;
}
