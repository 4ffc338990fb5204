using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Sigill.Api;
using Sigill.Api.Features.Backups;
using Sigill.Api.Features.Documents;
using Sigill.Api.Features.Organizations;
using Sigill.Api.Features.Privacy;
using Sigill.Api.Features.SubProcessors;
using Sigill.Api.Features.TrustCenter;
using Sigill.Api.Platform.Cells;
using Sigill.Cli.Hosting;
using Sigill.Http;

namespace Sigill.Cli.Commands;

/// <summary>
/// <c>sigill privacy ropa</c>: the records of processing (GDPR Article 30, docs/formats/ropa.md) of the installation, or
/// of one organization with <c>--organization</c>, as <c>ropa.json</c> and <c>ropa.pdf</c>. Runs the residency scan
/// (summary only) for the security measures. Exit codes: 0 written, 2 bad input or configuration.
/// </summary>
internal static class PrivacyCommand
{
    public static Command Create()
    {
        var command = new Command("privacy", CliWords.T("Command.privacy"));
        command.Subcommands.Add(Ropa());
        return command;
    }

    private static Command Ropa()
    {
        var (data, config) = (CommonOptions.Data(), CommonOptions.Config());
        var organization = new Option<string?>("--organization") { Description = CliWords.T("Option.privacy.ropa.organization") };
        var output = new Option<string>("--out") { Description = CliWords.T("Option.privacy.ropa.out"), Required = true };
        var command = new Command("ropa", CliWords.T("Command.privacy.ropa")) { data, config, organization, output };
        command.SetAction((r, ct) => CommonOptions.WithInstallationAsync(r.GetValue(data)!, r.GetValue(config), async (cells, configuration, _) =>
        {
            var organizationId = r.GetValue(organization);
            IReadOnlyList<Cell> scope = [.. cells.All];
            if (organizationId is not null)
            {
                if (!SigillId.TryParse(organizationId, "org", out var region) || !cells.TryGet(region, out var cell))
                {
                    return CommonOptions.Fail(CliWords.F("Error.NotAnOrganizationInstallation", organizationId));
                }
                await using var db = cell.CreateDbContext();
                if (!await db.Set<Organization>().AnyAsync(o => o.Id == organizationId, ct))
                {
                    return CommonOptions.Fail(CliWords.F("Privacy.NoOrganization", organizationId, region));
                }
                scope = [cell];
            }
            var outDir = Path.GetFullPath(r.GetValue(output)!);
            if (File.Exists(outDir))
            {
                return CommonOptions.Fail(CliWords.F("Privacy.OutIsFile", outDir));
            }
            var api = SigillConfiguration.ForApi(configuration);
            var sources = new RopaSources(Read<SubProcessorOptions>(api, "SubProcessors"), Read<BackupOptions>(api, "Backups"),
                Read<DocumentOptions>(api, "Documents"), Read<TrustOptions>(api, "Trust"), Read<RetentionOptions>(api, "Privacy:Retention"));
            // Summary lines only (the findings' places are customer content); the records keep the verdict and counts.
            var scan = await ResidencyCommand.ScanAsync(cells, TextWriter.Null, findings: false, ct);
            var records = await RecordsOfProcessing.BuildAsync(scope, organizationId, sources, new RopaResidency(scan.ExitCode, scan.Leaks, scan.CardNumbers),
                TimeProvider.System.GetUtcNow(), ct);
            Directory.CreateDirectory(outDir);
            await File.WriteAllBytesAsync(Path.Combine(outDir, "ropa.json"), JsonSerializer.SerializeToUtf8Bytes(records, RecordsOfProcessing.Json), ct);
            await File.WriteAllBytesAsync(Path.Combine(outDir, "ropa.pdf"), RecordsOfProcessing.ToPdf(records), ct);
            Console.Out.WriteLine(CliWords.F("Privacy.Written", organizationId ?? CliWords.T("Privacy.Installation"), string.Join(", ", scope.Select(c => c.Region)), outDir));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static T Read<T>(IConfiguration api, string section) where T : class, IValidatedOptions =>
        SigillOptions.Read<T>(api, ApiHost.Tier, s => s.AddSigillOptions<T>(section));
}
