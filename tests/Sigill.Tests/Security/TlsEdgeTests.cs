using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Sigill.Tests.Infrastructure;
using Xunit;

namespace Sigill.Tests.Security;

/// <summary>
/// TLS of the public tier (issue 20, item 7): deploy/nginx/sigill-web.conf, run by Debian's nginx with a throwaway
/// certificate and scanned by Debian's testssl.sh. The same file with HSTS removed and TLS 1.1 allowed is scanned
/// beside it, so a scan that cannot see a weakness fails this test too.
/// </summary>
public sealed class TlsEdgeTests
{
    private static readonly string Example = Path.Combine(Repository.Root, "deploy", "nginx", "sigill-web.conf");

    private static readonly string[] NotOffered = ["SSLv2", "SSLv3", "TLS1", "TLS1_1", "cipherlist_NULL", "cipherlist_aNULL", "cipherlist_EXPORT", "cipherlist_LOW", "cipherlist_3DES_IDEA", "cipherlist_AVERAGE"];

    [Fact]
    public async Task The_nginx_example_offers_only_tls_1_2_and_1_3_no_weak_cipher_and_sends_hsts()
    {
        var example = await File.ReadAllTextAsync(Example);
        var planted = example
            .Replace("ssl_protocols TLSv1.2 TLSv1.3;", "ssl_protocols TLSv1.1 TLSv1.2 TLSv1.3;", StringComparison.Ordinal)
            .Replace("ssl_ciphers ", "ssl_ciphers @SECLEVEL=0:ECDHE-ECDSA-AES128-SHA:", StringComparison.Ordinal)
            .Replace("add_header Strict-Transport-Security", "# add_header Strict-Transport-Security", StringComparison.Ordinal);
        Assert.NotEqual(example, planted);

        var scans = await Task.WhenAll(ScanAsync(example), ScanAsync(planted));
        var (good, weak) = (scans[0], scans[1]);

        var findings = Findings(good);
        ScanSummary.Write($"testssl: 1 target (deploy/nginx/sigill-web.conf), {good.Count} checks, {findings.Count} findings; planted weak copy: {Findings(weak).Count} findings");
        Assert.True(findings.Count == 0, string.Join('\n', findings));
        Assert.Contains("offered", good["TLS1_2"], StringComparison.Ordinal);
        Assert.Contains("offered", good["TLS1_3"], StringComparison.Ordinal);

        // The planted weaknesses are seen: a scan that reports nothing here proves nothing above.
        Assert.Contains(Findings(weak), f => f.StartsWith("HSTS", StringComparison.Ordinal));
        Assert.Contains(Findings(weak), f => f.StartsWith("TLS1_1", StringComparison.Ordinal));
    }

    /// <summary>What a scan says is wrong: an old protocol or weak cipher class offered, or no year-long HSTS.</summary>
    private static List<string> Findings(IReadOnlyDictionary<string, string> scan)
    {
        var findings = NotOffered.Where(id => !scan.TryGetValue(id, out var f) || !f.StartsWith("not offered", StringComparison.Ordinal))
            .Select(id => $"{id}: {scan.GetValueOrDefault(id, "(not reported)")}")
            .ToList();
        if (!scan.TryGetValue("HSTS_time", out var hsts) || !hsts.Contains("31536000", StringComparison.Ordinal))
        {
            findings.Add($"HSTS: {scan.GetValueOrDefault("HSTS", hsts ?? "(not reported)")}");
        }
        return findings;
    }

    /// <summary>Serves <paramref name="site"/> with nginx on a loopback port and returns testssl.sh's findings by id.</summary>
    private static async Task<Dictionary<string, string>> ScanAsync(string site)
    {
        var folder = Directory.CreateTempSubdirectory("sigill-tls-").FullName;
        try
        {
            WriteThrowawayCertificate(folder);
            var port = FreePort();
            site = site
                .Replace("/etc/ssl/sigill/fullchain.pem", Path.Combine(folder, "cert.pem"), StringComparison.Ordinal)
                .Replace("/etc/ssl/sigill/privkey.pem", Path.Combine(folder, "key.pem"), StringComparison.Ordinal)
                .Replace("listen 443 ssl http2;", $"listen 127.0.0.1:{port} ssl http2;", StringComparison.Ordinal)
                .Replace("listen 80;", $"listen 127.0.0.1:{FreePort()};", StringComparison.Ordinal)
                .Replace("shared:SigillTLS:", $"shared:SigillTLS{port}:", StringComparison.Ordinal);
            site = string.Join('\n', site.Split('\n').Where(l => !l.TrimStart().StartsWith("listen [::]", StringComparison.Ordinal)));
            await File.WriteAllTextAsync(Path.Combine(folder, "site.conf"), site);
            await File.WriteAllTextAsync(Path.Combine(folder, "nginx.conf"), $$"""
                daemon off; master_process off; pid {{folder}}/nginx.pid; error_log {{folder}}/error.log;
                events {}
                http { access_log off; client_body_temp_path {{folder}}; proxy_temp_path {{folder}}; fastcgi_temp_path {{folder}}; uwsgi_temp_path {{folder}}; scgi_temp_path {{folder}}; include {{folder}}/site.conf; }
                """);
            using var nginx = Process.Start(new ProcessStartInfo("nginx", ["-c", Path.Combine(folder, "nginx.conf"), "-p", folder]) { RedirectStandardError = true })!;
            try
            {
                await WaitForPortAsync(port, nginx, folder);
                var json = Path.Combine(folder, "testssl.json");
                using var testssl = Process.Start(new ProcessStartInfo("testssl",
                    ["--quiet", "--color", "0", "--warnings", "off", "-p", "-s", "-h", "--jsonfile", json, $"127.0.0.1:{port}"])
                { RedirectStandardOutput = true, RedirectStandardError = true })!;
                var output = testssl.StandardOutput.ReadToEndAsync();
                _ = testssl.StandardError.ReadToEndAsync();
                await testssl.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(4)); // about 45 s per scan here; the two run side by side
                Assert.True(File.Exists(json), "testssl wrote no JSON:\n" + await output);
                using var document = JsonDocument.Parse(await File.ReadAllTextAsync(json));
                var scan = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var item in document.RootElement.EnumerateArray())
                {
                    scan[item.GetProperty("id").GetString()!] = item.GetProperty("finding").GetString()!;
                }
                Assert.True(!scan.ContainsKey("scanProblem"), "testssl could not scan: " + scan.GetValueOrDefault("scanProblem"));
                return scan;
            }
            finally
            {
                nginx.Kill();
                await nginx.WaitForExitAsync();
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void WriteThrowawayCertificate(string folder)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(Path.Combine(folder, "cert.pem"), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(folder, "key.pem"), key.ExportPkcs8PrivateKeyPem());
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitForPortAsync(int port, Process nginx, string folder)
    {
        for (var i = 0; i < 100; i++)
        {
            if (nginx.HasExited) break;
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        var log = Path.Combine(folder, "error.log");
        throw new InvalidOperationException("nginx did not start: " + (File.Exists(log) ? await File.ReadAllTextAsync(log) : ""));
    }
}
