using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Sigill.Api.Platform.Cells;
using Sigill.Crypto;
using Sigill.Pdf;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Organizations;

namespace Sigill.Api.Features.Signing;

/// <summary>
/// The region's certificate authority (the installation CA, one per cell so cells share nothing).
/// The certificate is public and kept in clear so it can be published; the private key is an
/// encrypted object under the cell pseudo-organization's key (<see cref="AuditRecorder.CellOrganization"/>).
/// </summary>
public sealed class CellCertificateAuthority
{
    public required string Region { get; init; }
    public required byte[] CertificateDer { get; init; }
    public required byte[] SealedPrivateKey { get; init; }
    public DateTime CreatedAt { get; init; }

    public const string KeyPurpose = "pki.ca-key";
}

/// <summary>An organization's signing certificate and key: both in one encrypted object under the organization's key (the certificate names the organization).</summary>
public sealed class OrganizationSigningKey
{
    public required string OrganizationId { get; init; }
    public required byte[] Sealed { get; init; }
    public DateTime CreatedAt { get; init; }

    public const string Purpose = "pki.org-signing-key";
}

internal sealed class CellCertificateAuthorityConfiguration : IEntityTypeConfiguration<CellCertificateAuthority>
{
    public void Configure(EntityTypeBuilder<CellCertificateAuthority> builder)
    {
        builder.ToTable("cell_certificate_authorities");
        builder.HasKey(c => c.Region);
        builder.Property(c => c.Region).HasMaxLength(16);
    }
}

internal sealed class OrganizationSigningKeyConfiguration : IEntityTypeConfiguration<OrganizationSigningKey>
{
    public void Configure(EntityTypeBuilder<OrganizationSigningKey> builder)
    {
        builder.ToTable("organization_signing_keys");
        builder.HasKey(k => k.OrganizationId);
        builder.Property(k => k.OrganizationId).HasMaxLength(64);
    }
}

/// <summary>
/// Loads or creates the region CA and the organizations' leaf certificates. Created on first use;
/// a concurrent creator loses on the primary key and reloads the winner's. Opened keys are cached in
/// memory for the process lifetime (they never touch disk in clear).
/// </summary>
public sealed partial class SigningKeys(TimeProvider time, Timestamps.TimestampOptions? timestamps = null)
{
    private readonly ConcurrentDictionary<string, X509Certificate2> _roots = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Region, string Org), X509Certificate2> _leaves = new();
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>The region's root certificate (public part), creating the CA if needed.</summary>
    public async Task<X509Certificate2> RootAsync(Cell cell, CancellationToken ct)
    {
        var root = await RootWithKeyAsync(cell, ct);
        return X509CertificateLoader.LoadCertificate(root.RawData);
    }

    public async Task<(X509Certificate2 Leaf, X509Certificate2 Root)> ForOrganizationAsync(Cell cell, string organizationId, CancellationToken ct)
    {
        var root = await RootWithKeyAsync(cell, ct);
        if (_leaves.TryGetValue((cell.Region, organizationId), out var cached))
        {
            await EnsureNotRevokedAsync(cell, root, cached, organizationId, ct);
            return (cached, root);
        }
        await _gate.WaitAsync(ct);
        try
        {
            if (_leaves.TryGetValue((cell.Region, organizationId), out cached))
            {
                return (cached, root);
            }
            var context = new ObjectContext(cell.Region, organizationId, "signing-key", 1, OrganizationSigningKey.Purpose);
            await using var db = cell.CreateDbContext();
            var row = await db.OrganizationSigningKeys.AsNoTracking().SingleOrDefaultAsync(k => k.OrganizationId == organizationId, ct);
            X509Certificate2 leaf;
            if (row is null)
            {
                var org = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == organizationId, ct);
                var name = await cell.Keys.DecryptFieldAsync(organizationId, Organization.NamePurpose, org.NameToken, organizationId, ct);
                using var ca = InstallationCa.Import(root.RawData, InstallationCa.ExportPkcs8(root));
                leaf = ca.IssueOrganizationCertificate(name!, organizationId, time.GetUtcNow(), addresses: Addresses(cell));
                var sealedBytes = await cell.Keys.EncryptBytesAsync(context, Pack(leaf.RawData, InstallationCa.ExportPkcs8(leaf)), ct);
                db.OrganizationSigningKeys.Add(new OrganizationSigningKey { OrganizationId = organizationId, Sealed = sealedBytes, CreatedAt = time.GetUtcNow().UtcDateTime });
                await db.SaveChangesAsync(ct);
            }
            else
            {
                var (der, key) = Unpack(await cell.Keys.DecryptBytesAsync(context, row.Sealed, ct));
                leaf = InstallationCa.LoadWithPrivateKey(der, key);
            }
            await EnsureNotRevokedAsync(cell, root, leaf, organizationId, ct);
            _leaves[(cell.Region, organizationId)] = leaf;
            return (leaf, root);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<X509Certificate2> RootWithKeyAsync(Cell cell, CancellationToken ct)
    {
        if (_roots.TryGetValue(cell.Region, out var cached))
        {
            return cached;
        }
        await _gate.WaitAsync(ct);
        try
        {
            if (_roots.TryGetValue(cell.Region, out cached))
            {
                return cached;
            }
            var owner = await AuditRecorder.EnsureCellKeysAsync(cell, ct);
            var context = new ObjectContext(cell.Region, owner, "installation-ca", 1, CellCertificateAuthority.KeyPurpose);
            await using var db = cell.CreateDbContext();
            var row = await db.CellCertificateAuthorities.AsNoTracking().SingleOrDefaultAsync(c => c.Region == cell.Region, ct);
            X509Certificate2 root;
            if (row is null)
            {
                using var ca = InstallationCa.Create($"Sigill {cell.Region}", time.GetUtcNow());
                var sealedKey = await cell.Keys.EncryptBytesAsync(context, ca.ExportPrivateKey(), ct);
                db.CellCertificateAuthorities.Add(new CellCertificateAuthority
                {
                    Region = cell.Region,
                    CertificateDer = ca.Certificate.RawData,
                    SealedPrivateKey = sealedKey,
                    CreatedAt = time.GetUtcNow().UtcDateTime,
                });
                await db.SaveChangesAsync(ct);
                root = InstallationCa.LoadWithPrivateKey(ca.Certificate.RawData, ca.ExportPrivateKey());
            }
            else
            {
                var key = await cell.Keys.DecryptBytesAsync(context, row.SealedPrivateKey, ct);
                root = InstallationCa.LoadWithPrivateKey(row.CertificateDer, key);
            }
            _roots[cell.Region] = root;
            return root;
        }
        finally
        {
            _gate.Release();
        }
    }

    // uint32 length of the certificate || certificate DER || PKCS#8 key.
    private static byte[] Pack(byte[] der, byte[] key)
    {
        var result = new byte[4 + der.Length + key.Length];
        BinaryPrimitives.WriteUInt32BigEndian(result, (uint)der.Length);
        der.CopyTo(result, 4);
        key.CopyTo(result, 4 + der.Length);
        return result;
    }

    private static (byte[] Der, byte[] Key) Unpack(byte[] packed)
    {
        var length = (int)BinaryPrimitives.ReadUInt32BigEndian(packed);
        return (packed[4..(4 + length)], packed[(4 + length)..]);
    }
}
