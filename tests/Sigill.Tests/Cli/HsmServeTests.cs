using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Cli;

/// <summary>A region cell whose root and erasure keys live in a PKCS#11 token (SoftHSM2), end to end through `sigill serve`.</summary>
public sealed class HsmServeTests : IDisposable
{
    private const string SoftHsmLibrary = "/usr/lib/softhsm/libsofthsm2.so";
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task A_cell_on_an_hsm_serves_encrypted_data_and_keeps_no_keyring_on_disk()
    {
        Assert.True(File.Exists(SoftHsmLibrary), "SoftHSM2 is not installed: run ./test.sh (installs softhsm2).");
        var tokens = _directory.Combine("tokens");
        Directory.CreateDirectory(tokens);
        var conf = _directory.Combine("softhsm2.conf");
        await File.WriteAllTextAsync(conf, $"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n");
        var init = new ProcessStartInfo("softhsm2-util") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "--init-token", "--free", "--label", "sigill-eu", "--pin", "4321", "--so-pin", "8765" })
        {
            init.ArgumentList.Add(arg);
        }
        init.Environment["SOFTHSM2_CONF"] = conf;
        using (var process = Process.Start(init)!)
        {
            await process.WaitForExitAsync();
            Assert.Equal(0, process.ExitCode);
        }
        var config = _directory.Combine("sigill.json");
        await File.WriteAllTextAsync(config, $$"""
            { "Cells": { "eu": { "Keys": { "Provider": "Pkcs11", "Pkcs11LibraryPath": "{{SoftHsmLibrary}}", "Pkcs11TokenLabel": "sigill-eu" } } } }
            """);
        var environment = new Dictionary<string, string> { ["SOFTHSM2_CONF"] = conf, ["SIGILL_PKCS11_PIN"] = "4321" };
        var data = _directory.Combine("data");
        var port = SigillProcess.FreePort();

        await using (var serve = SigillProcess.Start(environment, "serve", "--data", data, "--config", config, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        {
            var setup = await serve.WaitForLineAsync("setup: ", TimeSpan.FromSeconds(60));
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            using var created = await http.PostAsJsonAsync("/api/v1/setup", new { setupToken = setup.Split('/')[^1], organizationName = "Hsm Kunde GmbH", region = "eu", name = "Ada Owner", email = "owner@example.com", password = "correct horse battery staple" });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var org = await created.Content.ReadFromJsonAsync<Dictionary<string, object>>();
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", org!["apiToken"].ToString());
            var view = await http.GetFromJsonAsync<Dictionary<string, object>>("/api/v1/organizations/current");
            Assert.Equal("Hsm Kunde GmbH", view!["name"].ToString());

            // The cell opened with its erasure journal in the cell folder (serve's default, outside the backups; the HSM keeps the
            // keys), and erasure answers there: a person the organization does not know is a 404.
            using var erase = await http.PostAsJsonAsync("/api/v1/privacy/erasures", new { email = "ada@example.com" });
            Assert.Equal(HttpStatusCode.NotFound, erase.StatusCode);
        }

        Assert.False(Directory.Exists(Path.Combine(data, "eu", "keys")), "the HSM cell wrote a file keyring");
        Assert.True(Directory.Exists(Path.Combine(data, "us", "keys")), "the us cell keeps its default file keyring");
        Assert.Empty(ByteScan.FilesContaining(data, "Hsm Kunde GmbH"));

        var status = await SigillProcess.RunAsync(TimeSpan.FromSeconds(60), environment, "keys", "status", "--data", data, "--config", config);
        Assert.True(status.ExitCode == 0, status.Stderr);
        Assert.Contains("region eu (development, provider pkcs11)", status.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_hsm_pin_stops_serve_with_one_clear_line()
    {
        var config = _directory.Combine("sigill.json");
        await File.WriteAllTextAsync(config, $$"""
            { "Cells": { "eu": { "Keys": { "Provider": "Pkcs11", "Pkcs11LibraryPath": "{{SoftHsmLibrary}}", "Pkcs11TokenLabel": "no-such-token" } } } }
            """);
        var conf = _directory.Combine("softhsm2.conf");
        Directory.CreateDirectory(_directory.Combine("tokens"));
        await File.WriteAllTextAsync(conf, $"directories.tokendir = {_directory.Combine("tokens")}\nobjectstore.backend = file\n");
        var serve = await SigillProcess.RunAsync(TimeSpan.FromSeconds(60), new Dictionary<string, string> { ["SOFTHSM2_CONF"] = conf, ["SIGILL_PKCS11_PIN"] = "0000" },
            "serve", "--data", _directory.Combine("data"), "--config", config, "--port", "0");
        Assert.Equal(3, serve.ExitCode);
        var line = Assert.Single(serve.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: cell 'eu' cannot open its key provider:", line, StringComparison.Ordinal);
    }

    public void Dispose() => _directory.Dispose();
}
