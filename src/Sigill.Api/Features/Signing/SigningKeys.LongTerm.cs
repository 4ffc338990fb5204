using System.Security.Cryptography.X509Certificates;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Pdf;
using Sigill.Pdf.LongTerm;
using Sigill.Pdf.Revocation;
using Sigill.Pdf.Timestamps;

namespace Sigill.Api.Features.Signing;

/// <summary>The organization's signing certificate is on the region's CRL: nothing more is signed with it.</summary>
public sealed class SigningCertificateRevokedException(string organizationId)
    : Exception($"The signing certificate of {organizationId} is revoked.")
{
    public string OrganizationId { get; } = organizationId;
}

/// <summary>
/// The long-term half of the region CA (docs/adr/0013-long-term-signatures.md): its CRL, kept as the signed CRL
/// itself in the cell's object store (<see cref="CrlKey"/>; public data, tamper-evident) and reissued with fresh
/// times when served; revoking an organization's certificate; the TSA a signature is timestamped with (the external
/// ones configured, or the region's built-in one); and the validation data a sealed PDF's DSS gets.
/// </summary>
public sealed partial class SigningKeys
{
    /// <summary>Where the region's current CRL lives in the cell's object store.</summary>
    public const string CrlKey = "pki/ca.crl";

    /// <summary>A served CRL is good for a week; it is reissued once it is a day old.</summary>
    private static readonly TimeSpan CrlValidity = TimeSpan.FromDays(7);
    private static readonly TimeSpan CrlReissue = TimeSpan.FromDays(1);

