using System.Diagnostics;
using System.Globalization;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Cli;

/// <summary>`sigill demo` without --data works in a temporary data directory and leaves none behind, however it ends.</summary>
public sealed class DemoCleanupTests : IDisposable
{
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(3);
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task A_demo_that_finishes_removes_its_temporary_data_directory_and_keeps_the_sealed_pdf()
    {
        var temp = Directory.CreateDirectory(_directory.Combine("tmp")).FullName;
        var output = _directory.Combine("out");
        await using var demo = SigillProcess.Start(new Dictionary<string, string> { ["TMPDIR"] = temp }, "demo", "--out", output);
        var data = DataDirectoryOf(await demo.WaitForLineAsync("data: ", Generous));
        Assert.StartsWith(temp, data, StringComparison.Ordinal);
        await demo.WaitForExitAsync(Generous);

        Assert.True(demo.ExitCode == 0, demo.Stdout + demo.Stderr);
        Assert.False(Directory.Exists(data), $"{data} is still there");
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp, "sigill-demo-*"));
        Assert.Single(Directory.EnumerateFiles(output, "sigill-demo-*.pdf"));
    }

    [Fact]
    public async Task A_demo_stopped_part_way_removes_its_temporary_data_directory()
    {
        var temp = Directory.CreateDirectory(_directory.Combine("tmp")).FullName;
        await using var demo = SigillProcess.Start(new Dictionary<string, string> { ["TMPDIR"] = temp }, "demo", "--out", _directory.Combine("out"));
        var data = DataDirectoryOf(await demo.WaitForLineAsync("data: ", Generous));
        Assert.True(Directory.Exists(data));

        // SIGTERM, which System.CommandLine handles as it handles Ctrl+C (SIGINT): the run is cancelled.
        using (var kill = Process.Start("kill", ["-TERM", demo.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        await demo.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.DoesNotContain("sealed: ", demo.Stdout, StringComparison.Ordinal); // it was stopped before the end
        Assert.Equal(130, demo.ExitCode);
        Assert.Equal("error: the demo was stopped before it finished", demo.Stderr.Trim());
        Assert.False(Directory.Exists(data), $"{data} is still there");
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp, "sigill-demo-*"));
    }

    // "data: /tmp/sigill-demo-0123456789ab (temporary: removed when the demo ends; pass --data DIR to keep it)"
    private static string DataDirectoryOf(string line) => line.Split(" (", 2)[0];

    public void Dispose() => _directory.Dispose();
}
