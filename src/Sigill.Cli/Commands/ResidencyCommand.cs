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
        var report = new Command("report", "Per region: what is stored there, and a scan proving other cells hold nothing of its organizations") { data, config };
        report.SetAction((r, ct) => KeysCommand.WithCellsAsync(r.GetValue(data)!, r.GetValue(config), cells => RunAsync(cells, Console.Out, ct)));
        var command = new Command("residency", "Data residency evidence");
        command.Subcommands.Add(report);
        return command;
    }

    /// <summary>The report, written to <paramref name="output"/>, every finding with where it is.</summary>
    internal static async Task<int> RunAsync(CellRegistry cells, TextWriter output, CancellationToken ct) =>
        (await ScanAsync(cells, output, findings: true, ct)).ExitCode;

    /// <summary>
    /// The scan. With <paramref name="findings"/> false only the per-region summary lines and the verdict are written, not
    /// the LEAK and CARD NUMBER lines (what was found where): <c>compliance report</c> keeps that output as
    /// installation-wide CC6.1 evidence, which holds no customer content.
    /// </summary>
    internal static async Task<ResidencyOutcome> ScanAsync(CellRegistry cells, TextWriter output, bool findings, CancellationToken ct)
    {
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
            output.WriteLine($"region {cell.Region}: {inventory.Organizations.Count} organizations and users, {objects} stored objects, {inventory.KeyedHashes.Count} keyed hashes; " +
                $"database {cell.DatabaseLocation}, blobs {cell.Blobs.Location}");
            foreach (var folder in scanner.LocalFolders())
            {
                output.WriteLine($"  local folder {folder}");
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
            output.WriteLine($"region {cell.Region}: scanned for {foreign.Count(f => f.Kind == "organization id")} organizations, {foreign.Count(f => f.Kind == "user id")} users and {foreign.Count(f => f.Kind == "keyed hash")} keyed hashes of other regions: {(found.Count == 0 ? "none found" : $"{found.Count} found")}");
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
            output.WriteLine($"region {cell.Region}: scanned {scan.Places} files, tables and objects for card numbers " +
                $"({scan.ObjectsDecrypted} objects decrypted, {scan.PdfsRead} PDFs read as text{(scan.NotDecrypted > 0 ? $", {scan.NotDecrypted} could not be decrypted" : "")}): " +
                (scan.Findings.Count == 0 ? "none found" : $"{scan.Findings.Count} found"));
        }

        output.WriteLine((leaks, cards) switch
        {
            (0, 0) => "residency: OK — no cell holds identifiers or keyed hashes of another region's organizations or users",
            (_, 0) => $"residency: FAILED — {leaks} leaks",
            (0, _) => $"residency: FAILED — {cards} card numbers stored",
            _ => $"residency: FAILED — {leaks} leaks, {cards} card numbers stored",
        });
        return new(leaks == 0 && cards == 0 ? ExitCodes.Ok : ExitCodes.Unexpected, leaks, cards);
    }
}

/// <summary>The outcome of a residency scan: the command's exit code and how many findings of each kind.</summary>
internal sealed record ResidencyOutcome(int ExitCode, int Leaks, int CardNumbers);
