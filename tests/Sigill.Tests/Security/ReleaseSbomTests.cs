using System.Diagnostics;
using System.Text.Json;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Security;

/// <summary>
/// The release's bill of materials (issue 20, item 5): deploy/release.sh writes sbom.cdx.json beside the published
/// artifacts, and it names exactly the packages the sigill command's lock file pins, plus the pdf.js build the web tier serves.
/// </summary>
public sealed class ReleaseSbomTests
{
    [Fact]
    public async Task The_release_sbom_lists_every_package_the_sigill_command_locks_and_nothing_it_does_not()
    {
        var root = Repository.Root;
        var output = Directory.CreateTempSubdirectory("sigill-sbom-");
        try
        {
            var (exit, log) = await RunAsync(root, "bash", "deploy/release.sh", "--sbom-only", output.FullName);
            Assert.True(exit == 0, log);
            using var bom = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output.FullName, "sbom.cdx.json")));
            Assert.Equal("CycloneDX", bom.RootElement.GetProperty("bomFormat").GetString());
            var listed = bom.RootElement.GetProperty("components").EnumerateArray()
                .Select(c => c.GetProperty("purl").GetString()!)
                .ToHashSet(StringComparer.OrdinalIgnoreCase);

            var cli = DependencyAdvisories.ReadLockFile("src/Sigill.Cli/packages.lock.json", await File.ReadAllTextAsync(Path.Combine(root, "src/Sigill.Cli/packages.lock.json")));
            var webAssets = DependencyAdvisories.ReadLockFile("tools/web-assets/package-lock.json", await File.ReadAllTextAsync(Path.Combine(root, "tools/web-assets/package-lock.json")));
            var expected = cli.Select(p => $"pkg:nuget/{p.Name}@{p.Version}")
                .Concat(webAssets.Where(p => p.Name == "pdfjs-dist").Select(p => $"pkg:npm/pdfjs-dist@{p.Version}"))
                .ToHashSet(StringComparer.OrdinalIgnoreCase);

            Assert.True(expected.Count > 50, $"the sigill command's lock file pins only {expected.Count} packages");
            Assert.Empty(expected.Except(listed, StringComparer.OrdinalIgnoreCase));
            Assert.Empty(listed.Except(expected, StringComparer.OrdinalIgnoreCase));
            ScanSummary.Write($"release sbom: {listed.Count} components (sbom.cdx.json, CycloneDX), each pinned by a lock file");
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    internal static async Task<(int Exit, string Output)> RunAsync(string workingDirectory, string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (process.ExitCode, await output + await error);
    }
}
