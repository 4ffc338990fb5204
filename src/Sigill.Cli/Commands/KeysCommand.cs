using System.CommandLine;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Privacy;
using Sigill.Api.Platform.Cells;
using Sigill.Cli.Hosting;
using Sigill.Crypto;
using Spectre.Console;

namespace Sigill.Cli.Commands;

/// <summary>
/// <c>sigill keys status|rotate-root|rotate-org|shred|revoke-signing</c>: key management of every region cell
/// (docs/adr/0002-key-hierarchy.md). Works on an embedded data directory or a production config.
/// </summary>
internal static class KeysCommand
{
    public static Command Create()
    {
        var command = new Command("keys", CliWords.T("Command.keys"));
        command.Subcommands.Add(Status());
        command.Subcommands.Add(RotateRoot());
        command.Subcommands.Add(RotateOrg());
        command.Subcommands.Add(Shred());
        command.Subcommands.Add(RevokeSigningCommand.Create());
        return command;
    }

    private static Command Status()
    {
        var (data, config) = (CommonOptions.Data(), CommonOptions.Config());
        var command = new Command("status", CliWords.T("Command.keys.status")) { data, config };
        command.SetAction((r, ct) => WithCellsAsync(r.GetValue(data)!, r.GetValue(config), async cells =>
        {
            foreach (var cell in cells.All)
            {
                var status = await cell.Keys.StatusAsync(ct);
                Console.Out.WriteLine(CliWords.F("Keys.Region", status.Region, status.Environment, status.Provider, status.CurrentRootKeyId ?? CliWords.T("Keys.None"), status.RootKeyIds.Count));
                foreach (var org in status.Organizations)
                {
                    Console.Out.WriteLine(CliWords.F("Keys.Organization", org.OrganizationId, org.CurrentVersion, org.Keys.Count, org.Keys.Sum(k => k.UsesReserved)));
                }
                foreach (var shred in status.Shreds)
                {
                    Console.Out.WriteLine(shred.IsExecuted
                        ? CliWords.F("Keys.Shredded", shred.OrganizationId, Invariant(shred.ExecutedAt))
                        : CliWords.F("Keys.ShredPending", shred.OrganizationId, Invariant(shred.DueAt)));
                }
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command RotateRoot()
    {
        var (data, config) = (CommonOptions.Data(), CommonOptions.Config());
        var region = new Option<string?>("--region") { Description = CliWords.T("Option.Region") };
        var command = new Command("rotate-root", CliWords.T("Command.keys.rotate-root")) { data, config, region };
        command.SetAction((r, ct) => WithCellsAsync(r.GetValue(data)!, r.GetValue(config), async cells =>
        {
            foreach (var cell in cells.All.Where(c => r.GetValue(region) is null || c.Region == r.GetValue(region)))
            {
                var organizations = (await cell.Keys.StatusAsync(ct)).Organizations.Count;
                RootRotationResult? result = null;
                await AnsiConsole.Progress().StartAsync(async progress =>
                {
                    var task = progress.AddTask(CliWords.F("Keys.Rewrapping", cell.Region), maxValue: Math.Max(1, organizations));
                    result = await cell.Keys.RotateRootAsync(new Progress<RootRotationProgress>(p => task.Value = p.OrganizationsDone), ct);
                    task.Value = task.MaxValue;
                });
                Console.Out.WriteLine(CliWords.F("Keys.Rotated", cell.Region, result!.RootKeyId, result.KeysRewrapped, result.Organizations));
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command RotateOrg()
    {
        var (data, config) = (CommonOptions.Data(), CommonOptions.Config());
        var org = new Option<string>("--org") { Description = CliWords.T("Option.Org"), Required = true };
        var background = new Option<bool>("--background") { Description = CliWords.T("Option.keys.rotate-org.background") };
        var command = new Command("rotate-org", CliWords.T("Command.keys.rotate-org")) { data, config, org, background };
        command.SetAction((r, ct) => WithCellsAsync(r.GetValue(data)!, r.GetValue(config), async cells =>
        {
            if (!SigillId.TryParse(r.GetValue(org), "org", out var orgRegion) || !cells.TryGet(orgRegion, out var cell))
            {
                return CommonOptions.Fail(CliWords.F("Error.NotAnOrganizationInstallation", r.GetValue(org)));
            }
            var organizationId = r.GetValue(org)!;
            var version = await cell.Keys.RotateOrganizationAsync(organizationId, ct);
            if (r.GetValue(background))
            {
                await using var db = cell.CreateDbContext();
                await Sigill.Api.Platform.Jobs.JobQueue.EnqueueAsync(db, cell, Sigill.Api.Platform.Encryption.ReencryptionJobHandler.Request(organizationId, version), TimeProvider.System, ct: ct);
                await db.SaveChangesAsync(ct);
                Console.Out.WriteLine(CliWords.F("Keys.Queued", organizationId, version));
                return ExitCodes.Ok;
            }
            var keys = new List<string>();
            await foreach (var key in cell.Blobs.ListAsync(organizationId + "/", ct))
            {
                keys.Add(key);
            }
            var moved = 0;
            await AnsiConsole.Progress().StartAsync(async progress =>
            {
                var task = progress.AddTask(CliWords.F("Keys.Reencrypting", organizationId), maxValue: Math.Max(1, keys.Count));
                foreach (var key in keys)
                {
                    if (EncryptedObjects.TryParseBlobKey(cell.Region, key, out var context) && await cell.Objects.ReencryptIfStaleAsync(context, version, ct))
                    {
                        moved++;
                    }
                    task.Increment(1);
                }
                task.Value = task.MaxValue;
            });
            Console.Out.WriteLine(CliWords.F("Keys.Reencrypted", organizationId, version, moved, keys.Count));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Shred()
    {
        var (data, config) = (CommonOptions.Data(), CommonOptions.Config());
        var org = new Option<string?>("--org") { Description = CliWords.T("Option.keys.shred.org") };
        var cancel = new Option<bool>("--cancel") { Description = CliWords.T("Option.keys.shred.cancel") };
        var executeDue = new Option<bool>("--execute-due") { Description = CliWords.T("Option.keys.shred.execute-due") };
        var command = new Command("shred", CliWords.T("Command.keys.shred"))
        { data, config, org, cancel, executeDue };
        command.SetAction((r, ct) => WithCellsAsync(r.GetValue(data)!, r.GetValue(config), async cells =>
        {
            if (r.GetValue(executeDue))
            {
                foreach (var cell in cells.All)
                {
                    foreach (var shredded in await cell.Keys.ExecuteDueShredsAsync((organizationId, token) => MayShredAsync(cell, organizationId, token), ct))
                    {
                        Console.Out.WriteLine(CliWords.F("Keys.Destroyed", shredded));
                    }
                }
                return ExitCodes.Ok;
            }
            if (!SigillId.TryParse(r.GetValue(org), "org", out var orgRegion) || !cells.TryGet(orgRegion, out var target))
            {
                return CommonOptions.Fail(CliWords.T("Keys.OrgRequired"));
            }
            if (r.GetValue(cancel))
            {
                var cancelled = await target.Keys.CancelShredAsync(r.GetValue(org)!, ct);
                Console.Out.WriteLine(CliWords.F(cancelled ? "Keys.ShredCancelled" : "Keys.NoPendingShred", r.GetValue(org)));
                return cancelled ? ExitCodes.Ok : ExitCodes.BadConfiguration;
            }
            if (!await MayShredAsync(target, r.GetValue(org)!, ct))
            {
                return ExitCodes.BadConfiguration;
            }
            var record = await target.Keys.ScheduleShredAsync(r.GetValue(org)!, ct);
            Console.Out.WriteLine(CliWords.F("Keys.ShredScheduled", record.OrganizationId, Invariant(record.DueAt)));
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>
    /// The deletion gate (ADR 0016) for a whole organization: a legal hold or a running retention period on any of its
    /// documents keeps it. A refusal is printed, recorded as <c>privacy.deletion_refused</c>, and a scheduled shred stays pending.
    /// </summary>
    private static async Task<bool> MayShredAsync(Cell cell, string organizationId, CancellationToken ct)
    {
        await using var db = cell.CreateDbContext();
        if (await DeletionGate.CheckOrganizationAsync(db, cell, organizationId, DateTime.UtcNow, ct) is not { } kept)
        {
            return true;
        }
        await DeletionGate.RecordRefusalAsync(db, cell, organizationId, new AuditActor("sigill-cli", null), "keys shred", organizationId, kept, DateTime.UtcNow, ct);
        var until = kept.Until is { } u ? CliWords.F("Keys.KeptUntil", u.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)) : CliWords.T("Keys.KeptUntilReleased");
        var under = kept.Scope == "retention" ? CliWords.T("Keys.UnderRetention") : CliWords.F("Keys.UnderHold", kept.Scope, kept.HoldId);
        await Console.Error.WriteLineAsync(CliWords.F("Keys.NotShredded", organizationId, under, kept.Reason, until));
        return false;
    }

    /// <summary>A time as the <c>u</c> format writes it (<c>2026-12-07 05:13:49Z</c>), the same in every language.</summary>
    private static string Invariant(IFormattable? at) => at?.ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? "";

    /// <summary>Opens the installation's cells (existing installation or production config) for an operator verb.</summary>
    internal static Task<int> WithCellsAsync(string dataDirectory, string? configFile, Func<CellRegistry, Task<int>> action) =>
        CommonOptions.WithInstallationAsync(dataDirectory, configFile, (cells, _, _) => action(cells));
}
