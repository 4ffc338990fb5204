using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;

namespace Sigill.Tests.Support;

/// <summary>How the test TSA misbehaves: it rewrites the request before OpenSSL answers it.</summary>
public enum TsaFault
{
    None,

    /// <summary>Answers for another digest than the one asked.</summary>
    WrongImprint,

    /// <summary>Answers with another nonce than the one sent (a replayed or mixed-up response).</summary>
    WrongNonce,

    /// <summary>Answers HTTP 503.</summary>
    Down,
}

/// <summary>
/// A TSA that is not Sigill's: Debian's <c>openssl ts -reply</c> behind a loopback HttpListener, with its own CA
/// (RSA, made here; nothing is stored beyond a temporary folder deleted on dispose). One request at a time, since
/// OpenSSL keeps its serial number in a file.
/// </summary>
public sealed class OpenSslTsa : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sigill-tsa-").FullName;
    private readonly HttpListener _listener = new();
    private readonly SemaphoreSlim _one = new(1, 1);
    private readonly Task _loop;
    private int _requests;

    public OpenSslTsa(string name = "Test TSA")
    {
        var port = FreePort();
        Url = new Uri($"http://127.0.0.1:{port}/tsa");
        CrlUrl = new Uri($"http://127.0.0.1:{port}/root.crl");
        var now = DateTimeOffset.UtcNow;
        using var rootKey = RSA.Create(2048);
        var rootRequest = new CertificateRequest($"CN={name} Root, O=Not Sigill", rootKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        rootRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(rootRequest.PublicKey, false));
        RootWithKey = rootRequest.CreateSelfSigned(now.AddDays(-2), now.AddYears(20));
        Root = X509CertificateLoader.LoadCertificate(RootWithKey.RawData);

        using var tsaKey = RSA.Create(2048);
        var tsaRequest = new CertificateRequest($"CN={name}, O=Not Sigill", tsaKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        tsaRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        tsaRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        tsaRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.8")], true));
        tsaRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(tsaRequest.PublicKey, false));
        tsaRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(RootWithKey, true, false));
        // Like a public TSA, its certificate names where its issuer's CRL is (served below).
        tsaRequest.CertificateExtensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension([CrlUrl.AbsoluteUri]));
        using var issued = tsaRequest.Create(RootWithKey, now.AddDays(-1), now.AddYears(5), [0x01, 0x23, 0x45, 0x67]); // five years: within the longest renewal horizon (3650 days)
        Certificate = X509CertificateLoader.LoadCertificate(issued.RawData);

        File.WriteAllText(Path.Combine(_dir, "root.pem"), Root.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_dir, "tsa.pem"), Certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_dir, "tsa.key"), tsaKey.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(Path.Combine(_dir, "serial"), "01\n");
        File.WriteAllText(Path.Combine(_dir, "ts.cnf"), $"""
            [ tsa ]
            default_tsa = tsa_config
            [ tsa_config ]
            dir = {_dir}
            serial = $dir/serial
            crypto_device = builtin
            signer_cert = $dir/tsa.pem
            certs = $dir/root.pem
            signer_key = $dir/tsa.key
            signer_digest = sha256
            default_policy = 1.2.3.4.1
            digests = sha256, sha384, sha512
            accuracy = secs:1
            ordering = yes
            tsa_name = yes
            ess_cert_id_chain = no
            ess_cert_id_alg = sha256
            """);

        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public Uri Url { get; }

    /// <summary>Where the root's CRL is served (the TSA certificate's CRL distribution point).</summary>
    public Uri CrlUrl { get; }

    /// <summary>The TSA's own root (public), the trust anchor a client configures.</summary>
    public X509Certificate2 Root { get; }

    /// <summary>The root with its key, to sign CRLs with.</summary>
    public X509Certificate2 RootWithKey { get; }

    /// <summary>The TSA's certificate (public).</summary>
    public X509Certificate2 Certificate { get; }

    public TsaFault Fault { get; set; }

    /// <summary>Answers <paramref name="requests"/> more timestamp requests, then 503 like <see cref="TsaFault.Down"/>.</summary>
    public void AnswerOnly(int requests) => Volatile.Write(ref _answerable, requests);

    private int _answerable = int.MaxValue;

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The path of the root as PEM, for <c>openssl ts -verify -CAfile</c>.</summary>
    public string RootPemPath => Path.Combine(_dir, "root.pem");

    /// <summary>An empty CRL of the TSA's root, valid for a week.</summary>
    public byte[] Crl(params X509Certificate2[] revoked)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var c in revoked) builder.AddEntry(c, DateTimeOffset.UtcNow.AddMinutes(-1));
        return builder.Build(RootWithKey, 1, DateTimeOffset.UtcNow.AddDays(7), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1, DateTimeOffset.UtcNow.AddMinutes(-5));
    }

    /// <summary>Runs <c>openssl ts -verify</c> on a DER token over <paramref name="digest"/> (SHA-256); returns its exit code and text.</summary>
    public (int ExitCode, string Output) OpenSslVerify(byte[] token, byte[] digest)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".tst");
        File.WriteAllBytes(path, token);
        try
        {
            return Run("openssl", "ts", "-verify", "-digest", Convert.ToHexString(digest), "-sha256", "-in", path, "-token_in", "-CAfile", RootPemPath);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        Interlocked.Increment(ref _requests);
        using var response = context.Response;
        if (context.Request.HttpMethod == "GET" && context.Request.Url?.AbsolutePath == CrlUrl.AbsolutePath)
        {
            response.ContentType = "application/pkix-crl";
            await response.OutputStream.WriteAsync(Crl());
            return;
        }
        if (Fault == TsaFault.Down || Interlocked.Decrement(ref _answerable) < 0)
        {
            response.StatusCode = 503;
            return;
        }
        using var body = new MemoryStream();
        await context.Request.InputStream.CopyToAsync(body);
        var query = Rewrite(body.ToArray());
        await _one.WaitAsync();
        byte[] reply;
        try
        {
            var id = Guid.NewGuid().ToString("N");
            var queryPath = Path.Combine(_dir, id + ".tsq");
            var replyPath = Path.Combine(_dir, id + ".tsr");
            await File.WriteAllBytesAsync(queryPath, query);
            var (code, text) = Run("openssl", "ts", "-reply", "-config", Path.Combine(_dir, "ts.cnf"), "-queryfile", queryPath, "-out", replyPath);
            if (code != 0)
            {
                response.StatusCode = 500;
                await response.OutputStream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text));
                return;
            }
            reply = await File.ReadAllBytesAsync(replyPath);
            File.Delete(queryPath);
            File.Delete(replyPath);
        }
        finally
        {
            _one.Release();
        }
        response.ContentType = "application/timestamp-reply";
        await response.OutputStream.WriteAsync(reply);
    }

    private byte[] Rewrite(byte[] der)
    {
        if (Fault is not (TsaFault.WrongImprint or TsaFault.WrongNonce)) return der;
        var request = Rfc3161TimestampRequest.TryDecode(der, out var decoded, out _) ? decoded : throw new InvalidOperationException("not a request");
        var hash = request.GetMessageHash().ToArray();
        var nonce = request.GetNonce()?.ToArray();
        if (Fault == TsaFault.WrongImprint) hash[0] ^= 0xFF;
        else nonce = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x08];
        return Rfc3161TimestampRequest.CreateFromHash(hash, new Oid(request.HashAlgorithmId.Value!), null, nonce, request.RequestSignerCertificate).Encode();
    }

    private static (int ExitCode, string Output) Run(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException(tool + " did not start");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr);
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
        Root.Dispose();
        RootWithKey.Dispose();
        Certificate.Dispose();
        _one.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
