using System.CommandLine;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.StaffAccess;

namespace Sigill.Cli.Commands;

/// <summary>
/// <c>sigill operators review --region R</c>: the installation's periodic review of staff credentials, as organizations
/// review their members (docs/access-reviews.md). Without decisions it lists each active operator of the region with its
/// last use (its latest support-access request) and changes nothing. With <c>--keep NAME</c> / <c>--disable NAME</c> for
/// every active operator and <c>--attest-by NAME</c>, it disables those to disable (as <c>operators disable</c> does) and
/// records <c>staff_review.attested</c> in the region's audit log, in one transaction. An operator left undecided, or a
/// name that is not an active operator, refuses the attestation and changes nothing. <c>--interactive</c> asks for each.
/// </summary>
internal static class OperatorsReview
{
    public static Command Create()
    {
        var (data, config) = (CommonOptions.Data(), CommonOptions.Config());
        var region = new Option<string>("--region") { Description = CliWords.T("Option.operators.review.region"), Required = true };
        var keep = new Option<string[]>("--keep") { Description = CliWords.T("Option.operators.review.keep"), AllowMultipleArgumentsPerToken = true };
        var disable = new Option<string[]>("--disable") { Description = CliWords.T("Option.operators.review.disable"), AllowMultipleArgumentsPerToken = true };
        var attestBy = new Option<string>("--attest-by") { Description = CliWords.T("Option.operators.review.attest-by") };
        var interactive = new Option<bool>("--interactive") { Description = CliWords.T("Option.operators.review.interactive") };
        var command = new Command("review", CliWords.T("Command.operators.review")) { region, keep, disable, attestBy, interactive, data, config };
        command.SetAction((r, ct) => KeysCommand.WithCellsAsync(r.GetValue(data)!, r.GetValue(config), async cells =>
        {
            if (!cells.TryGet(r.GetValue(region), out var cell))
            {
                return CommonOptions.Fail(CliWords.F("Error.RegionNotServed", r.GetValue(region), string.Join(", ", cells.Regions)));
            }
            await using var db = cell.CreateDbContext();
            var operators = await db.Operators.Where(o => o.DisabledAt == null).OrderBy(o => o.Name).ToListAsync(ct);
            var ids = operators.Select(o => o.Id).ToList();
            var lastUse = await db.SupportGrants.Where(g => ids.Contains(g.OperatorId)).GroupBy(g => g.OperatorId)
                .Select(g => new { Operator = g.Key, Last = g.Max(x => x.RequestedAt) }).ToDictionaryAsync(g => g.Operator, g => g.Last, ct);
            var keeps = (r.GetValue(keep) ?? []).ToHashSet(StringComparer.Ordinal);
            var disables = (r.GetValue(disable) ?? []).ToHashSet(StringComparer.Ordinal);
            Console.Out.WriteLine(CliWords.F("Review.Heading", cell.Region, operators.Count));
            foreach (var op in operators)
            {
                var used = lastUse.TryGetValue(op.Id, out var at) ? at.ToString("u", CultureInfo.InvariantCulture) : CliWords.T("Review.Never");
                var decision = CliWords.T(keeps.Contains(op.Name) ? "Review.Keep" : disables.Contains(op.Name) ? "Review.Disable" : "Review.Undecided");
                Console.Out.WriteLine(CliWords.F("Review.Operator", op.Name, op.Id, op.CreatedAt.ToString("u", CultureInfo.InvariantCulture), used, decision));
            }
            if (keeps.Overlaps(disables))
            {
                return CommonOptions.Fail(CliWords.F("Review.Both", string.Join(", ", keeps.Intersect(disables))));
            }
            var unknown = keeps.Concat(disables).Where(n => operators.All(o => o.Name != n)).ToList();
            if (unknown.Count > 0)
            {
                return CommonOptions.Fail(CliWords.F("Review.Unknown", cell.Region, string.Join(", ", unknown)));
            }
            if (r.GetValue(interactive))
            {
                foreach (var op in operators.Where(o => !keeps.Contains(o.Name) && !disables.Contains(o.Name)))
                {
                    Console.Out.Write(CliWords.F("Review.Ask", op.Name));
                    var answer = Console.In.ReadLine()?.Trim().ToLowerInvariant();
                    if (answer is "k" or "keep") keeps.Add(op.Name);
                    else if (answer is "d" or "disable") disables.Add(op.Name);
                }
            }
            var by = r.GetValue(attestBy)?.Trim();
            if (string.IsNullOrEmpty(by))
            {
                Console.Out.WriteLine(CliWords.T("Review.NothingChanged"));
                return ExitCodes.Ok;
            }
            if (by.Length > 100)
            {
                return CommonOptions.Fail(CliWords.T("Review.AttestTooLong"));
            }
            var undecided = operators.Where(o => !keeps.Contains(o.Name) && !disables.Contains(o.Name)).Select(o => o.Name).ToList();
            if (undecided.Count > 0)
            {
                return CommonOptions.Fail(CliWords.F("Review.Undecided.Error", string.Join(", ", undecided)));
            }
            var now = DateTime.UtcNow;
            var disabled = operators.Where(o => disables.Contains(o.Name)).ToList();
            foreach (var op in disabled)
            {
                await OperatorsCommand.DisableAsync(db, cell, op, now, ct);
            }
            // Read by the compliance report (CC6.2, CC6.3) by this action's name: operator ids and counts.
            await AuditRecorder.RecordAsync(db, cell, new("staff_review.attested", null, AuditActor.System, cell.Region, new Dictionary<string, string>
            {
                ["attestedBy"] = by,
                ["periodEnd"] = now.ToString("O", CultureInfo.InvariantCulture),
                ["operators"] = operators.Count.ToString(CultureInfo.InvariantCulture),
                ["kept"] = (operators.Count - disabled.Count).ToString(CultureInfo.InvariantCulture),
                ["disabled"] = disabled.Count.ToString(CultureInfo.InvariantCulture),
                ["keptIds"] = string.Join(' ', operators.Where(o => keeps.Contains(o.Name)).Select(o => o.Id)),
                ["disabledIds"] = string.Join(' ', disabled.Select(o => o.Id)),
            }), now, ct);
            await db.SaveChangesAsync(ct);
            Console.Out.WriteLine(CliWords.F("Review.Attested", by, operators.Count - disabled.Count, disabled.Count));
            return ExitCodes.Ok;
        }));
        return command;
    }
}
