using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Sigill.Api.Features.Audit;
using Sigill.Api.Platform.Cells;
using Sigill.Transparency;
using Spectre.Console;

namespace Sigill.Cli.Commands;

/// <summary>
/// <c>sigill audit verify|export|verify-receipt</c> (docs/formats/audit-log.md, docs/adr/0003-audit-log.md).
/// Exit codes: 0 verified, 1 a log or receipt failed verification, 2 bad configuration or input, 3 a cell unreachable.
/// </summary>
internal static class AuditCommands
{
    private const int VerificationFailed = 1;

    public static Command Create()
    {
        var command = new Command("audit", CliWords.T("Command.audit"));
        command.Subcommands.Add(Verify());
        command.Subcommands.Add(Export());
        command.Subcommands.Add(VerifyReceipt());
        return command;
    }

    private static Command Verify()
    {
        var (data, config) = (CommonOptions.Data(), CommonOptions.Config());
        var region = new Option<string?>("--region") { Description = CliWords.T("Option.Region") };
        var commitmentsOnly = new Option<bool>("--commitments-only") { Description = CliWords.T("Option.audit.verify.commitments-only") };
        var command = new Command("verify", CliWords.T("Command.audit.verify")) { data, config, region, commitmentsOnly };
        command.SetAction((r, ct) => KeysCommand.WithCellsAsync(r.GetValue(data)!, r.GetValue(config), async cells =>
        {
            var selected = cells.All.Where(c => r.GetValue(region) is null || c.Region == r.GetValue(region)).ToList();
            if (selected.Count == 0)
            {
                return CommonOptions.Fail(CliWords.F("Error.NoRegion", r.GetValue(region)));
            }
            var reports = new List<AuditVerificationReport>();
            foreach (var cell in selected)
            {
                reports.Add(await VerifyWithProgressAsync(cell, !r.GetValue(commitmentsOnly), ct));
            }
            foreach (var report in reports)
            {
                Console.Out.WriteLine(Summary(report));
                if (report.VerifierKey is not null)
                {
                    Console.Out.WriteLine(CliWords.F("Audit.VerifierKey", report.VerifierKey));
                }
            }
            return reports.All(x => x.Ok) ? ExitCodes.Ok : VerificationFailed;
        }));
        return command;
    }

    private static async Task<AuditVerificationReport> VerifyWithProgressAsync(Cell cell, bool decrypt, CancellationToken ct)
    {
        if (Console.IsOutputRedirected)
        {
            return await AuditVerification.VerifyAsync(cell, null, ct, decrypt);
        }
        AuditVerificationReport? report = null;
        await AnsiConsole.Progress().StartAsync(async progress =>
        {
            var task = progress.AddTask(CliWords.F("Audit.Verifying", cell.Region), maxValue: 1);
            report = await AuditVerification.VerifyAsync(cell, new Progress<(long Done, long Total)>(p =>
            {
                task.MaxValue = Math.Max(1, p.Total);
                task.Value = p.Done;
            }), ct, decrypt);
            task.Value = task.MaxValue;
        });
        return report!;
    }

