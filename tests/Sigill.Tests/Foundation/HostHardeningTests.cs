using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Foundation;

/// <summary>
/// The systemd units in deploy/host (claim 7: the app runs unprivileged on a hardened host): systemd itself accepts
/// them and rates their exposure low (<c>systemd-analyze verify</c> and <c>security --offline</c>), they run as an
/// unprivileged user with no capabilities, they start the verbs and configuration files deploy/regions describes,
/// and they hold no secret.
/// </summary>
public sealed partial class HostHardeningTests
{
    private static readonly string Folder = Path.Combine(Repository.Root, "deploy", "host");

    [Theory]
    [InlineData("sigill-api@.service", "sigill-api@eu.service")]
    [InlineData("sigill-web.service", "sigill-web.service")]
    public async Task Systemd_accepts_each_unit_and_rates_its_exposure_low(string unit, string instance)
    {
        // verify also checks that the program exists: point a copy at one that does (the unit's own path is deployment's).
        using var copy = new TempFolder();
        var text = await File.ReadAllTextAsync(Path.Combine(Folder, unit));
        Assert.Contains("ExecStart=/opt/sigill/sigill ", text, StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(copy.Path, unit), text.Replace("ExecStart=/opt/sigill/sigill ", "ExecStart=/bin/true ", StringComparison.Ordinal));

        var (verifyExit, verifyOutput) = await SystemdAnalyzeAsync(copy.Path, "verify", "--man=no", "./" + instance);
        Assert.True(verifyExit == 0 && verifyOutput.Trim().Length == 0, $"systemd-analyze verify {instance}: exit {verifyExit}\n{verifyOutput}");

        var (securityExit, report) = await SystemdAnalyzeAsync(copy.Path, "security", "--offline=true", "./" + unit);
        Assert.True(securityExit == 0, report);
        var level = double.Parse(ExposureLevel().Match(report).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(level <= 2.0, $"exposure {level} (systemd rates 0-10, lower is better; \"OK\" is below 5):\n{report}");
    }

    [Fact]
    public void Units_run_unprivileged_start_the_documented_commands_and_hold_no_secret()
    {
        var api = Directives("sigill-api@.service");
        var web = Directives("sigill-web.service");
        foreach (var unit in new[] { api, web })
        {
            Assert.Equal("sigill", Assert.Single(unit["User"]));
            Assert.Equal([""], unit["CapabilityBoundingSet"]);
            Assert.Equal("yes", Assert.Single(unit["NoNewPrivileges"]));
            Assert.Equal("strict", Assert.Single(unit["ProtectSystem"]));
            Assert.Equal("0077", Assert.Single(unit["UMask"]));
            // Settings and secrets belong in the 0600 EnvironmentFile or the JSON configuration; the unit sets only the
            // process's allocator (docs/operations.md, the load benchmark's soak).
            Assert.Equal(["MALLOC_ARENA_MAX=2"], unit["Environment"]);
            Assert.StartsWith("/etc/sigill/", Assert.Single(unit["EnvironmentFile"]), StringComparison.Ordinal);
        }

        Assert.Equal("/opt/sigill/sigill api --config /etc/sigill/api-%i.json --host ${SIGILL_API_HOST} --port 8081", Assert.Single(api["ExecStart"]));
        Assert.Equal("/opt/sigill/sigill web --config /etc/sigill/web.json --host 0.0.0.0 --port 8080", Assert.Single(web["ExecStart"]));
        // The instance name is the region: every api-<region>.json of deploy/regions has its unit instance, and the web tier's file too.
        var regions = Directory.GetFiles(Path.Combine(Repository.Root, "deploy", "regions"), "api-*.json").Select(f => Path.GetFileName(f)!).Order().ToArray();
        Assert.Equal(["api-eu.json", "api-us.json"], regions);
        Assert.True(File.Exists(Path.Combine(Repository.Root, "deploy", "regions", "web.json")));

        foreach (var file in Directory.GetFiles(Folder, "*.service"))
        {
            var content = File.ReadAllText(file);
            Assert.DoesNotMatch(SecretLike(), content);
        }
    }

    private static Dictionary<string, List<string>> Directives(string unit)
    {
        var directives = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(Path.Combine(Folder, unit)))
        {
            if (line.Length == 0 || line[0] is '#' or '[' || line.IndexOf('=', StringComparison.Ordinal) is not (> 0 and var at))
            {
                continue;
            }
            var name = line[..at];
            if (!directives.TryGetValue(name, out var values))
            {
                directives[name] = values = [];
            }
            values.Add(line[(at + 1)..]);
        }
        return directives;
    }

    private static async Task<(int Exit, string Output)> SystemdAnalyzeAsync(string workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo("systemd-analyze") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["SYSTEMD_COLORS"] = "0";
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        return (process.ExitCode, await output + await error);
    }

    private sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("sigill-units-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }

    [GeneratedRegex(@"Overall exposure level for \S+: (\d+\.\d+)")]
    private static partial Regex ExposureLevel();

    /// <summary>A password, PIN or key in a unit: <c>Password=…</c>, <c>PIN=…</c>, or 32+ characters of base64.</summary>
    [GeneratedRegex(@"(?i)(password|pin|secret)\s*=\s*\S|[A-Za-z0-9+/]{32,}={0,2}")]
    private static partial Regex SecretLike();
}
