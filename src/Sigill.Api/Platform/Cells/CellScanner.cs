using System.Text;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Sigill.Api.Platform.Cells;

/// <summary>
/// Reads everything a cell stores, as raw bytes, to prove what is and is not in it (`sigill residency
/// report`). Local cells: every file under the cell's folders (database and its WAL, blobs, keyring,
/// outbox, log files). PostgreSQL: every row of every table, as JSON text. S3: every object key and object body.
/// Needles are matched as UTF-8 and UTF-16 bytes, so identifiers are found wherever they were written.
/// </summary>
public sealed partial class CellScanner(Cell cell)
{
    /// <summary>Returns, for each needle found, where it was found (file path, table or object key).</summary>
    public async Task<IReadOnlyDictionary<string, List<string>>> FindAsync(IReadOnlyCollection<string> needles, CancellationToken cancellationToken)
    {
        var patterns = needles.Distinct(StringComparer.Ordinal)
            .Select(n => (Needle: n, Forms: new[] { Encoding.UTF8.GetBytes(n), Encoding.Unicode.GetBytes(n) }))
            .ToList();
        var found = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Check(ReadOnlySpan<byte> bytes, string where)
        {
            foreach (var (needle, forms) in patterns)
            {
                foreach (var form in forms)
                {
                    if (bytes.IndexOf(form) >= 0)
                    {
                        (found.TryGetValue(needle, out var list) ? list : found[needle] = []).Add(where);
                        break;
                    }
                }
            }
        }

        foreach (var folder in LocalFolders())
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
            {
                Check(await File.ReadAllBytesAsync(file, cancellationToken), file);
                Check(Encoding.UTF8.GetBytes(file), file);
            }
        }
        if (cell.DatabaseProvider == "postgres")
        {
            foreach (var (table, text) in await DumpPostgresAsync(cancellationToken))
            {
                Check(Encoding.UTF8.GetBytes(text), $"{cell.DatabaseLocation} table {table}");
            }
        }
        if (cell.Options.Blobs.Provider == "s3")
        {
            await foreach (var key in cell.Blobs.ListAsync("", cancellationToken))
            {
                Check(Encoding.UTF8.GetBytes(key), $"{cell.Blobs.Location}/{key} (key)");
                await using var body = await cell.Blobs.OpenReadAsync(key, cancellationToken);
                if (body is not null)
                {
                    using var copy = new MemoryStream();
                    await body.CopyToAsync(copy, cancellationToken);
                    Check(copy.GetBuffer().AsSpan(0, (int)copy.Length), $"{cell.Blobs.Location}/{key}");
                }
            }
        }
        return found;
    }

    /// <summary>The folders this cell keeps on the local file system (none for a PostgreSQL + S3 + HSM cell).</summary>
    public IReadOnlyList<string> LocalFolders()
    {
        var folders = new List<string>();
        if (cell.DatabaseProvider == "sqlite" && Path.GetDirectoryName(cell.DatabaseLocation) is { Length: > 0 } dbFolder)
        {
            folders.Add(dbFolder);
        }
        if (cell.Options.Blobs.Provider == "filesystem")
        {
            folders.Add(Path.GetFullPath(cell.Options.Blobs.Path));
        }
        if (cell.Options.Keys.KeyringDirectory is { Length: > 0 } keyring)
        {
            folders.Add(Path.GetFullPath(keyring));
        }
        if (cell.Options.Logs.Directory is { Length: > 0 } logs)
        {
            folders.Add(Path.GetFullPath(logs)); // the cell's own log files (records that carry identifiers)
        }
        // Nested folders (blobs inside the cell folder) are scanned once.
        var distinct = folders.Distinct(StringComparer.Ordinal).Where(Directory.Exists).Order(StringComparer.Ordinal).ToList();
        return [.. distinct.Where(f => !distinct.Any(o => o != f && f.StartsWith(o + Path.DirectorySeparatorChar, StringComparison.Ordinal)))];
    }

    private async Task<List<(string Table, string Text)>> DumpPostgresAsync(CancellationToken cancellationToken)
    {
        var rows = new List<(string, string)>();
        await using var connection = new NpgsqlConnection(cell.Options.Database.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT quote_ident(table_name) FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'", connection))
        await using (var reader = await list.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                tables.Add(reader.GetString(0));
            }
        }
        foreach (var table in tables)
        {
            // Table names come from the catalog, quoted by quote_ident: no input reaches this SQL.
#pragma warning disable CA2100
            await using var select = new NpgsqlCommand($"SELECT row_to_json(t)::text FROM {table} t", connection);
#pragma warning restore CA2100
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            var text = new StringBuilder();
            while (await reader.ReadAsync(cancellationToken))
            {
                text.AppendLine(reader.GetString(0));
            }
            rows.Add((table, text.ToString()));
        }
        return rows;
    }

    /// <summary>Organization ids and the blind-index values (keyed hashes) this cell's database holds.</summary>
    public async Task<(IReadOnlyList<string> Organizations, IReadOnlyList<string> KeyedHashes)> InventoryAsync(CancellationToken cancellationToken)
    {
        await using var db = cell.CreateDbContext();
        // Organizations and users are the identifiers a cell owns; users' directory hashes (keyed HMACs of their
        // e-mail addresses, ADR 0007) are keyed hashes like the blind indexes.
        var organizations = await db.Set<Features.Organizations.Organization>().AsNoTracking().Select(o => o.Id).ToListAsync(cancellationToken);
        organizations.AddRange(await db.Set<Features.Accounts.User>().AsNoTracking().Select(u => u.Id).ToListAsync(cancellationToken));
        var hashes = new SortedSet<string>(await db.Set<Features.Accounts.User>().AsNoTracking().Select(u => u.EmailHash).ToListAsync(cancellationToken), StringComparer.Ordinal);
        var text = new StringBuilder();
        if (cell.DatabaseProvider == "postgres")
        {
            foreach (var (_, rows) in await DumpPostgresAsync(cancellationToken))
            {
                text.Append(rows);
            }
        }
        else
        {
            foreach (var file in new[] { cell.DatabaseLocation, cell.DatabaseLocation + "-wal" }.Where(File.Exists))
            {
                await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var copy = new MemoryStream();
                await stream.CopyToAsync(copy, cancellationToken);
                text.Append(Encoding.Latin1.GetString(copy.GetBuffer(), 0, (int)copy.Length));
            }
        }
        // Blind indexes are written as "b1." + 43 base64url characters (docs/formats/encrypted-object.md).
        foreach (System.Text.RegularExpressions.Match m in BlindIndexPattern().Matches(text.ToString()))
        {
            hashes.Add(m.Value);
        }
        return (organizations.Order(StringComparer.Ordinal).ToList(), [.. hashes]);
    }

    [System.Text.RegularExpressions.GeneratedRegex("b1\\.[A-Za-z0-9_-]{43}")]
    private static partial System.Text.RegularExpressions.Regex BlindIndexPattern();
}