    private static Command Export()
    {
        var (data, config) = (CommonOptions.Data(), CommonOptions.Config());
        var org = new Option<string>("--org") { Description = CliWords.T("Option.Org"), Required = true };
        var output = new Option<string?>("--out") { Description = CliWords.T("Option.audit.export.out") };
        var command = new Command("export", CliWords.T("Command.audit.export")) { data, config, org, output };
        command.SetAction((r, ct) => KeysCommand.WithCellsAsync(r.GetValue(data)!, r.GetValue(config), async cells =>
        {
            var organizationId = r.GetValue(org)!;
            if (!SigillId.TryParse(organizationId, "org", out var region) || !cells.TryGet(region, out var cell))
            {
                return CommonOptions.Fail(CliWords.F("Error.NotAnOrganization", organizationId));
            }
            var file = r.GetValue(output);
            await using var stream = file is null ? Console.OpenStandardOutput() : new FileStream(file, FileMode.Create, FileAccess.Write);
            var result = await AuditExport.WriteAsync(cell, organizationId, stream, ct);
            Console.Error.WriteLine(CliWords.F("Audit.Exported", result.Exported, organizationId, result.CheckpointSize, result.Pending, result.Shredded));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command VerifyReceipt()
    {
        var file = new Argument<string>("FILE") { Description = CliWords.T("Argument.audit.verify-receipt.file") };
        var key = new Option<string?>("--key") { Description = CliWords.T("Option.audit.verify-receipt.key") };
        var eventFile = new Option<string?>("--event") { Description = CliWords.T("Option.audit.verify-receipt.event") };
        var command = new Command("verify-receipt", CliWords.T("Command.audit.verify-receipt")) { file, key, eventFile };
        command.SetAction(async (r, ct) =>
        {
            string text;
            byte[]? eventBytes;
            try
            {
                text = await File.ReadAllTextAsync(r.GetValue(file)!, ct);
                eventBytes = r.GetValue(eventFile) is { } path ? await File.ReadAllBytesAsync(path, ct) : null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return CommonOptions.Fail(CliWords.F("Audit.CannotRead", e.Message));
            }
            var items = Split(text, eventBytes);
            if (items is null)
            {
                return CommonOptions.Fail(CliWords.T("Audit.NotAReceipt"));
            }
            int failed = 0;
            foreach (var (label, receipt, bytes) in items)
            {
                var result = ReceiptVerifier.Verify(receipt, r.GetValue(key), bytes);
                if (result.IsValid)
                {
                    var trust = result.KeyTrusted ? CliWords.T("Receipt.Trusted") : CliWords.T("Receipt.Untrusted");
                    Console.Out.WriteLine(CliWords.F("Receipt.Ok", label, result.Receipt!.LeafIndex, result.Checkpoint!.Origin, result.Checkpoint.Size,
                        trust + (bytes is null ? "" : CliWords.T("Receipt.EventMatches"))));
                }
                else
                {
                    failed++;
                    Console.Out.WriteLine($"{label}: INVALID ({result.Status}): {result.Detail}"); // the status and the verifier's words, as scripts read them
                }
            }
            return failed == 0 ? ExitCodes.Ok : VerificationFailed;
        });
        return command;
    }

    /// <summary>
    /// <see cref="AuditVerificationReport.Summary"/> in the operator's language (in English exactly it); "OK" and "FAILED"
    /// and the problem's own words stay as they are. The compliance bundle's evidence keeps the report's English summary.
    /// </summary>
    internal static string Summary(AuditVerificationReport report) => report.Ok
        ? CliWords.F("Audit.Ok", report.Region, report.Events, report.CheckpointSize)
            + (report.Shredded > 0 ? CliWords.F("Audit.Shredded", report.Shredded) : "")
            + (report.Pending > 0 ? CliWords.F("Audit.Pending", report.Pending) : "")
            + (report.ContentChecked ? "" : CliWords.T("Audit.NotDecrypted"))
        : CliWords.F("Audit.Failed", report.Region, report.Problem);

    /// <summary>One receipt, or one per line of an export (each with its event bytes).</summary>
    private static List<(string Label, string Receipt, byte[]? Event)>? Split(string text, byte[]? eventBytes)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var items = new List<(string, string, byte[]?)>();
        try
        {
            if (lines.Length > 0 && lines.All(IsExportLine))
            {
                foreach (var line in lines)
                {
                    using var document = JsonDocument.Parse(line);
                    var root = document.RootElement;
                    items.Add((CliWords.F("Receipt.Event", root.GetProperty("eventId").GetString()), root.GetProperty("receipt").GetRawText(),
                        Encoding.UTF8.GetBytes(root.GetProperty("event").GetString()!)));
                }
                return items;
            }
            using (JsonDocument.Parse(text))
            {
                items.Add((CliWords.T("Receipt.Label"), text, eventBytes));
                return items;
            }
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool IsExportLine(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("receipt", out _) && document.RootElement.TryGetProperty("event", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
