using System.Globalization;
using Sigill.Cli.Hosting;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Cli;

/// <summary>One serving process per data directory: a second one is refused by name, and a crashed holder leaves no lock behind.</summary>
public sealed class DataDirectoryLockTests : IDisposable
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task A_second_serve_or_api_on_a_served_data_directory_is_refused_naming_the_holders_pid_and_a_killed_holder_leaves_no_lock()
    {
        var data = _directory.Combine("data");
        var first = SigillProcess.Start("serve", "--data", data, "--port", "0");
        try
        {
            await first.WaitForLineAsync("web: ", Generous);
            var expected = $"error: data directory '{data}' is in use by sigill (PID {first.Id.ToString(CultureInfo.InvariantCulture)}); stop it first, or pass another --data";
            foreach (var verb in new[] { "serve", "api" })
            {
                var second = await SigillProcess.RunAsync(Generous, verb, "--data", data, "--port", "0");
                Assert.Equal(2, second.ExitCode);
                Assert.Equal(expected, second.Stderr.Trim());
                Assert.DoesNotContain("web: ", second.Stdout, StringComparison.Ordinal);
            }
            Assert.Equal(first.Id.ToString(CultureInfo.InvariantCulture), (await ReadSharedAsync(Path.Combine(data, DataDirectoryLock.FileName))).Trim());

            await first.KillAsync(); // SIGKILL: no chance to clean up
        }
        finally
        {
            await first.DisposeAsync();
        }
        await using var next = SigillProcess.Start("serve", "--data", data, "--port", "0");
        Assert.StartsWith("http://127.0.0.1:", await next.WaitForLineAsync("web: ", Generous), StringComparison.Ordinal);
    }

    [Fact]
    public void Two_holders_in_one_process_exclude_each_other_until_the_first_lets_go()
    {
        var data = _directory.Combine("data");
        var first = DataDirectoryLock.Acquire(data);
        var refused = Assert.Throws<InstallationException>(() => DataDirectoryLock.Acquire(data));
        Assert.Equal($"data directory '{data}' is in use by sigill (PID {Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}); stop it first, or pass another --data",
            refused.Message);
        first.Dispose();
        using var second = DataDirectoryLock.Acquire(data);
    }

    /// <summary>Reads a file the way `cat` does, without .NET's advisory lock (which the holder's exclusive lock refuses).</summary>
    private static async Task<string> ReadSharedAsync(string path)
    {
        var info = new System.Diagnostics.ProcessStartInfo("cat", path) { RedirectStandardOutput = true, UseShellExecute = false };
        using var cat = System.Diagnostics.Process.Start(info)!;
        var text = await cat.StandardOutput.ReadToEndAsync();
        await cat.WaitForExitAsync();
        return text;
    }

    public void Dispose() => _directory.Dispose();
}
