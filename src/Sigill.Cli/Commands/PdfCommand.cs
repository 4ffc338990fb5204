using System.CommandLine;
using System.Formats.Asn1;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using Sigill.Pdf;

namespace Sigill.Cli.Commands;

/// <summary>
/// <c>sigill pdf verify FILE [--root PEM|DER]</c>: every signature, its chain, and whether the last one covers
/// the whole file (docs/formats/sealed-pdf.md). Exit 0 only when all of that holds; 1 otherwise.
/// Without <c>--root</c> it trusts the self-signed root embedded in the file and says so: that proves
/// integrity, not origin. It then says where to get the installation's root to pin: <c>sigill pki root</c> on the
/// server, or the web tier's <c>/api/v1/pki/{region}/root.pem</c>, the region read from the signer's certificate.
/// </summary>
internal static partial class PdfCommand
{
    public const int Invalid = 1;

    public static Command Create()
    {
        var command = new Command("pdf", CliWords.T("Command.pdf"));
        var file = new Argument<string>("FILE") { Description = CliWords.T("Argument.pdf.file") };
        var root = new Option<string?>("--root") { Description = CliWords.T("Option.pdf.root") };
        var tsaRoot = new Option<string?>("--tsa-root") { Description = CliWords.T("Option.pdf.tsa-root") };
        var verify = new Command("verify", CliWords.T("Command.pdf.verify")) { file, root, tsaRoot };
        verify.SetAction(r => Verify(r.GetValue(file)!, r.GetValue(root), r.GetValue(tsaRoot)));
        command.Subcommands.Add(verify);
        command.Subcommands.Add(PdfRenewCommand.Create());
        return command;
    }

    private static int Verify(string path, string? rootFile, string? tsaRootFile)
    {
        if (!File.Exists(path)) return CommonOptions.Fail(CliWords.F("Pdf.NoFile", path));
        var pdf = File.ReadAllBytes(path);
        if (!IsPdf(pdf))
        {
            Console.Out.WriteLine($"result: INVALID ({CliWords.F("Pdf.NotAPdf", path, HeaderWindow)})");
            return Invalid;
        }
        var roots = new List<X509Certificate2>();
        try
        {
            if (rootFile is not null)
            {
                if (!File.Exists(rootFile)) return CommonOptions.Fail(CliWords.F("Pdf.NoFile", rootFile));
                if (LoadCertificate(rootFile) is not { } pinned) return CommonOptions.Fail(CliWords.F("Pdf.NotACertificate", rootFile));
                roots.Add(pinned);
            }
            else
            {
                roots.AddRange(EmbeddedRoots(pdf));
                foreach (var r in roots)
                {
                    Console.Out.WriteLine("trust: " + CliWords.F("Pdf.TrustEmbedded", r.Subject, r.GetCertHashString(HashAlgorithmName.SHA256)));
                }
                Console.Out.WriteLine(WhereToGetTheRoot(pdf));
            }
            if (tsaRootFile is not null && !File.Exists(tsaRootFile)) return CommonOptions.Fail(CliWords.F("Pdf.NoFile", tsaRootFile));
            var tsaRoots = tsaRootFile is not null ? LoadPemCertificates(tsaRootFile) : Sigill.Pdf.LongTerm.LongTermValidation.EmbeddedRoots(pdf);
            var report = PdfSignatureVerifier.Verify(pdf, roots, tsaRoots);
            if (report.Signatures.Count == 0)
            {
                Console.Out.WriteLine($"result: INVALID ({CliWords.T("Pdf.NoSignature")})");
                return Invalid;
            }
            for (var i = 0; i < report.Signatures.Count; i++)
            {
                var s = report.Signatures[i];
                var problems = s.Problems.Count > 0 ? $" ({string.Join("; ", s.Problems)})" : "";
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{s.Kind} {i + 1}: {s.FieldName ?? "(unnamed)"} by {s.SignerSubject ?? "unknown"} at {s.SigningTime:u}, {(s.IsValid ? "valid" : "INVALID")}, covers {s.SignedLength} of {report.FileLength} bytes{problems}"));
                if (s.Kind == "signature") Console.Out.WriteLine($"  level: {s.Level}");
                if (s.TimestampTime is { } at) Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  timestamp: {at:u} by {s.TimestampAuthority}"));
                foreach (var gap in s.LevelGaps) Console.Out.WriteLine($"  why not higher: {gap}");
                foreach (var note in s.Notes) Console.Out.WriteLine($"  note: {note}");
            }
            Console.Out.WriteLine($"level: {report.Level}");
            Console.Out.WriteLine($"last signature covers the whole file: {(report.LastSignatureCoversWholeFile ? "yes" : report.OnlyValidationDataAfterLastSignature ? "no, but what follows only adds validation data (a DSS), as PAdES allows" : "NO")}");
            Console.Out.WriteLine(report.IsValid ? "result: valid" : "result: INVALID");
            return report.IsValid ? ExitCodes.Ok : Invalid;
        }
        catch (CryptographicException e)
        {
            Console.Out.WriteLine($"result: INVALID ({e.Message})");
            return Invalid;
        }
        finally
        {
            foreach (var r in roots) r.Dispose();
        }
    }

