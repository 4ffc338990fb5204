using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Npgsql;
using Sigill.Api.Platform.Cells;

namespace Sigill.Api.Features.Backups;

/// <summary>
/// A consistent copy of a cell's database in a file. SQLite: the online backup API (a page-level copy under one
/// read transaction, so it is consistent while the API keeps writing to its WAL database — a raw file copy is not).
/// PostgreSQL: <c>pg_dump --format=custom</c> (one snapshot transaction), uncompressed because the archive
/// compresses it; the connection goes through PG* environment variables, never the command line.
/// </summary>
internal static class DatabaseSnapshot
{
    public const string SqliteEntry = "database/sigill.db";
    public const string PostgresEntry = "database/postgres.dump";

    public static string EntryFor(Cell cell) => cell.DatabaseProvider == "postgres" ? PostgresEntry : SqliteEntry;

    public static async Task WriteAsync(Cell cell, string file, CancellationToken ct)
    {
        if (cell.DatabaseProvider == "postgres")
        {
            await RunPostgresToolAsync("pg_dump", cell.Options.Database.ConnectionString,
                ["--format=custom", "--compress=0", "--no-owner", "--no-privileges", "--file", file], ct);
            return;
        }
        await Task.Run(() =>
        {
            using var source = new SqliteConnection(cell.Options.Database.ConnectionString);
            source.Open();
            using (var destination = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString()))
            {
                destination.Open();
                source.BackupDatabase(destination);
                using var command = destination.CreateCommand();
                command.CommandText = "PRAGMA journal_mode=DELETE;"; // one self-contained file, no -wal beside it
                command.ExecuteNonQuery();
            }
        }, ct);
    }

    /// <summary>Restores a custom-format dump into an empty PostgreSQL database.</summary>
    public static async Task RestorePostgresAsync(string connectionString, string dumpFile, CancellationToken ct)
    {
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand("SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')", connection);
            if ((long)(await command.ExecuteScalarAsync(ct))! > 0)
            {
                throw new BackupException("the target PostgreSQL database is not empty; restore needs an empty database");
            }
        }
        await RunPostgresToolAsync("pg_restore", connectionString, ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", dumpFile], ct, database: true);
    }

    private static async Task RunPostgresToolAsync(string tool, string connectionString, string[] arguments, CancellationToken ct, bool database = false)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var info = new ProcessStartInfo(FindTool(tool)) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        if (database)
        {
            info.ArgumentList.Add("--dbname");
            info.ArgumentList.Add(builder.Database ?? "postgres");
        }
        else
        {
            info.Environment["PGDATABASE"] = builder.Database;
        }
        info.Environment["PGHOST"] = builder.Host;
        info.Environment["PGPORT"] = builder.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["PGUSER"] = builder.Username;
        info.Environment["PGPASSWORD"] = builder.Password;
        info.Environment["PGSSLMODE"] = builder.SslMode switch
        {
            SslMode.Disable => "disable",
            SslMode.Require => "require",
            SslMode.VerifyCA => "verify-ca",
            SslMode.VerifyFull => "verify-full",
            _ => "prefer",
        };
        using var process = Process.Start(info) ?? throw new BackupException($"cannot start {tool}");
        var stderr = process.StandardError.ReadToEndAsync(ct);
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        await stdout;
        if (process.ExitCode != 0)
        {
            var first = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "no output";
            throw new BackupException($"{tool} failed (exit {process.ExitCode}): {first}");
        }
    }

    /// <summary>The binary from PATH, else the newest /usr/lib/postgresql/*/bin.</summary>
    internal static string FindTool(string tool)
    {
        foreach (var folder in (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(folder, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            var newest = Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => (Dir: d, Version: int.TryParse(Path.GetFileName(d).Split('.')[0], System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : 0))
                .OrderByDescending(d => d.Version)
                .Select(d => Path.Combine(d.Dir, "bin", tool))
                .FirstOrDefault(File.Exists);
            if (newest is not null)
            {
                return newest;
            }
        }
        throw new BackupException($"{tool} was not found on PATH or under /usr/lib/postgresql/*/bin (install postgresql-client)");
    }
}
