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
        var command = new Command("keys", "Key management: status, root and organization rotation, crypto-shredding");
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
        var command = new Command("status", "Root keys, organization key versions and pending shreds, per region") { data, config };
        command.SetAction((r, ct) => WithCellsAsync(r.GetValue(data)!, r.GetValue(config), async cells =>
        {
            foreach (var cell in cells.All)
            {
                var status = await cell.Keys.StatusAsync(ct);
                Console.Out.WriteLine($"region {status.Region} ({status.Environment}, provider {status.Provider}): root {status.CurrentRootKeyId ?? "none"} ({status.RootKeyIds.Count} versions)");
                foreach (var org in status.Organizations)
                {
                    Console.Out.WriteLine($"  {org.OrganizationId}: content key v{org.CurrentVersion}, {org.Keys.Count} wrapped keys, uses reserved {org.Keys.Sum(k => k.UsesReserved)}");
                }
                foreach (var shred in status.Shreds)
                {
                    Console.Out.WriteLine(shred.IsExecuted
                        ? $"  {shred.OrganizationId}: shredded at {shred.ExecutedAt:u}"
                        : $"  {shred.OrganizationId}: shred pending, due {shred.DueAt:u}");
                }
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command RotateRoot()
    {
        var (data, config) = (CommonOptions.Data(), CommonOptions.Config());
        var region = new Option<string?>("--region") { Description = "Only this region (default: every region)" };
        var command = new Command("rotate-root", "New root key version; rewraps organization keys only (no data is touched). Resumable.") { data, config, region };
        command.SetAction((r, ct) => WithCellsAsync(r.GetValue(data)!, r.GetValue(config), async cells =>
        {
            foreach (var cell in cells.All.Where(c => r.GetValue(region) is null || c.Region == r.GetValue(region)))
            {
                var organizations = (await cell.Keys.StatusAsync(ct)).Organizations.Count;
                RootRotationResult? result = null;
                await AnsiConsole.Progress().StartAsync(async progress =>
                {
                    var task = progress.AddTask($"rewrapping {cell.Region}", maxValue: Math.Max(1, organizations));
                    result = await cell.Keys.RotateRootAsync(new Progress<RootRotationProgress>(p => task.Value = p.OrganizationsDone), ct);
                    task.Value = task.MaxValue;
                });
                Console.Out.WriteLine($"region {cell.Region}: root is now {result!.RootKeyId}; {result.KeysRewrapped} keys of {result.Organizations} organizations rewrapped");
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command RotateOrg()
    {
        var (data, config) = (CommonOptions.Data(), CommonOptions.Config());
        var org = new Option<string>("--org") { Description = "The organization id (org_<region>_…)", Required = true };
        var background = new Option<bool>("--background") { Description = "Leave the re-encryption to a job in the running API tier instead of doing it here" };
        var command = new Command("rotate-org", "New content key version for one organization, then re-encrypt its stored objects (resumable: rerun to continue)") { data, config, org, background };
        command.SetAction((r, ct) => WithCellsAsync(r.GetValue(data)!, r.GetValue(config), async cells =>
        {
            if (!SigillId.TryParse(r.GetValue(org), "org", out var orgRegion) || !cells.TryGet(orgRegion, out var cell))
            {
                return CommonOptions.Fail($"'{r.GetValue(org)}' is not an organization id of a region this installation serves");
            }
            var organizationId = r.GetValue(org)!;
            var version = await cell.Keys.RotateOrganizationAsync(organizationId, ct);
            if (r.GetValue(background))
            {
                await using var db = cell.CreateDbContext();
                await Sigill.Api.Platform.Jobs.JobQueue.EnqueueAsync(db, cell, Sigill.Api.Platform.Encryption.ReencryptionJobHandler.Request(organizationId, version), TimeProvider.System, ct: ct);
                await db.SaveChangesAsync(ct);
                Console.Out.WriteLine($"{organizationId}: content key v{version}; re-encryption queued as a background job");
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
                var task = progress.AddTask($"re-encrypting {organizationId}", maxValue: Math.Max(1, keys.Count));
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
            Console.Out.WriteLine($"{organizationId}: content key v{version}; {moved} of {keys.Count} objects re-encrypted");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Shred()
    {
        var (data, config) = (CommonOptions.Data(), CommonOptions.Config());
        var org = new Option<string?>("--org") { Description = "The organization id to shred" };
        var cancel = new Option<bool>("--cancel") { Description = "Cancel a pending shred within its delay window" };
        var executeDue = new Option<bool>("--execute-due") { Description = "Destroy the keys of every organization whose delay window has passed" };
        var command = new Command("shred", "Crypto-shred an organization after the delay window (default 7 days): its data becomes unreadable everywhere, backups included")
        { data, config, org, cancel, executeDue };
        command.SetAction((r, ct) => WithCellsAsync(r.GetValue(data)!, r.GetValue(config), async cells =>
        {
            if (r.GetValue(executeDue))
            {
                foreach (var cell in cells.All)
                {
                    foreach (var shredded in await cell.Keys.ExecuteDueShredsAsync((organizationId, token) => MayShredAsync(cell, organizationId, token), ct))
                    {
                        Console.Out.WriteLine($"{shredded}: keys destroyed");
                    }
                }
                return ExitCodes.Ok;
            }
            if (!SigillId.TryParse(r.GetValue(org), "org", out var orgRegion) || !cells.TryGet(orgRegion, out var target))
            {
                return CommonOptions.Fail("--org must be an organization id of a region this installation serves (or use --execute-due)");
            }
            if (r.GetValue(cancel))
            {
                var cancelled = await target.Keys.CancelShredAsync(r.GetValue(org)!, ct);
                Console.Out.WriteLine(cancelled ? $"{r.GetValue(org)}: shred cancelled" : $"{r.GetValue(org)}: no pending shred");
                return cancelled ? ExitCodes.Ok : ExitCodes.BadConfiguration;
            }
            if (!await MayShredAsync(target, r.GetValue(org)!, ct))
            {
                return ExitCodes.BadConfiguration;
            }
            var record = await target.Keys.ScheduleShredAsync(r.GetValue(org)!, ct);
            Console.Out.WriteLine($"{record.OrganizationId}: shred scheduled, due {record.DueAt:u}; cancel with `sigill keys shred --org {record.OrganizationId} --cancel`");
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
        var until = kept.Until is { } u ? $"until {u:yyyy-MM-dd}" : "until the hold is released";
        await Console.Error.WriteLineAsync($"{organizationId}: not shredded — kept under {(kept.Scope == "retention" ? "its retention policy" : $"a legal hold on the {kept.Scope} ({kept.HoldId})")}: {kept.Reason}; kept {until}");
        return false;
    }

    /// <summary>Opens the installation's cells (existing installation or production config) for an operator verb.</summary>
    internal static Task<int> WithCellsAsync(string dataDirectory, string? configFile, Func<CellRegistry, Task<int>> action) =>
        CommonOptions.WithInstallationAsync(dataDirectory, configFile, (cells, _, _) => action(cells));
}
