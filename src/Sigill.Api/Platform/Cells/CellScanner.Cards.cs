using System.Text;
using Microsoft.Data.Sqlite;
using Sigill.Api.Platform.Security;
using Sigill.Crypto;
using Sigill.Pdf;

namespace Sigill.Api.Platform.Cells;

/// <summary>A card number found in what a cell stores: where, its scheme, and the number masked (never in full).</summary>
public sealed record CardNumberFinding(string Where, string Scheme, string Masked);

/// <summary>
/// What a cell's card-number scan read and found. <see cref="NotDecrypted"/> counts objects whose plaintext could not be
/// read (damaged, or of an organization whose keys are shredded: those are skipped, their content is gone for good).
/// </summary>
public sealed record CardScan(IReadOnlyList<CardNumberFinding> Findings, int Places, int ObjectsDecrypted, int PdfsRead, int NotDecrypted);

public sealed partial class CellScanner
{
    /// <summary>Stored PDFs are read whatever their size (a sealed PDF is its upload plus signatures); the decode limits stay.</summary>
    private static readonly PdfLimits StoredPdfLimits = PdfLimits.Default with { MaxBytes = long.MaxValue };

    /// <summary>
    /// Scans everything the cell stores for payment card numbers (<see cref="CardNumbers"/>), so an operator can show that
    /// none is kept (issue 17). Two passes:
    /// <list type="number">
    /// <item>Every stored byte as it lies, like <see cref="FindAsync"/>: files under the cell's local folders (database and
    /// WAL, blobs, keyring, outbox, logs), every S3 object key and body — each read as one byte per character and as
    /// UTF-16LE — and every database row, value by value (PostgreSQL rows as JSON text; SQLite rows read through SQLite,
    /// since its record format puts a row's values side by side with nothing between them, which would glue a number
    /// to the text before it). This finds what is stored in clear.</item>
    /// <item>Every stored object decrypted (the cell's keys open them, as the API tier does): a PDF (uploads, templates'
    /// renderings, sealed documents) through its text (<see cref="PdfText"/>: content streams are compressed, so their
    /// bytes say nothing), anything else (job payloads, images) as bytes.</item>
    /// </list>
    /// Encrypted database fields (names, titles, field values, template bodies) are not opened here: they are scanned when
    /// they arrive (<see cref="RequestText"/>), and reading them needs each feature's purposes and record ids.
    /// </summary>
    internal async Task<CardScan> FindCardNumbersAsync(CancellationToken cancellationToken)
    {
        var findings = new List<CardNumberFinding>();
        var places = 0;
        void Check(ReadOnlySpan<byte> bytes, string where)
        {
            places++;
            if (CardNumbers.TryFindInBytes(bytes, out var hit)) findings.Add(new CardNumberFinding(where, hit.Scheme, hit.Masked));
        }

        foreach (var folder in LocalFolders())
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
            {
                await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var copy = new MemoryStream();
                await stream.CopyToAsync(copy, cancellationToken);
                Check(copy.GetBuffer().AsSpan(0, (int)copy.Length), file);
            }
        }
        if (cell.DatabaseProvider is "postgres" or "sqlite")
        {
            var tables = cell.DatabaseProvider == "postgres" ? await DumpPostgresAsync(cancellationToken) : await DumpSqliteAsync(Check, cancellationToken);
            foreach (var (table, text) in tables)
            {
                places++;
                if (CardNumbers.TryFind(text, out var hit)) findings.Add(new CardNumberFinding($"{cell.DatabaseLocation} table {table}", hit.Scheme, hit.Masked));
            }
        }

