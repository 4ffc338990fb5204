using System.Globalization;
using System.CommandLine;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Accounts;
using Sigill.Api.Features.Members;
using Sigill.Api.Features.ApiTokens;
using Sigill.Api.Features.StaffAccess;
using Sigill.Api.Platform.Security;

namespace Sigill.Cli.Commands;

/// <summary>
/// <c>sigill operators add|list|disable</c>: the staff who run the installation. An operator's credential opens the
/// support endpoints only; organization content needs a grant the organization approves (or break-glass by two operators).
/// </summary>
internal static class OperatorsCommand
{
    public static Command Create()
    {
        var command = new Command("operators", CliWords.T("Command.operators"));
        command.Subcommands.Add(Add());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Disable());
        command.Subcommands.Add(OperatorsReview.Create());
        return command;
    }

    private static Command Add()
    {
        var (data, config) = (CommonOptions.Data(), CommonOptions.Config());
        var name = new Argument<string>("name") { Description = CliWords.T("Argument.operators.add.name") };
        var region = new Option<string>("--region") { Description = CliWords.T("Option.operators.add.region"), Required = true };
        var command = new Command("add", CliWords.T("Command.operators.add")) { name, region, data, config };
        command.SetAction((r, ct) => KeysCommand.WithCellsAsync(r.GetValue(data)!, r.GetValue(config), async cells =>
        {
            var operatorName = r.GetValue(name)!;
            if (operatorName.Length is 0 or > 100 || !operatorName.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-'))
            {
                return CommonOptions.Fail(CliWords.F("Operators.InvalidName", operatorName));
            }
            if (!cells.TryGet(r.GetValue(region), out var cell))
            {
                return CommonOptions.Fail(CliWords.F("Error.RegionNotServed", r.GetValue(region), string.Join(", ", cells.Regions)));
            }
            await using var db = cell.CreateDbContext();
            if (await db.Operators.AnyAsync(o => o.Name == operatorName, ct))
            {
                return CommonOptions.Fail(CliWords.F("Operators.Exists", operatorName, cell.Region));
            }
            var (presented, id, hash) = PresentedSecret.Operator.Issue(cell.Region);
            var now = DateTime.UtcNow;
            db.Operators.Add(new Operator { Id = id, Name = operatorName, SecretHash = hash, CreatedAt = now });
            await Sigill.Api.Features.Audit.AuditRecorder.RecordAsync(db, cell, new("operator.created", null, Sigill.Api.Features.Audit.AuditActor.System, id,
                new Dictionary<string, string> { ["name"] = operatorName }), now, ct);
            await db.SaveChangesAsync(ct);
            // These two lines are what a provisioning script reads: the same in every language.
            Console.Out.WriteLine($"operator {id} ({operatorName}) in {cell.Region}");
            Console.Out.WriteLine($"credential (shown once): {presented}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command List()
    {
        var (data, config) = (CommonOptions.Data(), CommonOptions.Config());
        var command = new Command("list", CliWords.T("Command.operators.list")) { data, config };
        command.SetAction((r, ct) => KeysCommand.WithCellsAsync(r.GetValue(data)!, r.GetValue(config), async cells =>
        {
            foreach (var cell in cells.All)
            {
                await using var db = cell.CreateDbContext();
                foreach (var op in await db.Operators.OrderBy(o => o.Name).ToListAsync(ct))
                {
                    Console.Out.WriteLine($"{cell.Region}  {op.Id}  {op.Name}  {(op.DisabledAt is null ? CliWords.T("Operators.Active") : CliWords.F("Operators.Disabled", string.Create(CultureInfo.InvariantCulture, $"{op.DisabledAt:u}")))}");
                }
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Disable()
    {
        var (data, config) = (CommonOptions.Data(), CommonOptions.Config());
        var id = new Argument<string>("id") { Description = CliWords.T("Argument.operators.disable.id") };
        var command = new Command("disable", CliWords.T("Command.operators.disable")) { id, data, config };
        command.SetAction((r, ct) => KeysCommand.WithCellsAsync(r.GetValue(data)!, r.GetValue(config), async cells =>
        {
            var operatorId = r.GetValue(id)!;
            if (!Sigill.Api.Platform.Cells.SigillId.TryParse(operatorId, "opr", out var region) || !cells.TryGet(region, out var cell))
            {
                return CommonOptions.Fail(CliWords.F("Operators.InvalidId", operatorId));
            }
            await using var db = cell.CreateDbContext();
            var op = await db.Operators.SingleOrDefaultAsync(o => o.Id == operatorId, ct);
            if (op is null)
            {
                return CommonOptions.Fail(CliWords.F("Operators.None", operatorId));
            }
            await DisableAsync(db, cell, op, DateTime.UtcNow, ct);
            await db.SaveChangesAsync(ct);
            Console.Out.WriteLine(CliWords.F("Operators.DisabledNow", operatorId));
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Disables <paramref name="op"/> and records <c>operator.disabled</c>; the caller saves. Shared by <c>disable</c> and <c>review</c>.</summary>
    internal static async Task DisableAsync(Sigill.Api.Platform.Persistence.CellDbContext db, Sigill.Api.Platform.Cells.Cell cell, Operator op, DateTime now, CancellationToken ct)
    {
        op.DisabledAt ??= now;
        await Sigill.Api.Features.Audit.AuditRecorder.RecordAsync(db, cell, new("operator.disabled", null, Sigill.Api.Features.Audit.AuditActor.System, op.Id), now, ct);
    }
}
