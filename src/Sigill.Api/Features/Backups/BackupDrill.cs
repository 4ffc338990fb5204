using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Crypto;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Organizations;

namespace Sigill.Api.Features.Backups;

/// <param name="RecoverySeconds">From the start of the restore until the restored cell was open and checked.</param>
public sealed record DrillResult(
    DateTimeOffset At, string Archive, string Region, bool Ok, double RestoreSeconds, double RecoverySeconds,
    int Organizations, int OrganizationsChecked, int ObjectsChecked, int Shredded, int Failures, string Audit, string? Problem);

/// <summary>
/// A restore drill: restores the latest archive of a region into a scratch folder, opens it as a cell with the
/// live cell's key provider, decrypts a sample of organization names and objects (a crypto-shredded organization
/// counts as expected, not as a failure), verifies the audit log, and measures the recovery time.
/// </summary>
public static class BackupDrill
{
    public const int SampleSize = 25;

    /// <summary>The newest archive of <paramref name="region"/> in <paramref name="directory"/> (by the time in its name).</summary>
    public static string? Latest(string directory, string region) =>
        !Directory.Exists(directory) ? null
        : Directory.EnumerateFiles(directory, $"sigill-{region}-*{CellBackup.Extension}")
            .Select(f => (File: f, Ok: CellBackup.TryParseFileName(Path.GetFileName(f), out var r, out var at), Region: r, At: at))
            .Where(f => f.Ok && f.Region == region)
            .OrderByDescending(f => f.At)
            .Select(f => f.File)
            .FirstOrDefault();

    /// <summary>When the newest archive of <paramref name="region"/> in <paramref name="directory"/> was written (the time in its name); null without one.</summary>
    public static DateTimeOffset? LatestAt(string? directory, string region) =>
        !string.IsNullOrEmpty(directory) && Latest(directory, region) is { } latest && CellBackup.TryParseFileName(Path.GetFileName(latest), out _, out var at) ? at : null;

    public static async Task<DrillResult> RunAsync(Cell live, string archive, string scratchRoot, TimeProvider time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(live);
        ArgumentNullException.ThrowIfNull(time);
        var started = time.GetTimestamp();
        var scratch = Path.Combine(scratchRoot, live.Region);
        var at = time.GetUtcNow();
        try
        {
            var restored = await CellRestore.RestoreEmbeddedAsync(archive, live.KeyProvider, scratch, time, null, ct);
            var restoreSeconds = time.GetElapsedTime(started).TotalSeconds;
            var options = new CellOptions
            {
                Database = new DatabaseOptions { Provider = "sqlite", ConnectionString = $"Data Source={Path.Combine(scratch, "sigill.db")};Pooling=False" },
                Blobs = new BlobStoreOptions { Provider = "filesystem", Path = Path.Combine(scratch, "blobs") },
                Keys = live.Options.Keys,
            };
            using var cell = new Cell(live.Region, options, live.Keys.Environment, time);
            await cell.MigrateAsync(ct);

            int organizations, checkedOrgs = 0, objects = 0, shredded = 0, failures = 0;
            await using (var db = cell.CreateDbContext())
            {
                organizations = await db.Organizations.CountAsync(ct);
                var sample = await db.Organizations.AsNoTracking().OrderBy(o => o.Id).Take(SampleSize).ToListAsync(ct);
                foreach (var org in sample)
                {
                    var outcome = await DecryptionProbe.TryAsync(() => cell.Keys.DecryptFieldAsync(org.Id, Organization.NamePurpose, org.NameToken, org.Id, ct));
                    checkedOrgs++;
                    shredded += outcome == DecryptionOutcome.Shredded ? 1 : 0;
                    failures += outcome == DecryptionOutcome.Failed ? 1 : 0;
                }
            }
            var keys = new List<string>();
            await foreach (var key in cell.Blobs.ListAsync("", ct))
            {
                keys.Add(key);
            }
            var step = Math.Max(1, keys.Count / SampleSize);
            for (var i = 0; i < keys.Count; i += step)
            {
                if (!EncryptedObjects.TryParseBlobKey(cell.Region, keys[i], out var context))
                {
                    continue;
                }
                var outcome = await DecryptionProbe.TryAsync(() => cell.Objects.CopyToAsync(context, Stream.Null, ct));
                objects++;
                shredded += outcome == DecryptionOutcome.Shredded ? 1 : 0;
                failures += outcome == DecryptionOutcome.Failed ? 1 : 0;
            }
            var audit = await AuditVerification.VerifyAsync(cell, null, ct);
            var recovery = time.GetElapsedTime(started).TotalSeconds;
            var ok = failures == 0 && audit.Ok;
            var problem = ok ? null
                : !audit.Ok ? audit.Summary
                : string.Create(CultureInfo.InvariantCulture, $"{failures} sampled items did not decrypt");
            return new DrillResult(at, Path.GetFileName(archive), live.Region, ok, restoreSeconds, recovery, organizations, checkedOrgs, objects, shredded, failures, audit.Summary, problem);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            CellRestore.TryDeleteDirectory(scratch);
        }
    }

    /// <summary>Appends the result as one JSON line (the drill history an auditor asks for).</summary>
    public static async Task RecordAsync(DrillResult result, string file, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        await File.AppendAllTextAsync(file, JsonSerializer.Serialize(result, Json) + "\n", ct);
    }

    /// <summary>
    /// Every drill recorded in <paramref name="files"/> (those that exist, each once), in file order. A line that is not
    /// a drill — the torn last line of a drill killed while writing — is skipped.
    /// </summary>
    public static List<DrillResult> ReadAll(IEnumerable<string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var drills = new List<DrillResult>();
        foreach (var file in files.Where(File.Exists).Distinct(StringComparer.Ordinal))
        {
            foreach (var line in File.ReadLines(file).Where(l => l.Length > 0))
            {
                try
                {
                    if (JsonSerializer.Deserialize<DrillResult>(line, ReadJson) is { } drill)
                    {
                        drills.Add(drill);
                    }
                }
                catch (JsonException)
                {
                    // a torn line: not a drill
                }
            }
        }
        return drills;
    }

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
    private static readonly JsonSerializerOptions ReadJson = new(JsonSerializerDefaults.Web);
}
