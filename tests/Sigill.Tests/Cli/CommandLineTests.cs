using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Cli;

/// <summary>The `sigill` command as an operator meets it: the real process, its output and its exit code.</summary>
public sealed class CommandLineTests : IDisposable
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task Serve_prints_both_tiers_and_a_setup_link_and_is_ready_within_a_minute()
    {
        var port = SigillProcess.FreePort();
        var clock = Stopwatch.StartNew();
        await using var serve = SigillProcess.Start("serve", "--data", _directory.Combine("data"), "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal($"http://127.0.0.1:{port}", await serve.WaitForLineAsync("web: ", Generous));
        var api = await serve.WaitForLineAsync("api: ", Generous);
        var setup = await serve.WaitForLineAsync("setup: ", Generous);
        Assert.StartsWith($"http://127.0.0.1:{port}/setup/", setup, StringComparison.Ordinal);
        // Without SMTP the newcomer is told where recipients' links go.
        Assert.EndsWith(Path.Combine("us", "outbox") + " as .eml files", await serve.WaitForLineAsync("mail (us): ", Generous), StringComparison.Ordinal);

        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{port}/health/ready")).StatusCode);
        Assert.True(clock.Elapsed < Generous, $"ready after {clock.Elapsed}");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync($"{api}/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(setup)).StatusCode);
        Assert.Equal("", serve.Stderr);
    }

    [Fact]
    public async Task The_tiers_also_run_as_separate_processes()
    {
        var data = _directory.Combine("data");
        var migrate = await SigillProcess.RunAsync(Generous, "migrate", "--data", data);
        Assert.True(migrate.ExitCode == 0, migrate.Stderr);
        var apiPort = SigillProcess.FreePort();
        var webPort = SigillProcess.FreePort();
        await using var api = SigillProcess.Start("api", "--data", data, "--port", apiPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await api.WaitForLineAsync("api: ", Generous);
        await using var web = SigillProcess.Start("web", "--data", data, "--port", webPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--api-url", $"http://127.0.0.1:{apiPort}");
        await web.WaitForLineAsync("web: ", Generous);

        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{webPort}/health/ready")).StatusCode);
        var status = await http.GetFromJsonAsync<Dictionary<string, object>>($"http://127.0.0.1:{webPort}/api/v1/setup");
        Assert.Equal("true", status!["setupPending"].ToString(), ignoreCase: true);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync($"http://127.0.0.1:{apiPort}/api/v1/setup")).StatusCode);
    }

    [Theory]
    [InlineData("{ \"Cells\": { \"us\": ", "is not valid JSON")]
    [InlineData("{ \"Cells\": { \"us\": { \"Database\": { \"Provider\": \"oracle\" } } } }", "Cells:us:Database:Provider must be sqlite or postgres, not 'oracle'")]
    [InlineData("{ \"Regions\": \"us,eu\", \"Cells\": { \"mars\": { } } }", "Cells:mars is configured but 'mars' is not in Regions")]
    [InlineData("{ \"Environment\": \"prod\" }", "Environment must be one of production, staging, development, not 'prod'")]
    [InlineData("{ \"Environment\": \"production\" }", "Cells:eu:Keys: The file keyring is refused in production")]
    public async Task A_bad_configuration_stops_serve_with_one_clear_line_and_writes_nothing(string json, string expected)
    {
        var config = _directory.Combine("sigill.json");
        await File.WriteAllTextAsync(config, json);
        var data = _directory.Combine("data");
        var serve = await SigillProcess.RunAsync(Generous, "serve", "--data", data, "--config", config, "--port", "0");
        Assert.Equal(2, serve.ExitCode);
        var line = Assert.Single(serve.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(data) && Directory.EnumerateFileSystemEntries(data).Any(), "the data directory was written");
    }

    [Fact]
    public async Task The_web_tier_refuses_to_run_in_production_without_tls()
    {
        var config = _directory.Combine("web.json");
        await File.WriteAllTextAsync(config, """
            { "Environment": "production", "ServiceCredential": "0123456789012345678901234567890123456789", "Web": { "ApiBaseUrl": "http://127.0.0.1:1" } }
            """);
        var web = await SigillProcess.RunAsync(Generous, "web", "--data", _directory.Combine("none"), "--config", config, "--port", "0");
        Assert.Equal(2, web.ExitCode);
        Assert.Equal("error: invalid web tier configuration: Web:Tls must be true in production: the public tier serves HTTPS only (terminated here or by its proxy)", web.Stderr.Trim());
    }

    [Fact]
    public async Task An_unreachable_postgres_stops_serve_naming_the_cell_and_writes_nothing()
    {
        var config = _directory.Combine("sigill.json");
        await File.WriteAllTextAsync(config, """
            { "Cells": { "eu": { "Database": { "Provider": "postgres", "ConnectionString": "Host=127.0.0.1;Port=1;Username=sigill;Password=x;Database=sigill_eu;Timeout=3" } } } }
            """);
        var data = _directory.Combine("data");
        var serve = await SigillProcess.RunAsync(Generous, "serve", "--data", data, "--config", config, "--port", "0");
        Assert.Equal(3, serve.ExitCode);
        var line = Assert.Single(serve.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: cell 'eu' cannot reach its postgres database at postgres://127.0.0.1:1/sigill_eu", line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(data) && Directory.EnumerateFileSystemEntries(data).Any(), "the data directory was written");
    }

    [Fact]
    public async Task A_data_directory_without_write_permission_stops_serve_with_one_clear_line()
    {
        var data = _directory.Combine("locked");
        Directory.CreateDirectory(data);
        // Tests run as root, for whom file modes are no barrier: the immutable attribute is.
        Assert.Equal(0, await RunAsync("chattr", "+i", data));
        try
        {
            var serve = await SigillProcess.RunAsync(Generous, "serve", "--data", data, "--port", "0");
            Assert.Equal(2, serve.ExitCode);
            var line = Assert.Single(serve.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"error: data directory '{data}' is not writable", line, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(data));
        }
        finally
        {
            await RunAsync("chattr", "-i", data);
        }
    }

    [Fact]
    public async Task A_data_directory_that_is_a_file_stops_serve_with_one_clear_line()
    {
        var file = _directory.Combine("not-a-dir");
        await File.WriteAllTextAsync(file, "x");
        var serve = await SigillProcess.RunAsync(Generous, "serve", "--data", file, "--port", "0");
        Assert.Equal(2, serve.ExitCode);
        Assert.Equal($"error: data directory '{file}' is a file, not a directory", serve.Stderr.Trim());
    }

    [Theory]
    [InlineData("serve", "web")]
    [InlineData("api", "api")]
    public async Task A_port_in_use_stops_the_tier_with_one_line_naming_the_port_and_no_stack_trace(string verb, string tier)
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var data = _directory.Combine("data");
        var run = await SigillProcess.RunAsync(Generous, verb, "--data", data, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"error: {tier} tier: port {port} is already in use; stop what listens there or pass another --port", run.Stderr.Trim());
        Assert.DoesNotContain("   at ", run.Stdout, StringComparison.Ordinal); // the host used to log the bind failure with its stack trace
        Assert.DoesNotContain("Exception", run.Stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists(data), "the data directory was created before the port was checked");
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("70000")]
    [InlineData("80.5")]
    public async Task A_port_that_is_not_a_port_number_is_refused_in_a_plain_sentence(string value)
    {
        var serve = await SigillProcess.RunAsync(Generous, "serve", "--data", _directory.Combine("data"), "--port", value);
        Assert.Equal(2, serve.ExitCode);
        Assert.Equal([$"error: --port must be a number from 1 to 65535 (or 0 for any free port), not '{value}'", "run `sigill serve --help` for usage"],
            Lines(serve.Stderr));
        Assert.Equal("", serve.Stdout); // no help page
    }

    [Fact]
    public async Task An_unknown_command_prints_one_error_and_a_hint_to_run_help()
    {
        var run = await SigillProcess.RunAsync(Generous, "sevre", "--data", _directory.Combine("data"));
        Assert.Equal(2, run.ExitCode);
        var lines = Lines(run.Stderr);
        Assert.Equal(2, lines.Count);
        Assert.StartsWith("error: 'sevre' is not a command of `sigill` (commands: serve, api, web,", lines[0], StringComparison.Ordinal);
        Assert.Equal("run `sigill --help` for usage", lines[1]);
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public async Task A_command_group_without_its_command_names_the_commands_it_has()
    {
        var run = await SigillProcess.RunAsync(Generous, "pdf");
        Assert.Equal(2, run.ExitCode);
        Assert.Equal(["error: `sigill pdf` needs a command: verify, renew", "run `sigill pdf --help` for usage"], Lines(run.Stderr));
    }

    private static List<string> Lines(string text) => [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r'))];

    private static async Task<int> RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        await process.WaitForExitAsync();
        return process.ExitCode;
    }

    public void Dispose() => _directory.Dispose();
}
