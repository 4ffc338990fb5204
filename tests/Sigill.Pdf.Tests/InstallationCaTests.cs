using System.Security.Cryptography.X509Certificates;

namespace Sigill.Pdf.Tests;

public sealed class InstallationCaTests
{
    [Fact]
    public void The_root_is_a_ten_year_ca_limited_to_signing_certificates()
    {
        using var ca = InstallationCa.Create("Acme", Pki.Now);
        var root = ca.Certificate;
        var bc = root.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.True(bc.CertificateAuthority);
        var ku = root.Extensions.OfType<X509KeyUsageExtension>().Single();
        Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, ku.KeyUsages);
        Assert.Equal(10, root.NotAfter.Year - Pki.Now.Year);
    }

    [Fact]
    public void An_organization_certificate_names_the_organization_and_chains_to_the_root()
    {
        using var ca = InstallationCa.Create("Acme", Pki.Now);
        using var leaf = ca.IssueOrganizationCertificate("Globex, Inc.", "org_42", Pki.Now);
        Assert.Contains("CN=\"Globex, Inc.\"", leaf.Subject, StringComparison.Ordinal);
        Assert.Contains("OU=org_42", leaf.Subject, StringComparison.Ordinal);
        Assert.True(leaf.HasPrivateKey);
        var eku = leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single();
        Assert.Contains(eku.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>(), o => o.Value == InstallationCa.DocumentSigningEku);
        Assert.Equal(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation,
            leaf.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages);

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca.Certificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = Pki.Now.AddDays(1).UtcDateTime;
        Assert.True(chain.Build(leaf), string.Join(",", chain.ChainStatus.Select(s => s.Status)));
    }

    [Fact]
    public void Private_keys_round_trip_through_pkcs8_and_still_sign()
    {
        using var ca = InstallationCa.Create("Acme", Pki.Now);
        using var restoredCa = InstallationCa.Import(ca.Certificate.RawData, ca.ExportPrivateKey());
        using var leaf = restoredCa.IssueOrganizationCertificate("Initech", "org_7", Pki.Now);
        using var restoredLeaf = InstallationCa.LoadWithPrivateKey(leaf.RawData, InstallationCa.ExportPkcs8(leaf));
        using var root = X509CertificateLoader.LoadCertificate(ca.Certificate.RawData);

        var signed = IncrementalSigner.Sign(DocumentRenderer.Render(Samples.Document(1)).Bytes,
            new SignatureRequest { Certificate = restoredLeaf, Chain = [root], FieldName = "f", SigningTime = Pki.Now.AddHours(1) });
        Assert.True(PdfSignatureVerifier.Verify(signed, [root]).IsValid);
    }
}
