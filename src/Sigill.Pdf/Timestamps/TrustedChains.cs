using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Sigill.Pdf.Signing;

namespace Sigill.Pdf.Timestamps;

/// <summary>
/// TSA certificate paths already built to the trust anchors of one <see cref="TimestampClient"/>, by the TSA
/// certificate's SHA-256. A TSA signs thousands of tokens with one certificate, and building its chain (an
/// <see cref="X509Chain"/>, about 2 ms here) once per process is enough: a later token still passes every check of
/// <see cref="TimestampTokens.Check"/> except the build, and its own time must fall inside every certificate of the
/// remembered path, or the chain is built again (and fails with the real reason). Only successful builds are kept,
/// and at most 64 of them. A remembered path comes back as shared <see cref="LoadedCertificates"/>: never dispose it.
/// </summary>
internal sealed class TrustedChains
{
    private const int Capacity = 64;
    private readonly ConcurrentDictionary<string, byte[][]> _paths = new(StringComparer.Ordinal);

    internal List<X509Certificate2>? Find(X509Certificate2 signer, DateTimeOffset time) => Find(signer.GetCertHashString(HashAlgorithmName.SHA256), time);

    /// <param name="signerSha256">The upper-case hex SHA-256 of the TSA certificate's DER.</param>
    internal List<X509Certificate2>? Find(string signerSha256, DateTimeOffset time)
    {
        if (!_paths.TryGetValue(signerSha256, out var path)) return null;
        var certificates = path.Select(der => LoadedCertificates.Load(der)).ToList();
        return certificates.All(c => c.NotBefore.ToUniversalTime() <= time.UtcDateTime && time.UtcDateTime <= c.NotAfter.ToUniversalTime()) ? certificates : null;
    }

    internal void Remember(X509Certificate2 signer, IReadOnlyList<X509Certificate2> chain)
    {
        if (_paths.Count >= Capacity) _paths.Clear();
        _paths[signer.GetCertHashString(HashAlgorithmName.SHA256)] = chain.Select(c => c.RawData).ToArray();
    }
}
