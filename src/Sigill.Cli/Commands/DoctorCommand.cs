using System.CommandLine;
using Sigill.Api.Features.Doctor;
using Spectre.Console;

namespace Sigill.Cli.Commands;

/// <summary>
/// <c>sigill doctor</c>: checks every cell's cross-references (keys, stored objects, audit leaves, jobs, documents
/// waiting for completion) and prints each problem with the id it concerns. Exit code 1 when a problem remains.
/// <c>--repair</c> does only what is provably safe (see <see cref="CellDoctor"/>).
/// </summary>
internal static class DoctorCommand
{
    public static Command Create()
    {
        var (data, config) = (CommonOptions.Data(), CommonOptions.Config());
        var region = new Option<string?>("--region") { Description = "Only this region (default: every region)" };
        var repair = new Option<bool>("--repair") { Description = "Fix what is provably safe to fix: queue a completion job for a document stuck after its last signature. Nothing is deleted or rewritten." };
        var command = new Command("doctor", "Check the cross-references of each cell: keys resolve, objects exist and decrypt, audit events have their leaves, no job is orphaned, no document is stuck")
        {
            data, config, region, repair,
        };
        command.SetAction((r, ct) => KeysCommand.WithCellsAsync(r.GetValue(data)!, r.GetValue(config), async cells =>
        {
            var problems = 0;
            var warnings = 0;
            foreach (var cell in cells.All.Where(c => r.GetValue(region) is null || c.Region == r.GetValue(region)))
            {
                DoctorReport? report = null;
                await AnsiConsole.Progress().AutoClear(true).StartAsync(async progress =>
                {
                    var task = progress.AddTask($"examining {cell.Region}");
                    report = await CellDoctor.ExamineAsync(cell, r.GetValue(repair), TimeProvider.System, new Progress<(string Step, long Done, long Total)>(p =>
                    {
                        task.Description = $"{cell.Region}: {p.Step}";
                        task.MaxValue = Math.Max(1, p.Total);
                        task.Value = p.Done;
                    }), ct);
                });
                Console.Out.WriteLine($"region {report!.Region}: {report.Organizations} organizations, {report.Documents} documents, {report.Objects} encrypted objects " +
                    $"({report.Shredded} shredded, {report.Unreferenced} earlier PDF revisions or unfinished writes), {report.Jobs} unfinished jobs; {report.Audit}");
                foreach (var f in report.Findings)
                {
                    Console.Out.WriteLine($"  {f.Severity} {f.Code} {f.Subject}: {f.Detail}" + (f.Repaired is null ? "" : $" — repaired: {f.Repaired}"));
                }
                problems += report.Problems;
                warnings += report.Findings.Count(f => f.Severity == CellDoctor.Warning);
            }
            var note = warnings == 0 ? "" : $" ({warnings} warnings)";
            Console.Out.WriteLine(problems == 0
                ? $"doctor: OK — no problems{note}"
                : $"doctor: FAILED — {problems} problems{note}" + (r.GetValue(repair) ? "" : "; --repair fixes only stuck documents, the rest need an operator (docs/operations.md)"));
            return problems == 0 ? ExitCodes.Ok : ExitCodes.Unexpected;
        }));
        return command;
    }
}
