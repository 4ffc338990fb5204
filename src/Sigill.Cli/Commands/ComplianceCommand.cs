using System.CommandLine;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Sigill.Api;
using Sigill.Api.Features.Alerts;
using Sigill.Api.Features.Audit;
using Sigill.Api.Platform.Cells;
using Sigill.Cli.Compliance;
using Sigill.Cli.Hosting;
using Sigill.Http;
using Sigill.Transparency;

namespace Sigill.Cli.Commands;

/// <summary>
/// <c>sigill compliance report|verify|key</c>: the signed, anchored evidence bundle an operator hands an auditor
/// (docs/compliance.md). Exit codes: 0 done or verified, 1 the bundle failed verification (each failure named) or
/// was checked offline without pinned keys (not authenticated), 2 bad input or configuration, 3 a cell unreachable.
/// </summary>
internal static class ComplianceCommand
{
    private const int VerificationFailed = 1;

    public static Command Create()
    {
        var command = new Command("compliance", CliWords.T("Command.compliance"));
        command.Subcommands.Add(Report());
        command.Subcommands.Add(Verify());
        command.Subcommands.Add(Key());
        return command;
    }

    private static Command Report()
    {
        var (data, config) = (CommonOptions.Data(), CommonOptions.Config());
        var from = new Option<string>("--from") { Description = CliWords.T("Option.compliance.from"), Required = true };
        var to = new Option<string>("--to") { Description = CliWords.T("Option.compliance.to"), Required = true };
        var output = new Option<string>("--out") { Description = CliWords.T("Option.compliance.out"), Required = true };
        var backups = new Option<string?>("--backups") { Description = CliWords.T("Option.compliance.backups") };
        var ci = new Option<string?>("--ci-results") { Description = CliWords.T("Option.compliance.ci-results") };
        var command = new Command("report", CliWords.T("Command.compliance.report"))
        {
            data, config, from, to, output, backups, ci,
        };
        command.SetAction((r, ct) =>
        {
            if (!TryPeriod(r.GetValue(from)!, r.GetValue(to)!, out var start, out var end, out var error))
            {
                return Task.FromResult(CommonOptions.Fail(error));
            }
            var outDir = Path.GetFullPath(r.GetValue(output)!);
            if (File.Exists(outDir) || (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any()))
            {
                return Task.FromResult(CommonOptions.Fail(CliWords.F("Compliance.NotEmpty", outDir)));
            }
            return CommonOptions.WithInstallationAsync(r.GetValue(data)!, r.GetValue(config), async (cells, configuration, installation) =>
            {
                var api = TierRunner.ValidatedApiOptions(SigillConfiguration.ForApi(configuration));
                var apiConfiguration = SigillConfiguration.ForApi(configuration);
                var backupDirectory = r.GetValue(backups) ?? (configuration["Backups:Directory"] is { Length: > 0 } d ? d : null);
                var drillFiles = new List<string>();
                if (installation is not null)
                {
                    drillFiles.AddRange(cells.All.Select(c => Path.Combine(installation.CellDirectory(c.Region), "drills.jsonl")));
                }
                if (backupDirectory is not null)
                {
                    drillFiles.Add(Path.Combine(backupDirectory, "drills.jsonl"));
                }
                Directory.CreateDirectory(outDir);
                var request = new ReportRequest(start, end, outDir, api, configuration, Audit(apiConfiguration), Alerts(apiConfiguration),
                    backupDirectory, drillFiles, r.GetValue(ci));
                var report = await ComplianceReport.RunAsync(cells, request, Console.Error, ct);
                Console.Out.WriteLine(CliWords.F("Compliance.Written", report, outDir, start.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                    end.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)));
                return ExitCodes.Ok;
            });
        });
        return command;
    }

    private static Command Verify()
    {
        var directory = new Argument<string>("DIR") { Description = CliWords.T("Argument.compliance.dir") };
        var key = new Option<string?>("--key") { Description = CliWords.T("Option.compliance.key") };
        var auditKeys = new Option<string[]>("--audit-key") { Description = CliWords.T("Option.compliance.audit-key"), AllowMultipleArgumentsPerToken = false };
        var online = new Option<bool>("--online") { Description = CliWords.T("Option.compliance.online") };
        var (data, config) = (CommonOptions.Data(), CommonOptions.Config());
        var command = new Command("verify", CliWords.T("Command.compliance.verify"))
        {
            directory, key, auditKeys, online, data, config,
        };
        command.SetAction(async (r, ct) =>
        {
            var root = r.GetValue(directory)!;
            if (!Directory.Exists(root))
            {
                return CommonOptions.Fail(CliWords.F("Compliance.NotADirectory", root));
            }
            var pinned = r.GetValue(key);
            var pinnedAudit = (r.GetValue(auditKeys) ?? []).ToList();
            if (!r.GetValue(online))
            {
                return Print(BundleVerifier.Verify(root, pinned, pinnedAudit), online: null);
            }
            return await CommonOptions.WithInstallationAsync(r.GetValue(data)!, r.GetValue(config), async (cells, configuration, _) =>
            {
                var (keys, _) = await LiveKeysAsync(cells, ct);
                if (keys is null)
                {
                    return CommonOptions.Fail(CliWords.T("Compliance.NoKey"));
                }
                if (pinned is not null && pinned != keys.Compliance)
                {
                    return CommonOptions.Fail(CliWords.T("Compliance.OtherKey"));
                }
                var result = BundleVerifier.Verify(root, keys.Compliance, [.. keys.Audit.Select(a => a.VerifierKey)]);
                var live = new List<string>();
                if (result.Manifest is { } manifest)
                {
                    foreach (var region in manifest.Regions)
                    {
                        live.Add(await LiveAnchorAsync(cells, root, region, ct));
                    }
                }
                return Print(result, live);
            });
        });
        return command;
    }

    private static Command Key()
    {
        var (data, config) = (CommonOptions.Data(), CommonOptions.Config());
        var command = new Command("key", CliWords.T("Command.compliance.key")) { data, config };
        // Prints only: the keys are loaded, never created (a region without one has signed and anchored nothing).
        command.SetAction((r, ct) => CommonOptions.WithInstallationAsync(r.GetValue(data)!, r.GetValue(config), async (cells, _, _) =>
        {
            var (keys, missing) = await LiveKeysAsync(cells, ct);
            if (keys is null)
            {
                return CommonOptions.Fail(CliWords.F("Compliance.RegionNoKey", missing));
            }
            Console.Out.WriteLine($"compliance {keys.Compliance}");
            foreach (var (region, verifierKey) in keys.Audit)
            {
                Console.Out.WriteLine($"audit {region} {verifierKey}");
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static int Print(BundleVerification result, IReadOnlyList<string>? online)
    {
        foreach (var line in result.Checked)
        {
            Console.Out.WriteLine("ok: " + line);
        }
        var failures = result.Failures.Concat(online?.Where(l => l.StartsWith("FAILED", StringComparison.Ordinal)) ?? []).ToList();
        foreach (var line in online?.Where(l => !l.StartsWith("FAILED", StringComparison.Ordinal)) ?? [])
        {
            Console.Out.WriteLine("ok: " + line);
        }
        foreach (var line in result.Unauthenticated)
        {
            Console.Out.WriteLine("NOT AUTHENTICATED: " + line);
        }
        foreach (var failure in failures)
        {
            Console.Out.WriteLine("FAILED: " + (failure.StartsWith("FAILED ", StringComparison.Ordinal) ? failure[7..] : failure));
        }
        if (failures.Count > 0)
        {
            Console.Out.WriteLine(CliWords.F(failures.Count == 1 ? "Compliance.Failed.One" : "Compliance.Failed", failures.Count));
            return VerificationFailed;
        }
        if (result.Unauthenticated.Count > 0)
        {
            // Consistent, but only with keys the bundle brought along: a forger makes a bundle consistent with their own keys.
            Console.Out.WriteLine(CliWords.F("Compliance.NotAuthenticated", result.Manifest!.Report));
            return VerificationFailed;
        }
        Console.Out.WriteLine(CliWords.F("Compliance.Ok", result.Manifest!.Report, CliWords.T(online is null ? "Compliance.Offline" : "Compliance.Online")));
        return ExitCodes.Ok;
    }

    private sealed record LiveKeys(string Compliance, IReadOnlyList<(string Region, string VerifierKey)> Audit);

    /// <summary>The installation's keys, loaded and never created; null with the first region that has no audit-log key yet.</summary>
    private static async Task<(LiveKeys? Keys, string? Missing)> LiveKeysAsync(CellRegistry cells, CancellationToken ct)
    {
        var audit = new List<(string, string)>();
        string? compliance = null;
        foreach (var cell in cells.All.OrderBy(c => c.Region, StringComparer.Ordinal))
        {
            using var key = await AuditLogKeyMaterial.LoadAsync(cell, ct);
            if (key is null)
            {
                return (null, cell.Region);
            }
            audit.Add((cell.Region, key.VerifierKey));
            if (compliance is null)
            {
                using var signer = ComplianceKey.Signer(key, cell.Region);
                compliance = signer.VerifierKey;
            }
        }
        return (new LiveKeys(compliance!, audit), null);
    }

    /// <summary>The anchoring event of the bundle's receipt, looked up at its leaf in the live log.</summary>
    private static async Task<string> LiveAnchorAsync(CellRegistry cells, string root, string region, CancellationToken ct)
    {
        var path = Path.Combine(root, BundleManifest.AnchorsFolder, region + ".receipt.json");
        if (!cells.TryGet(region, out var cell))
        {
            return $"FAILED anchor {region}: this installation serves no region {region}";
        }
        var receipt = File.Exists(path) ? Receipt.Parse(await File.ReadAllTextAsync(path, ct), out _) : null;
        if (receipt is null)
        {
            return $"FAILED anchor {region}: no readable receipt to look up";
        }
        await using var db = cell.CreateDbContext();
        var row = await db.Set<AuditEvent>().AsNoTracking().Where(e => e.LeafIndex == receipt.LeafIndex).Select(e => new { e.Id, e.Action, e.Commitment }).SingleOrDefaultAsync(ct);
        return row is not null && row.Action == ComplianceReport.AnchorAction && row.Commitment.AsSpan().SequenceEqual(receipt.LeafCommitment.Span)
            ? string.Create(CultureInfo.InvariantCulture, $"anchor {region}: event {row.Id} found at leaf {receipt.LeafIndex} of the live log")
            : string.Create(CultureInfo.InvariantCulture, $"FAILED anchor {region}: the live log holds no anchoring event with this commitment at leaf {receipt.LeafIndex}");
    }

    /// <summary>
    /// Parses the period. A date alone is a whole UTC day: <c>--from 2026-01-01 --to 2026-03-31</c> is the first quarter,
    /// 31 March included. A time must be UTC (Z); <c>--to</c> as a time is excluded.
    /// </summary>
    internal static bool TryPeriod(string from, string to, out DateTime start, out DateTime end, out string error)
    {
        error = "";
        end = default;
        if (!TryTime(from, out start, out _))
        {
            error = CliWords.F("Compliance.NotADate", "--from", from);
            return false;
        }
        if (!TryTime(to, out end, out var dateOnly))
        {
            error = CliWords.F("Compliance.NotADate", "--to", to);
            return false;
        }
        if (dateOnly)
        {
            end = end.AddDays(1);
        }
        if (end <= start)
        {
            error = CliWords.F("Compliance.EmptyPeriod", to, from);
            return false;
        }
        return true;
    }

    private static bool TryTime(string text, out DateTime time, out bool dateOnly)
    {
        const DateTimeStyles utc = DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal;
        dateOnly = DateTime.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, utc, out time);
        return dateOnly || DateTime.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'"], CultureInfo.InvariantCulture, utc, out time);
    }

    private static AuditOptions Audit(Microsoft.Extensions.Configuration.IConfiguration api) =>
        SigillOptions.Read<AuditOptions>(api, ApiHost.Tier, s => s.AddSigillOptions<AuditOptions>("Audit"));

    private static AlertOptions Alerts(Microsoft.Extensions.Configuration.IConfiguration api) =>
        SigillOptions.Read<AlertOptions>(api, ApiHost.Tier, s => s.AddSigillOptions<AlertOptions>("Alerts"));
}
