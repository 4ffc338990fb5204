using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Sigill.Crypto;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Operations;

/// <summary>The alert rules shipped in deploy/ are valid, fire when they should, and watch metrics the product really exports.</summary>
[Collection(nameof(MonitoringTests))]
public sealed partial class MonitoringTests
{
    private static readonly string Deploy = Path.Combine(Repository.Root, "deploy");

    [Fact]
    public async Task The_prometheus_rules_pass_promtool_check_and_their_unit_tests()
    {
        var check = await RunAsync("promtool", "check", "rules", Path.Combine(Deploy, "prometheus", "sigill-rules.yml"));
        Assert.True(check.ExitCode == 0, check.Output);
        Assert.Contains("SUCCESS", check.Output, StringComparison.Ordinal);
        var test = await RunAsync("promtool", "test", "rules", Path.Combine(Deploy, "prometheus", "sigill-rules.test.yml"));
        Assert.True(test.ExitCode == 0, test.Output);
        Assert.Contains("SUCCESS", test.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_example_alertmanager_configuration_is_valid()
    {
        var check = await RunAsync("amtool", "check-config", Path.Combine(Deploy, "alertmanager", "alertmanager.yml"));
        Assert.True(check.ExitCode == 0, check.Output);
        Assert.Contains("SUCCESS", check.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_metric_the_rules_watch_is_exported_by_the_api_tier()
    {
        using var backups = new TempDirectory();
        await using var app = await SigillApp.StartAsync(System.Text.Json.JsonSerializer.Serialize(new { Backups = new { Directory = backups.Path } }));
        var org = await app.SetUpOrganizationAsync("Metrics AB", "us");
        // A due job no handler takes (queue depth and age), and a refused API token (sign-in failures).
        await Sigill.Api.Jobs.JobQueue.EnqueueNowAsync(app.Cells.Get("us"), new Sigill.Api.Jobs.JobRequest("metrics.unhandled"), TimeProvider.System);
        using (var stranger = app.Web("sgl_us_" + new string('a', 26) + "_" + new string('b', 52)))
        {
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await stranger.GetAsync("/api/v1/organizations/current")).StatusCode);
        }
        // Provoke one refused decryption so the integrity counter exists.
        var cell = app.Cells.Get("us");
        var context = new ObjectContext("us", org.OrganizationId, "doc_us_metrics", 1, "document");
        await cell.Objects.PutAsync(context, new MemoryStream(Encoding.UTF8.GetBytes("x")), CancellationToken.None);
        await cell.Blobs.PutAsync(Sigill.Api.Cells.EncryptedObjects.BlobKeyOf(context with { ObjectId = "doc_us_moved" }),
            (await cell.Blobs.OpenReadAsync(Sigill.Api.Cells.EncryptedObjects.BlobKeyOf(context), CancellationToken.None))!, CancellationToken.None);
        await Assert.ThrowsAsync<CryptoIntegrityException>(() => cell.Objects.CopyToAsync(context with { ObjectId = "doc_us_moved" }, Stream.Null, CancellationToken.None));

        using var api = app.Api(withServiceCredential: true);
        var rules = await File.ReadAllTextAsync(Path.Combine(Deploy, "prometheus", "sigill-rules.yml"));
        var watched = MetricName().Matches(rules).Select(m => m.Value).Where(n => n != "up").ToHashSet(StringComparer.Ordinal);
        Assert.Contains("sigill_crypto_integrity_failures_total", watched);
        // Besides every watched name, the values this test provoked; gauges are refreshed by the cell probe's own
        // passes, so each is waited for rather than read from the first scrape that names it.
        string[] provoked =
        [
            "(?m)^sigill_jobs\\{[^}]*kind=\"metrics.unhandled\"[^}]*state=\"queued\"[^}]*\\} 1",
            "(?m)^sigill_sign_in_failures_total\\{[^}]*reason=\"invalid_token\"[^}]*\\} [1-9]",
            "(?m)^sigill_backup_age_seconds\\{[^}]*region=\"us\"[^}]*\\} ",
            "(?m)^sigill_cell_up\\{[^}]*region=\"eu\"[^}]*\\} 1",
        ];
        var deadline = DateTime.UtcNow.AddSeconds(45);
        var missing = watched.ToList();
        var unmatched = provoked.ToList();
        while ((missing.Count > 0 || unmatched.Count > 0) && DateTime.UtcNow < deadline)
        {
            var scrape = await api.GetStringAsync("/metrics");
            missing = [.. watched.Where(name => !Regex.IsMatch(scrape, "^" + Regex.Escape(name) + "[{ ]", RegexOptions.Multiline))];
            var unlabelled = scrape.Replace("region=\"us\",", "", StringComparison.Ordinal);
            unmatched = [.. provoked.Where(pattern => !Regex.IsMatch(scrape, pattern) && !Regex.IsMatch(unlabelled, pattern))];
            if (missing.Count > 0 || unmatched.Count > 0)
            {
                await Task.Delay(250); // observable gauges appear after the sequencer's and the probe's first passes
            }
        }
        Assert.True(missing.Count == 0, "metrics named in the rules but not exported: " + string.Join(", ", missing));
        Assert.True(unmatched.Count == 0, "provoked values not exported: " + string.Join(", ", unmatched));
    }

    [GeneratedRegex("\\b(?:sigill|http_server)_[a-z_]+")]
    private static partial Regex MetricName();

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException($"{file} is not installed: run ./test.sh (installs prometheus and prometheus-alertmanager).");
        }
        using (process)
        {
            var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, output);
        }
    }
}

/// <summary>
/// Runs the scrape test alone: every host's metrics provider listens to meters by name, so instruments of other
/// Sigill hosts alive in the same test process can shadow this host's in its /metrics (never the case in a real process).
/// </summary>
[CollectionDefinition(nameof(MonitoringTests), DisableParallelization = true)]
public sealed class MonitoringTestsCollection;
