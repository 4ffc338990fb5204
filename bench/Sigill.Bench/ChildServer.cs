using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace Sigill.Bench;

/// <summary>
/// <c>sigill serve</c> as a child process of the running <c>sigill</c> command, on a fresh data directory, so a benchmark
/// measures a real server process (its memory, its sockets) and not its own. Reads the <c>web:</c> and <c>setup:</c>
/// lines that <c>serve</c> prints. An optional configuration file is passed as <c>--config</c>.
/// </summary>
internal sealed class ChildServer : IAsyncDisposable
{
    private readonly Process _process;

    private ChildServer(Process process, Uri webUrl, string setupToken)
    {
        _process = process;
        WebUrl = webUrl;
        SetupToken = setupToken;
    }

    public Uri WebUrl { get; }

    /// <summary>The last segment of the printed setup link.</summary>
    public string SetupToken { get; }

    public int Pid => _process.Id;

    public static async Task<ChildServer> StartAsync(string dataDirectory, CancellationToken ct, string? configFile = null)
    {
        var info = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            info.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location); // `dotnet sigill.dll …`
        }
        foreach (var arg in new[] { "serve", "--data", dataDirectory, "--port", "0" }) info.ArgumentList.Add(arg);
        if (configFile is not null)
        {
            info.ArgumentList.Add("--config");
            info.ArgumentList.Add(configFile);
        }
        foreach (var name in Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(n => n.StartsWith("SIGILL_", StringComparison.Ordinal)))
        {
            info.Environment.Remove(name); // the benchmark's own environment must not configure the server
        }
        // As deploy/host's units run the tiers: without it glibc gives each busy thread its own malloc arena, and the
        // soak saw resident memory grow 62% in 10 minutes with a flat managed heap (docs/operations.md).
        info.Environment["MALLOC_ARENA_MAX"] = "2";
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start `sigill serve`");
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        Uri? web = null;
        string? setup = null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        try
        {
            while ((web is null || setup is null) && await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith("web: ", StringComparison.Ordinal)) web = new Uri(line[5..].Trim());
                if (line.StartsWith("setup: ", StringComparison.Ordinal)) setup = new Uri(line[7..].Trim()).Segments[^1];
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
        }
        if (web is null || setup is null)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            lock (stderr) throw new InvalidOperationException("`sigill serve` did not start: " + stderr);
        }
        _ = DrainAsync(process.StandardOutput);
        return new ChildServer(process, web, setup);
    }

    private static async Task DrainAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is not null)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}

/// <summary>Fields of <c>/proc/PID/status</c> (Linux), in bytes.</summary>
internal static class ProcStatus
{
    public static long Read(int pid, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024; // the kernel reports kB
            }
        }
        throw new InvalidOperationException($"/proc/{pid}/status has no {field}");
    }
}
