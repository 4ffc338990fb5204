using System.CommandLine;
using System.Globalization;
using Sigill.Api.Features.Backups;
using Sigill.Api.Platform.Cells;
using Sigill.Cli.Hosting;
using Sigill.Crypto;
using Spectre.Console;

namespace Sigill.Cli.Commands;

/// <summary>
/// <c>sigill backup [--to DIR] | backup verify FILE | backup drill --from DIR</c> and <c>sigill restore FILE</c>
/// (docs/formats/backup-archive.md, docs/adr/0005-backups-and-jobs.md). Exit codes: 0 done, 1 the archive is
/// corrupt, truncated or cannot be opened with this key provider (or a drill failed), 2 bad configuration or
/// input, 3 a cell unreachable.
/// </summary>
internal static class BackupCommands
{
    private const int ArchiveProblem = 1;

    public static Command Backup()
    {
        var (data, config) = (CommonOptions.Data(), CommonOptions.Config());
        var region = RegionOption();
        var to = new Option<string?>("--to") { Description = CliWords.T("Option.backup.to") };
        var command = new Command("backup", CliWords.T("Command.backup")) { data, config, region, to };
        command.Subcommands.Add(Verify());
        command.Subcommands.Add(Drill());
        command.SetAction((r, ct) =>
        {
            if (r.GetValue(to) is not { Length: > 0 } directory)
            {
                return Task.FromResult(CommonOptions.Fail(CliWords.T("Backup.ToRequired")));
            }
            return Guarded(() => KeysCommand.WithCellsAsync(r.GetValue(data)!, r.GetValue(config), async cells =>
            {
                var selected = Select(cells, r.GetValue(region));
                if (selected is null)
                {
                    return CommonOptions.Fail(CliWords.F("Error.NoRegionInstallation", r.GetValue(region)));
                }
                foreach (var cell in selected)
                {
                    var result = await WithProgressAsync(CliWords.F("Backup.Progress", cell.Region), progress =>
                        CellBackup.CreateAsync(cell, directory, TimeProvider.System, progress, ct));
                    Console.Out.WriteLine(CliWords.F("Backup.Written", result.File, result.Region, result.Blobs, Mb(result.ContentBytes), Mb(result.ArchiveBytes),
                        CliWords.N(result.Duration.TotalSeconds, "F1")));
                }
                return ExitCodes.Ok;
            }));
        });
        return command;
    }

    private static Command Verify()
    {
        var (data, config) = (CommonOptions.Data(), CommonOptions.Config());
        var file = new Argument<string>("FILE") { Description = CliWords.T("Argument.backup.file") };
        var command = new Command("verify", CliWords.T("Command.backup.verify")) { file, data, config };
        command.SetAction((r, ct) => Guarded(async () =>
        {
            var path = r.GetValue(file)!;
            var header = await BackupArchive.ReadHeaderAsync(path, ct);
            return await KeysCommand.WithCellsAsync(r.GetValue(data)!, r.GetValue(config), async cells =>
            {
                if (!cells.TryGet(header.Region, out var cell))
                {
                    return CommonOptions.Fail(CliWords.F("Backup.OtherRegion", header.Region));
                }
                if (header.Environment != cell.Keys.Environment)
                {
                    return CommonOptions.Fail(CliWords.F("Backup.OtherEnvironment", header.Environment, cell.Keys.Environment), ArchiveProblem);
                }
                var result = await WithBytesProgressAsync(CliWords.F("Backup.Verifying", Path.GetFileName(path)), new FileInfo(path).Length,
                    progress => BackupArchive.VerifyAsync(path, cell.KeyProvider, progress, ct));
                Console.Out.WriteLine(CliWords.F("Backup.Verified", path, header.Region, CliWords.Utc(header.CreatedAt), result.Entries, result.Blobs,
                    result.Manifest.DatabaseProvider, Mb(result.ContentBytes)));
                return ExitCodes.Ok;
            });
        }));
        return command;
    }