        var erased = (await cell.Keys.StatusAsync(cancellationToken)).Shreds.Where(s => s.IsExecuted).Select(s => s.OrganizationId).ToHashSet(StringComparer.Ordinal);
        int decrypted = 0, pdfs = 0, notDecrypted = 0;
        var keys = new List<string>();
        await foreach (var key in cell.Blobs.ListAsync("", cancellationToken))
        {
            keys.Add(key);
        }
        foreach (var key in keys)
        {
            var where = $"{cell.Blobs.Location}/{key}";
            if (cell.Options.Blobs.Provider == "s3")
            {
                Check(Encoding.UTF8.GetBytes(key), $"{where} (key)");
                await using var body = await cell.Blobs.OpenReadAsync(key, cancellationToken);
                if (body is not null)
                {
                    using var raw = new MemoryStream();
                    await body.CopyToAsync(raw, cancellationToken);
                    Check(raw.GetBuffer().AsSpan(0, (int)raw.Length), where);
                }
            }
            if (!EncryptedObjects.TryParseBlobKey(cell.Region, key, out var context) || erased.Contains(context.OrganizationId))
            {
                continue;
            }
            using var plaintext = new MemoryStream();
            try
            {
                if (!await cell.Objects.CopyToAsync(context, plaintext, cancellationToken)) continue;
            }
            catch (Exception e) when (e is CryptoIntegrityException or ArgumentException)
            {
                // Damaged, another cell's (a residency leak, reported above), or a key that names no organization.
                notDecrypted++;
                continue;
            }
            decrypted++;
            var bytes = new ReadOnlyMemory<byte>(plaintext.GetBuffer(), 0, (int)plaintext.Length);
            if (IsPdf(bytes.Span))
            {
                try
                {
                    pdfs++;
                    places++;
                    if (CardNumbers.TryFindInPdf(bytes, StoredPdfLimits, out var page, out var hit))
                    {
                        findings.Add(new CardNumberFinding($"{where} (decrypted, {(page == 0 ? "outside the pages" : $"page {page}")})", hit.Scheme, hit.Masked));
                    }
                    continue;
                }
                catch (PdfRejectedException)
                {
                    pdfs--; // its text could not be read: its bytes are scanned instead
                }
            }
            Check(bytes.Span, $"{where} (decrypted)");
        }
        return new CardScan(findings, places, decrypted, pdfs, notDecrypted);
    }

    /// <summary>
    /// Every row of every table of a SQLite cell, read through SQLite (the WAL included): per table, one line per row with
    /// its values separated by tabs; blobs go to <paramref name="checkBytes"/> one by one.
    /// </summary>
    private async Task<List<(string Table, string Text)>> DumpSqliteAsync(CheckBytes checkBytes, CancellationToken cancellationToken)
    {
        var rows = new List<(string, string)>();
        var readOnly = new SqliteConnectionStringBuilder(cell.Options.Database.ConnectionString) { Mode = SqliteOpenMode.ReadOnly };
        await using var connection = new SqliteConnection(readOnly.ToString());
        await connection.OpenAsync(cancellationToken);
        var tables = new List<string>();
        await using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
            await using var reader = await list.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                tables.Add(reader.GetString(0));
            }
        }
        foreach (var table in tables)
        {
            await using var select = connection.CreateCommand();
            // Table names come from SQLite's own catalog, quoted as identifiers: no input reaches this SQL.
#pragma warning disable CA2100
            select.CommandText = $"SELECT * FROM \"{table.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
#pragma warning restore CA2100
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            var text = new StringBuilder();
            while (await reader.ReadAsync(cancellationToken))
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    switch (reader.IsDBNull(i) ? null : reader.GetValue(i))
                    {
                        case byte[] blob:
                            checkBytes(blob, $"{cell.DatabaseLocation} table {table}");
                            break;
                        case { } value:
                            text.Append(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)).Append('\t');
                            break;
                    }
                }
                text.Append('\n');
            }
            rows.Add((table, text.ToString()));
        }
        return rows;
    }

    private delegate void CheckBytes(ReadOnlySpan<byte> bytes, string where);

    private static bool IsPdf(ReadOnlySpan<byte> bytes) => bytes[..Math.Min(bytes.Length, 1024)].IndexOf("%PDF-"u8) >= 0;
}
