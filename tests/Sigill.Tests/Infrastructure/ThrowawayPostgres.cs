using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Sigill.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL cluster of one test's own (initdb ≈ 2 s), so the test can stop and restart it without disturbing the
/// shared server ./test.sh runs. As root, the server runs as the postgres user (initdb refuses root).
/// </summary>
internal sealed class ThrowawayPostgres : IAsyncDisposable
{
    private readonly string _directory;
    private readonly string _bin;
    private readonly string _password = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    private ThrowawayPostgres(string directory, string bin, int port)
    {
        _directory = directory;
        _bin = bin;
        Port = port;
    }

    public int Port { get; }

    public static async Task<ThrowawayPostgres> StartAsync()
    {
        var bin = Directory.GetDirectories("/usr/lib/postgresql").OrderBy(d => int.Parse(Path.GetFileName(d), CultureInfo.InvariantCulture)).Last() + "/bin";
        var directory = Directory.CreateTempSubdirectory("sigill-pg-").FullName;
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        var server = new ThrowawayPostgres(directory, bin, SigillProcess.FreePort());
        await File.WriteAllTextAsync(Path.Combine(directory, "pwfile"), server._password + "\n");
        if (IsRoot)
        {
            await RunAsync("chown", "-R", "postgres:", directory);
        }
        await server.AsPostgresAsync("initdb", "-D", server.Data, "-U", "sigill", "--pwfile=" + Path.Combine(directory, "pwfile"), "-A", "scram-sha-256", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8");
        await server.StartAgainAsync();
        return server;
    }

    private static bool IsRoot => Environment.UserName == "root";

    private string Data => Path.Combine(_directory, "data");

    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = "sigill", Password = _password, Database = database, Timeout = 5 }.ConnectionString;

    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    public Task StartAgainAsync() => AsPostgresAsync("pg_ctl", "-D", Data, "-l", Path.Combine(_directory, "log"), "-w", "-o",
        $"-p {Port} -k {_directory} -c listen_addresses=127.0.0.1 -c fsync=off", "start");

    /// <summary>Stops the server; <c>fast</c> mode ends every session, as a restart or failover does.</summary>
    public Task StopAsync() => AsPostgresAsync("pg_ctl", "-D", Data, "-m", "fast", "-w", "stop");

    private Task AsPostgresAsync(string tool, params string[] args) =>
        IsRoot ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(_bin, tool), .. args]) : RunAsync(Path.Combine(_bin, tool), args);

    private static async Task RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', args)} failed ({process.ExitCode}): {output}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (File.Exists(Path.Combine(Data, "postmaster.pid")))
        {
            try
            {
                await AsPostgresAsync("pg_ctl", "-D", Data, "-m", "immediate", "-w", "stop");
            }
            catch (InvalidOperationException)
            {
            }
        }
        Directory.Delete(_directory, recursive: true);
    }
}
