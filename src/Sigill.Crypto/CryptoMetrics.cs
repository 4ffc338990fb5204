using System.Diagnostics.Metrics;

namespace Sigill.Crypto;

/// <summary>
/// Counters for monitoring (meter <see cref="MeterName"/>): refused decryptions, which an alert rule
/// treats as a possible attack or corruption, and key-provider unwraps, the expensive (and, on an HSM,
/// rate-limited) key operation. Tags carry the region and the failure reason only.
/// </summary>
public static class CryptoMetrics
{
    public const string MeterName = "Sigill.Crypto";

    private static readonly Meter Meter = new(MeterName);

    internal static readonly Counter<long> IntegrityFailures = Meter.CreateCounter<long>(
        "sigill.crypto.integrity_failures", description: "Decryptions refused: tampered, truncated, moved or wrong-key ciphertext, or a shredded organization.");

    internal static readonly Counter<long> KeyUnwraps = Meter.CreateCounter<long>(
        "sigill.crypto.key_unwraps", description: "Organization keys unwrapped through the key provider (cache misses).");
}