    private static Command Drill()
    {
        var (data, config) = (CommonOptions.Data(), CommonOptions.Config());
        var region = RegionOption();
        var from = new Option<string>("--from") { Description = CliWords.T("Option.backup.drill.from"), Required = true };
        var command = new Command("drill", CliWords.T("Command.backup.drill")) { data, config, region, from };
        command.SetAction((r, ct) => Guarded(() => KeysCommand.WithCellsAsync(r.GetValue(data)!, r.GetValue(config), async cells =>
        {
            var selected = Select(cells, r.GetValue(region));
            if (selected is null)
            {
                return CommonOptions.Fail(CliWords.F("Error.NoRegionInstallation", r.GetValue(region)));
            }
            var failed = 0;
            var drilled = 0;
            foreach (var cell in selected)
            {
                var archive = BackupDrill.Latest(r.GetValue(from)!, cell.Region);
                if (archive is null)
                {
                    if (r.GetValue(region) is not null)
                    {
                        return CommonOptions.Fail(CliWords.F("Drill.NoArchive", cell.Region, r.GetValue(from)));
                    }
                    continue;
                }
                var scratch = Directory.CreateTempSubdirectory("sigill-drill-").FullName;
                DrillResult result;
                try
                {
                    result = await WithProgressAsync(CliWords.F("Drill.Progress", cell.Region), _ => BackupDrill.RunAsync(cell, archive, scratch, TimeProvider.System, ct));
                }
                finally
                {
                    CellRestore.TryDeleteDirectory(scratch);
                }
                var record = r.GetValue(config) is null
                    ? Path.Combine(Installation.Open(r.GetValue(data)!).CellDirectory(cell.Region), "drills.jsonl")
                    : Path.Combine(r.GetValue(from)!, "drills.jsonl");
                await BackupDrill.RecordAsync(result, record, ct);
                drilled++;
                Console.Out.WriteLine(CliWords.F("Drill.Result", cell.Region, result.Ok ? "OK" : "FAILED", result.Archive, CliWords.N(result.RestoreSeconds, "F2"),
                    CliWords.N(result.RecoverySeconds, "F2"), result.OrganizationsChecked, result.Organizations, result.ObjectsChecked, result.Shredded, result.Failures, result.Audit));
                if (!result.Ok)
                {
                    failed++;
                    Console.Error.WriteLine(CliWords.F("Error", CliWords.F("Drill.Failed", cell.Region, result.Problem)));
                }
            }
            if (drilled == 0)
            {
                return CommonOptions.Fail(CliWords.F("Drill.NoArchives", r.GetValue(from)));
            }
            return failed == 0 ? ExitCodes.Ok : ArchiveProblem;
        })));
        return command;
    }

    public static Command Restore()
    {
        var file = new Argument<string>("FILE") { Description = CliWords.T("Argument.backup.file") };
        var data = new Option<string?>("--data") { Description = CliWords.T("Option.restore.data") };
        var config = CommonOptions.Config();
        var keyringFrom = new Option<string?>("--keyring-from") { Description = CliWords.T("Option.restore.keyring-from") };
        var command = new Command("restore", CliWords.T("Command.restore")) { file, data, config, keyringFrom };
        command.SetAction((r, ct) => Guarded(async () =>
        {
            var path = r.GetValue(file)!;
            var header = await BackupArchive.ReadHeaderAsync(path, ct);
            if (r.GetValue(config) is { } configFile)
            {
                return await KeysCommand.WithCellsAsync(CommonOptions.DefaultDataDirectory, configFile, async cells =>
                {
                    if (!cells.TryGet(header.Region, out var cell))
                    {
                        return CommonOptions.Fail(CliWords.F("Backup.OtherRegionConfiguration", header.Region));
                    }
                    var restored = await WithBytesProgressAsync(CliWords.F("Restore.Progress", header.Region), new FileInfo(path).Length,
                        progress => CellRestore.RestoreIntoCellAsync(path, cell, TimeProvider.System, progress, ct));
                    Print(restored, cell.DatabaseLocation);
                    return ExitCodes.Ok;
                });
            }
            if (r.GetValue(data) is not { Length: > 0 } dataDirectory)
            {
                return CommonOptions.Fail(CliWords.T("Restore.Target"));
            }
            return await RestoreEmbeddedAsync(path, header, dataDirectory, r.GetValue(keyringFrom), ct);
        }));
        return command;
    }

