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
        var region = new Option<string?>("--region") { Description = CliWords.T("Option.Region") };
        var repair = new Option<bool>("--repair") { Description = CliWords.T("Option.doctor.repair") };
        var command = new Command("doctor", CliWords.T("Command.doctor"))
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
                    var task = progress.AddTask(CliWords.F("Doctor.Examining", cell.Region));
                    report = await CellDoctor.ExamineAsync(cell, r.GetValue(repair), TimeProvider.System, new Progress<(string Step, long Done, long Total)>(p =>
                    {
                        task.Description = $"{cell.Region}: {p.Step}";
                        task.MaxValue = Math.Max(1, p.Total);
                        task.Value = p.Done;
                    }), ct);
                });
                Console.Out.WriteLine(CliWords.F("Doctor.Region", report!.Region, report.Organizations, report.Documents, report.Objects,
                    report.Shredded, report.Unreferenced, report.Jobs, report.Audit));
                foreach (var f in report.Findings)
                {
                    // Severity, code and subject are what a script reads; the detail is the API's own (English) words.
                    Console.Out.WriteLine($"  {f.Severity} {f.Code} {f.Subject}: {f.Detail}" + (f.Repaired is null ? "" : CliWords.F("Doctor.Repaired", f.Repaired)));
                }
                problems += report.Problems;
                warnings += report.Findings.Count(f => f.Severity == CellDoctor.Warning);
            }
            // "doctor: OK" and "doctor: FAILED" stay the same in every language (scripts look for them).
            var note = warnings == 0 ? "" : CliWords.F("Doctor.Warnings", warnings);
            Console.Out.WriteLine(problems == 0
                ? CliWords.F("Doctor.Ok", note)
                : CliWords.F("Doctor.Failed", problems, note) + (r.GetValue(repair) ? "" : CliWords.T("Doctor.RepairHint")));
            return problems == 0 ? ExitCodes.Ok : ExitCodes.Unexpected;
        }));
        return command;
    }
}
