using System.Diagnostics;
using System.Text;

namespace Sigill.Tests.Infrastructure;

/// <summary>The real `sigill` command as a child process, the way an operator runs it.</summary>
internal sealed class SigillProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SigillProcess(Process process)
    {
        _process = process;
    }

    public string Stdout { get { lock (_stdout) { return _stdout.ToString(); } } }
    public string Stderr { get { lock (_stderr) { return _stderr.ToString(); } } }
    public int ExitCode => _process.ExitCode;
    /// <summary>The PID of the sigill process (dotnet running sigill.dll).</summary>
    public int Id => _process.Id;

    public static SigillProcess Start(params string[] args) => Start(new Dictionary<string, string>(), args);

    public static SigillProcess Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "sigill.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        foreach (var name in Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(n => n.StartsWith("SIGILL_", StringComparison.Ordinal)))
        {
            info.Environment.Remove(name); // test-service variables must not configure the child
        }
        foreach (var name in new[] { "LC_ALL", "LC_MESSAGES", "LANG" })
        {
            info.Environment.Remove(name); // the runner's locale must not choose the CLI's language (CliWords): English unless a test says
        }
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var result = new SigillProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (result._stdout) { result._stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (result._stderr) { result._stderr.AppendLine(e.Data); } } };
        process.Exited += (_, _) => result._exited.TrySetResult();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return result;
    }

    /// <summary>Runs to completion (or kills after the timeout) and returns the process for its exit code and output.</summary>
    public static Task<SigillProcess> RunAsync(TimeSpan timeout, params string[] args) => RunAsync(timeout, new Dictionary<string, string>(), args);

    public static async Task<SigillProcess> RunAsync(TimeSpan timeout, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var process = Start(environment, args);
        await process.WaitForExitAsync(timeout);
        return process;
    }

    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        if (await Task.WhenAny(_exited.Task, Task.Delay(timeout)) != _exited.Task)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"sigill did not exit within {timeout}. stdout: {Stdout} stderr: {Stderr}");
        }
        _process.WaitForExit(); // drains the output readers
    }

    /// <summary>Waits until stdout has a line starting with <paramref name="prefix"/> and returns the rest of it.</summary>
    public async Task<string> WaitForLineAsync(string prefix, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var line = Stdout.Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
            if (line is not null)
            {
                return line[prefix.Length..].Trim();
            }
            if (_exited.Task.IsCompleted)
            {
                throw new InvalidOperationException($"sigill exited with {ExitCode} before printing '{prefix}'. stderr: {Stderr}");
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"no '{prefix}' line within {timeout}. stdout: {Stdout} stderr: {Stderr}");
    }

    /// <summary>Kills the process at once (SIGKILL), as a crashed or powered-off node.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _exited.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _exited.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
        _process.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
