using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Sigill.Pdf.Signing;

/// <summary>
/// Certificates loaded from DER, shared by their SHA-256: a file repeats the same few certificates (an organization's,
/// the region root, a TSA's) in every signature and token, and every completion repeats them again, while loading one
/// costs more (about 0.1 ms here) than finding everything else a DSS needs. Certificates are immutable; the shared
/// instances must never be disposed by a caller. At most 256 are kept.
/// </summary>
internal static class LoadedCertificates
{
    private const int Capacity = 256;
    private static readonly ConcurrentDictionary<string, X509Certificate2> Loaded = new(StringComparer.Ordinal);

    /// <summary>The certificate <paramref name="der"/> encodes; throws <see cref="CryptographicException"/> when it is not one.</summary>
    public static X509Certificate2 Load(ReadOnlySpan<byte> der)
    {
        var id = Convert.ToHexString(SHA256.HashData(der));
        if (Loaded.TryGetValue(id, out var known)) return known;
        var certificate = X509CertificateLoader.LoadCertificate(der);
        if (Loaded.Count >= Capacity) Loaded.Clear();
        return Loaded.GetOrAdd(id, certificate);
    }
}
