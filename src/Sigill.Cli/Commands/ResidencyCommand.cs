using System.CommandLine;
using Sigill.Api.Platform.Cells;

namespace Sigill.Cli.Commands;

/// <summary>
/// <c>sigill residency report</c>: lists per region what is stored there, and proves that no other cell
/// holds anything of each organization or user — scanning every byte of the other cells for their identifiers and
/// for the keyed hashes (blind indexes, users' directory hashes) their rows carry. Then proves that no cell stores a
/// payment card number (issue 17): every stored byte and every decrypted object, PDFs through their text
/// (<see cref="CellScanner.FindCardNumbersAsync"/>); a number found is shown masked. Exit code 1 names any leak or card number.
/// </summary>
internal static class ResidencyCommand
{
    public static Command Create()
    {
        var (data, config) = (CommonOptions.Data(), CommonOptions.Config());
        var report = new Command("report", CliWords.T("Command.residency.report")) { data, config };
        report.SetAction((r, ct) => KeysCommand.WithCellsAsync(r.GetValue(data)!, r.GetValue(config), cells => RunAsync(cells, Console.Out, ct)));
        var command = new Command("residency", CliWords.T("Command.residency"));
        command.Subcommands.Add(report);
        return command;
    }

    /// <summary>The report, written to <paramref name="output"/>, every finding with where it is.</summary>
    internal static async Task<int> RunAsync(CellRegistry cells, TextWriter output, CancellationToken ct) =>
        (await ScanAsync(cells, output, findings: true, ct, translated: true)).ExitCode;

    /// <summary>
    /// The scan. With <paramref name="findings"/> false only the per-region summary lines and the verdict are written, not
    /// the LEAK and CARD NUMBER lines (what was found where): <c>compliance report</c> keeps that output as
    /// installation-wide CC6.1 evidence, which holds no customer content.
    /// With <paramref name="translated"/> the lines are in the operator's language (CliWords); evidence is always English.
    /// The LEAK and CARD NUMBER lines are findings, the same in every language.
    /// </summary>
    internal static async Task<ResidencyOutcome> ScanAsync(CellRegistry cells, TextWriter output, bool findings, CancellationToken ct, bool translated = false)
    {
        string W(string key, params object?[] args) => translated ? CliWords.F(key, args) : CliWords.E(key, args);
        var inventories = new Dictionary<string, (IReadOnlyList<string> Organizations, IReadOnlyList<string> KeyedHashes)>(StringComparer.Ordinal);
        foreach (var cell in cells.All)
        {
            var scanner = new CellScanner(cell);
            var inventory = await scanner.InventoryAsync(ct);
            inventories[cell.Region] = inventory;
            var objects = 0;
            await foreach (var _ in cell.Blobs.ListAsync("", ct))
            {
                objects++;
            }
            output.WriteLine(W("Residency.Inventory", cell.Region, inventory.Organizations.Count, objects, inventory.KeyedHashes.Count, cell.DatabaseLocation, cell.Blobs.Location));
            foreach (var folder in scanner.LocalFolders())
            {
                output.WriteLine(W("Residency.LocalFolder", folder));
            }
        }

        var leaks = 0;
        foreach (var cell in cells.All)
        {
            // Everything that belongs to the other regions' organizations: their ids and their keyed hashes.
            var foreign = inventories.Where(i => i.Key != cell.Region)
                .SelectMany(i => i.Value.Organizations.Select(o => (Needle: o, Owner: i.Key, Kind: o.StartsWith("usr_", StringComparison.Ordinal) ? "user id" : "organization id"))
                    .Concat(i.Value.KeyedHashes.Select(h => (Needle: h, Owner: i.Key, Kind: "keyed hash"))))
                .ToList();
            var found = await new CellScanner(cell).FindAsync([.. foreign.Select(f => f.Needle)], ct);
            foreach (var (needle, owner, kind) in foreign.Where(f => found.ContainsKey(f.Needle)))
            {
                leaks++;
                if (findings)
                {
                    output.WriteLine($"LEAK: {kind} {needle} of region {owner} found in region {cell.Region}: {string.Join(", ", found[needle].Take(3))}");
                }
            }
            output.WriteLine(W("Residency.Scanned", cell.Region, foreign.Count(f => f.Kind == "organization id"), foreign.Count(f => f.Kind == "user id"),
                foreign.Count(f => f.Kind == "keyed hash"), found.Count == 0 ? W("Residency.NoneFound") : W("Residency.Found", found.Count)));
        }

        var cards = 0;
        foreach (var cell in cells.All)
        {
            var scan = await new CellScanner(cell).FindCardNumbersAsync(ct);
            foreach (var finding in scan.Findings)
            {
                cards++;
                if (findings)
                {
                    output.WriteLine($"CARD NUMBER: {finding.Scheme} {finding.Masked} found in region {cell.Region}: {finding.Where}");
                }
            }
            output.WriteLine(W("Residency.Cards", cell.Region, scan.Places, scan.ObjectsDecrypted, scan.PdfsRead,
                scan.NotDecrypted > 0 ? W("Residency.NotDecrypted", scan.NotDecrypted) : "",
                scan.Findings.Count == 0 ? W("Residency.NoneFound") : W("Residency.Found", scan.Findings.Count)));
        }

        output.WriteLine((leaks, cards) switch
        {
            (0, 0) => W("Residency.Ok"),
            (_, 0) => W("Residency.Leaks", leaks),
            (0, _) => W("Residency.CardNumbers", cards),
            _ => W("Residency.LeaksAndCards", leaks, cards),
        });
        return new(leaks == 0 && cards == 0 ? ExitCodes.Ok : ExitCodes.Unexpected, leaks, cards);
    }
}

/// <summary>The outcome of a residency scan: the command's exit code and how many findings of each kind.</summary>
internal sealed record ResidencyOutcome(int ExitCode, int Leaks, int CardNumbers);