    /// <summary>Readers accept a header anywhere in the first 1024 bytes (ISO 32000-2 §7.5.2, implementation note): so does this check.</summary>
    private const int HeaderWindow = 1024;

    private static bool IsPdf(byte[] file) => file.AsSpan(0, Math.Min(file.Length, HeaderWindow)).IndexOf("%PDF-"u8) >= 0;

    private static X509Certificate2? LoadCertificate(string path)
    {
        var bytes = File.ReadAllBytes(path);
        try
        {
            return bytes.AsSpan().IndexOf("-----BEGIN CERTIFICATE-----"u8) >= 0
                ? X509Certificate2.CreateFromPem(Encoding.ASCII.GetString(bytes))
                : X509CertificateLoader.LoadCertificate(bytes);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>
    /// How to pin the installation's root, for the region the signer's certificate names (its OU is the organization id,
    /// org_&lt;region&gt;_…), and the CA address the certificate itself carries (AIA caIssuers, when the installation
    /// has a public base URL).
    /// </summary>
    private static string WhereToGetTheRoot(byte[] pdf)
    {
        var signer = Sigill.Pdf.LongTerm.LongTermValidation.SignerCertificates(pdf).FirstOrDefault();
        var organization = signer?.SubjectName.EnumerateRelativeDistinguishedNames()
            .FirstOrDefault(n => n.GetSingleElementType().Value == "2.5.4.11")?.GetSingleElementValue();
        var region = Sigill.Api.Platform.Cells.SigillId.TryParse(organization, "org", out var r) ? r : "REGION";
        var published = signer?.Extensions.OfType<X509AuthorityInformationAccessExtension>().SelectMany(a => a.EnumerateCAIssuersUris()).FirstOrDefault();
        return CliWords.F("Pdf.WhereRoot", region, published is null ? "" : CliWords.F("Pdf.WhereRootPublished", published));
    }

    private static List<X509Certificate2> LoadPemCertificates(string path)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPemFile(path);
        return [.. collection];
    }

    [GeneratedRegex(@"/Contents\s*<([0-9A-Fa-f]+)>")]
    private static partial Regex ContentsPattern();

    /// <summary>Self-signed CA certificates carried in the signatures' CMS.</summary>
    private static IEnumerable<X509Certificate2> EmbeddedRoots(byte[] pdf)
    {
        var found = new Dictionary<string, X509Certificate2>(StringComparer.Ordinal);
        foreach (Match m in ContentsPattern().Matches(Encoding.Latin1.GetString(pdf)))
        {
            try
            {
                var der = Convert.FromHexString(m.Groups[1].Value);
                AsnDecoder.ReadEncodedValue(der, AsnEncodingRules.BER, out _, out _, out var length);
                var cms = new SignedCms();
                cms.Decode(der.AsSpan(0, length));
                foreach (var c in cms.Certificates)
                {
                    if (c.SubjectName.RawData.AsSpan().SequenceEqual(c.IssuerName.RawData) && c.Extensions["2.5.29.19"] is X509BasicConstraintsExtension { CertificateAuthority: true })
                    {
                        found.TryAdd(c.Thumbprint, X509CertificateLoader.LoadCertificate(c.RawData));
                    }
                }
            }
            catch (Exception e) when (e is CryptographicException or AsnContentException or FormatException)
            {
                // Not a CMS: the verifier reports that signature as invalid.
            }
        }
        return found.Values;
    }
}
