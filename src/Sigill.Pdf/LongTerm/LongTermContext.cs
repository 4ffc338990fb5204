using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using Sigill.Pdf.Revocation;
using Sigill.Pdf.Signing;
using Sigill.Pdf.Timestamps;

namespace Sigill.Pdf.LongTerm;

/// <summary>
/// The long-term half of verification: timestamp tokens (signature and document timestamps), certificates checked
/// against the DSS's CRLs at the timestamped time, and the PAdES level each signature reaches, with the reasons it
/// reaches no higher.
/// </summary>
internal sealed class LongTermContext(DssContents dss, X509Certificate2Collection pool, X509Certificate2Collection timestampRoots)
{
    private readonly HashSet<string> _dssCertificates = dss.Certificates.Select(c => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(c))).ToHashSet(StringComparer.OrdinalIgnoreCase);
    private readonly List<Crl> _crls = dss.Crls.Select(c => Crl.TryParse(c)).OfType<Crl>().ToList();
    private readonly Dictionary<string, Crl?> _crlByIssuer = new(StringComparer.Ordinal);

    /// <summary>The signature-timestamp of a CAdES signer, checked over its signature value; null when it has none.</summary>
    public CheckedTimestamp? SignatureTimestamp(SignerInfo signer, List<string> problems)
    {
        foreach (var a in signer.UnsignedAttributes)
        {
            if (a.Oid.Value != CadesSignature.SignatureTimeStampOid || a.Values.Count != 1) continue;
            try
            {
                var token = TimestampTokens.Decode(a.Values[0].RawData);
                var algorithm = TimestampTokens.AlgorithmOf(token);
                return TimestampTokens.Check(token, TimestampTokens.Hash(algorithm, signer.GetSignature()), algorithm, default, timestampRoots);
            }
            catch (TimestampException e)
            {
                problems.Add("the signature timestamp is not valid: " + e.Message);
            }
        }
        return null;
    }

    /// <summary>A document timestamp's token, checked over the signed bytes.</summary>
    public CheckedTimestamp? DocumentTimestamp(byte[] token, byte[] signed, List<string> problems)
    {
        try
        {
            var decoded = TimestampTokens.Decode(token);
            var algorithm = TimestampTokens.AlgorithmOf(decoded);
            return TimestampTokens.Check(decoded, TimestampTokens.Hash(algorithm, signed), algorithm, default, timestampRoots);
        }
        catch (TimestampException e)
        {
            problems.Add("the document timestamp is not valid: " + e.Message);
            return null;
        }
    }

    /// <summary>B, B-T or B-LT (B-LTA is decided by <see cref="Archive"/>), why not higher, and notes; revocation problems go to <paramref name="problems"/>.</summary>
    public (string Level, IReadOnlyList<string> Gaps, IReadOnlyList<string> Notes) Level(X509Certificate2 signer, X509Certificate2Collection embedded,
        CheckedTimestamp? timestamp, DateTimeOffset? claimedTime, List<string> problems)
    {
        var gaps = new List<string>();
        var notes = new List<string>();
        var all = new X509Certificate2Collection(pool);
        all.AddRange(embedded);
        var time = timestamp?.Time ?? claimedTime ?? DateTimeOffset.UtcNow;
        Revocation(SignatureEntries.PathOf(signer, all), time, timestamp is not null, gaps, notes, problems);
        if (timestamp is null)
        {
            gaps.Insert(0, "only B: no signature timestamp, so the signing time is the signer's own claim (/M)");
            return ("B", gaps, notes);
        }
        Revocation(timestamp.Chain.ToList(), timestamp.Time, true, gaps, notes, problems);
        if (dss.Offset < 0) gaps.Insert(0, "B-T, not B-LT: the file has no DSS (no embedded certificates or revocation data)");
        if (gaps.Count > 0)
        {
            if (dss.Offset >= 0) gaps.Insert(0, "B-T, not B-LT: the DSS lacks validation data");
            return ("B-T", gaps.Distinct(StringComparer.Ordinal).ToList(), notes);
        }
        return ("B-LT", gaps, notes);
    }

    private void Revocation(List<X509Certificate2> path, DateTimeOffset time, bool timeProven, List<string> gaps, List<string> notes, List<string> problems)
    {
        for (var i = 0; i < path.Count; i++)
        {
            var cert = path[i];
            if (!_dssCertificates.Contains(cert.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256))) gaps.Add($"{cert.Subject} is not in the DSS");
            if (i + 1 >= path.Count) break;
            var issuer = path[i + 1];
            if (!_crlByIssuer.TryGetValue(issuer.Thumbprint, out var crl))
            {
                // The newest CRL the issuer signed: a renewal adds a later one, which may list a revocation the first did not.
                _crlByIssuer[issuer.Thumbprint] = crl = _crls.Where(c => c.IsSignedBy(issuer)).MaxBy(c => c.ThisUpdate);
            }
            if (crl is null)
            {
                gaps.Add($"the DSS has no CRL of {issuer.Subject} for {cert.Subject}");
                continue;
            }
            if (crl.RevokedAt(cert.SerialNumberBytes.Span) is { } revokedAt)
            {
                if (timeProven && revokedAt > time)
                {
                    notes.Add($"{cert.Subject} was revoked at {revokedAt:u}, after the timestamped time {time:u}: the signature stays valid");
                }
                else
                {
                    problems.Add(timeProven
                        ? $"{cert.Subject} was revoked at {revokedAt:u}, before the timestamped time {time:u}"
                        : $"{cert.Subject} was revoked at {revokedAt:u}, and no timestamp proves the signature is older");
                }
            }
            if (crl.ThisUpdate < time && !(crl.NextUpdate >= time))
            {
                gaps.Add($"the CRL of {issuer.Subject} was issued at {crl.ThisUpdate:u} and expired before {time:u}: it cannot speak for that time");
            }
        }
    }

    /// <summary>
    /// B-LT signatures become B-LTA when a valid document timestamp comes after the DSS that made them B-LT (it covers the
    /// DSS revision); the others keep their level with the reason.
    /// </summary>
    public List<SignatureReport> Archive(List<SignatureReport> reports)
    {
        var archived = reports.Any(r => r.Kind == "document timestamp" && r.IsValid && r.SignedLength > dss.Offset && dss.Offset >= 0);
        return reports.Select(r => r.Kind != "signature" || r.Level != "B-LT" ? r
            : archived ? r with { Level = "B-LTA" }
            : r with { LevelGaps = [.. r.LevelGaps, "B-LT, not B-LTA: no valid document timestamp covers the DSS"] }).ToList();
    }
}