    private static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AllowAutoRedirect = false })
    {
        Timeout = TimeSpan.FromMinutes(2),
    };

    private readonly Dictionary<string, LocalTimestampAuthority> _builtIn = new(StringComparer.Ordinal);

    /// <summary>
    /// CRLs named by TSA certificates are fetched through the SSRF guard: the address comes from a certificate, so it
    /// must not reach the installation's own network unless <c>Timestamps:CrlAllowedNetworks</c> says so.
    /// </summary>
    private HttpClient CrlHttp => _crlHttp ??= new Webhooks.SsrfGuard(timestamps?.CrlAllowed ?? [], TimeSpan.FromSeconds(timestamps?.TimeoutSeconds ?? 10), "the CRL address").CreateClient();

    private HttpClient? _crlHttp;

    /// <summary>One client for the configured TSAs, so the TSA certificate paths it checked stay remembered.</summary>
    private TimestampClient? _external;

    /// <summary>Timestamps:AllowLevelB: a seal may complete at baseline B when every TSA fails.</summary>
    public bool AllowLevelB => timestamps?.AllowLevelB == true;

    /// <summary>The addresses issued certificates carry, when a public base URL is configured.</summary>
    private PkiAddresses? Addresses(Cell cell) => timestamps?.PublicBase is { } b ? PkiAddresses.For(b, cell.Region) : null;

    /// <summary>The region's current CRL (DER), reissued when a day old; creates the CA if needed.</summary>
    public async Task<byte[]> CrlAsync(Cell cell, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cell);
        var root = await RootWithKeyAsync(cell, ct);
        var stored = await StoredCrlAsync(cell, root, ct);
        if (stored is not null && time.GetUtcNow() - stored.ThisUpdate < CrlReissue) return stored.Der;
        return await IssueCrlAsync(cell, root, stored?.Entries.Select(e => new RevokedCertificate(e.SerialNumber, e.RevokedAt, null)) ?? [], ct);
    }

    /// <summary>
    /// Revokes the organization's current signing certificate: it joins the region CRL at once, and every later
    /// signature or seal of the organization is refused (<see cref="SigningCertificateRevokedException"/>).
    /// Returns the certificate's serial number (hex), or null when the organization has none yet.
    /// </summary>
    /// <param name="reissue">Also drop the organization's key, so its next signature gets a new certificate.</param>
    public async Task<string?> RevokeAsync(Cell cell, string organizationId, X509RevocationReason reason, bool reissue, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cell);
        var root = await RootWithKeyAsync(cell, ct);
        var leaf = await StoredLeafAsync(cell, organizationId, ct);
        if (leaf is null) return null;
        var stored = await StoredCrlAsync(cell, root, ct);
        var entries = stored?.Entries.Select(e => new RevokedCertificate(e.SerialNumber, e.RevokedAt, null)).ToList() ?? [];
        if (stored?.RevokedAt(leaf.SerialNumberBytes.Span) is null)
        {
            entries.Add(new RevokedCertificate(leaf.SerialNumberBytes.ToArray(), time.GetUtcNow(), reason));
        }
        await IssueCrlAsync(cell, root, entries, ct);
        _leaves.TryRemove((cell.Region, organizationId), out _);
        if (reissue)
        {
            await using var db = cell.CreateDbContext();
            await db.OrganizationSigningKeys.Where(k => k.OrganizationId == organizationId).ExecuteDeleteAsync(ct);
        }
        return leaf.SerialNumber;
    }

    /// <summary>Throws when <paramref name="leaf"/> is on the region CRL as stored now (no cache: a revocation acts at once).</summary>
    private async Task EnsureNotRevokedAsync(Cell cell, X509Certificate2 root, X509Certificate2 leaf, string organizationId, CancellationToken ct)
    {
        if ((await StoredCrlAsync(cell, root, ct))?.RevokedAt(leaf.SerialNumberBytes.Span) is not null)
        {
            throw new SigningCertificateRevokedException(organizationId);
        }
    }

    /// <summary>The TSA signatures of this region are timestamped with, or null when none is configured (baseline B).</summary>
    public async Task<ITimestampAuthority?> TimestampAuthorityAsync(Cell cell, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cell);
        if (timestamps is not { Enabled: true } options) return null;
        if (options.Servers.Count > 0) return _external ??= new TimestampClient(Http, options.ServerList, options.Settings, options.Anchors, time);
        var root = await RootWithKeyAsync(cell, ct);
        lock (_builtIn)
        {
            if (!_builtIn.TryGetValue(cell.Region, out var tsa))
            {
                // A key per process, never stored: each token carries its certificate, and the DSS keeps it for good.
                using var ca = InstallationCa.Import(root.RawData, InstallationCa.ExportPkcs8(root));
                var certificate = ca.IssueTimestampCertificate(cell.Region, time.GetUtcNow(), TimeSpan.FromDays(365), Addresses(cell));
                _builtIn[cell.Region] = tsa = new LocalTimestampAuthority(certificate, [X509CertificateLoader.LoadCertificate(root.RawData)], time);
            }
            return tsa;
        }
    }

    /// <summary>The trust anchors of this installation's timestamps: the configured external roots, or the region root.</summary>
    public async Task<X509Certificate2Collection> TimestampRootsAsync(Cell cell, CancellationToken ct) =>
        timestamps is { Servers.Count: > 0 } options ? options.Anchors : [await RootAsync(cell, ct)];

    /// <summary>
    /// Makes a sealed PDF B-LTA (or renews it): a DSS with every chain and CRL, the region's own CRL from here and the
    /// TSAs' from their distribution points, then a document timestamp over the whole file.
    /// </summary>
    public async Task<(byte[] Pdf, IReadOnlyList<string> Gaps)> ExtendAsync(Cell cell, byte[] pdf, ITimestampAuthority tsa, CancellationToken ct)
    {
        var crl = await CrlAsync(cell, ct);
        var source = new FirstRevocationSource(new CrlSetSource([crl]), new HttpCrlSource(CrlHttp, TimeSpan.FromSeconds(timestamps?.TimeoutSeconds ?? 10)));
        return await LongTermValidation.ExtendAsync(pdf, source, tsa, ct);
    }

    /// <summary>The organization's current signing certificate (public part), or null when none was issued yet.</summary>
    private async Task<X509Certificate2?> StoredLeafAsync(Cell cell, string organizationId, CancellationToken ct)
    {
        await using var db = cell.CreateDbContext();
        var row = await db.OrganizationSigningKeys.AsNoTracking().SingleOrDefaultAsync(k => k.OrganizationId == organizationId, ct);
        if (row is null) return null;
        var context = new Sigill.Crypto.ObjectContext(cell.Region, organizationId, "signing-key", 1, OrganizationSigningKey.Purpose);
        var (der, _) = Unpack(await cell.Keys.DecryptBytesAsync(context, row.Sealed, ct));
        return X509CertificateLoader.LoadCertificate(der);
    }

    private async Task<Crl?> StoredCrlAsync(Cell cell, X509Certificate2 root, CancellationToken ct)
    {
        await using var stream = await cell.Blobs.OpenReadAsync(CrlKey, ct);
        if (stream is null) return null;
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, ct);
        // Only a CRL the region CA signed counts: a replaced object is ignored and reported by the health of signing.
        return Crl.TryParse(buffer.ToArray()) is { } crl && crl.IsSignedBy(root) ? crl : null;
    }

    private async Task<byte[]> IssueCrlAsync(Cell cell, X509Certificate2 root, IEnumerable<RevokedCertificate> entries, CancellationToken ct)
    {
        using var ca = InstallationCa.Import(root.RawData, InstallationCa.ExportPkcs8(root));
        var now = time.GetUtcNow();
        var der = ca.BuildCrl(entries, now.ToUnixTimeMilliseconds(), now, now + CrlValidity);
        using var content = new MemoryStream(der);
        await cell.Blobs.PutAsync(CrlKey, content, ct);
        return der;
    }
}