    private static async Task<int> RestoreEmbeddedAsync(string path, ArchiveHeader header, string dataDirectory, string? keyringFrom, CancellationToken ct)
    {
        var region = header.Region;
        var target = Path.GetFullPath(dataDirectory);
        var cellDirectory = Path.Combine(target, region);
        if (Directory.Exists(cellDirectory) && Directory.EnumerateFileSystemEntries(cellDirectory).Any(e => Path.GetFileName(e) != "keys"))
        {
            return CommonOptions.Fail(CliWords.F("Restore.NotEmpty", cellDirectory));
        }
        Installation? source = keyringFrom is null ? null : Installation.Open(keyringFrom);
        var installation = Installation.OpenOrCreate(target);
        if (source is not null)
        {
            var keys = Path.Combine(cellDirectory, "keys");
            if (File.Exists(Path.Combine(keys, FileKeyring.FileName)))
            {
                return CommonOptions.Fail(CliWords.F("Restore.Keyring", keys));
            }
            CopyDirectory(Path.Combine(source.CellDirectory(region), "keys"), keys);
            File.Copy(source.MasterKeyFile(region), installation.MasterKeyFile(region), overwrite: true);
            File.SetUnixFileMode(installation.MasterKeyFile(region), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        var options = TierRunner.ValidatedApiOptions(SigillConfiguration.ForApi(SigillConfiguration.Load(installation, null)));
        if (!options.Cells.TryGetValue(region, out var cellOptions))
        {
            return CommonOptions.Fail(CliWords.F("Backup.OtherRegionSetRegions", region));
        }
        cellOptions.Keys.Environment = options.Environment;
        if (header.Environment != options.Environment)
        {
            return CommonOptions.Fail(CliWords.F("Backup.OtherEnvironment", header.Environment, options.Environment), ArchiveProblem);
        }
        var provider = KeyProviderFactory.Create(cellOptions.Keys);
        try
        {
            var restored = await WithBytesProgressAsync(CliWords.F("Restore.Progress", region), new FileInfo(path).Length,
                progress => CellRestore.RestoreEmbeddedAsync(path, provider, cellDirectory, TimeProvider.System, progress, ct));
            // The restored cell has its organizations: a leftover one-time setup link must not create another first owner.
            File.Delete(installation.SetupTokenFile);
            Print(restored, cellDirectory);
        }
        finally
        {
            (provider as IDisposable)?.Dispose();
        }
        return ExitCodes.Ok;
    }

    private static void Print(RestoreResult restored, string where) =>
        Console.Out.WriteLine(CliWords.F("Restore.Done", restored.Region, CliWords.Utc(restored.Manifest.CreatedAt), where, restored.Blobs, Mb(restored.ContentBytes),
            CliWords.N(restored.Duration.TotalSeconds, "F1")));

    private static void CopyDirectory(string from, string to)
    {
        if (!Directory.Exists(from))
        {
            throw new InstallationException($"--keyring-from: '{from}' does not exist");
        }
        Directory.CreateDirectory(to, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }

    private static Option<string?> RegionOption() => new("--region") { Description = CliWords.T("Option.Region") };

    private static List<Cell>? Select(CellRegistry cells, string? region)
    {
        var selected = cells.All.Where(c => region is null || c.Region == region).ToList();
        return selected.Count == 0 ? null : selected;
    }

    private static string Mb(long bytes) => CliWords.N(bytes / 1048576.0, "F1") + " MB";

    /// <summary>Archive problems become one line and exit 1; the rest is handled by <see cref="KeysCommand.WithCellsAsync"/>.</summary>
    private static async Task<int> Guarded(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (BackupException e)
        {
            return CommonOptions.Fail(e.Message, ArchiveProblem);
        }
        catch (InstallationException e)
        {
            return CommonOptions.Fail(e.Message);
        }
        catch (Sigill.Http.SigillConfigurationException e)
        {
            return CommonOptions.Fail(e.Message);
        }
        catch (CellUnavailableException e)
        {
            return CommonOptions.Fail(e.Message, ExitCodes.DependencyUnavailable);
        }
        catch (UnauthorizedAccessException e)
        {
            return CommonOptions.Fail(e.Message);
        }
    }

    private static async Task<T> WithProgressAsync<T>(string label, Func<IProgress<BackupProgress>?, Task<T>> run)
    {
        if (Console.IsOutputRedirected)
        {
            return await run(null);
        }
        T result = default!;
        await AnsiConsole.Progress().StartAsync(async context =>
        {
            var task = context.AddTask(label, maxValue: 1);
            result = await run(new SyncProgressReporter(p =>
            {
                task.Description = $"{label}: {p.Phase}";
                task.MaxValue = Math.Max(1, p.Total);
                task.Value = Math.Min(p.Done, task.MaxValue);
            }));
            task.Value = task.MaxValue;
        });
        return result;
    }

    private static async Task<T> WithBytesProgressAsync<T>(string label, long total, Func<IProgress<long>?, Task<T>> run)
    {
        if (Console.IsOutputRedirected)
        {
            return await run(null);
        }
        T result = default!;
        await AnsiConsole.Progress().StartAsync(async context =>
        {
            var task = context.AddTask(label, maxValue: Math.Max(1, total));
            long done = 0;
            result = await run(new SyncLongProgress(n => task.Value = Math.Min(done += n, task.MaxValue)));
            task.Value = task.MaxValue;
        });
        return result;
    }

    private sealed class SyncProgressReporter(Action<BackupProgress> report) : IProgress<BackupProgress>
    {
        public void Report(BackupProgress value) => report(value);
    }

    private sealed class SyncLongProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
