using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Features.Signing;
using Sigill.Api.Features.Timestamps;
using Sigill.Cli.Hosting;

namespace Sigill.Cli.Commands;

/// <summary>
/// <c>sigill pdf renew</c> (archive re-timestamp of stored sealed documents) and <c>sigill keys revoke-signing</c>
/// (an organization's signing certificate onto the region CRL). Both work on an embedded data directory or a
/// production config, like the other operator verbs (docs/adr/0013-long-term-signatures.md).
/// </summary>
internal static class PdfRenewCommand
{
    public static Command Create()
    {
        var (data, config) = (CommonOptions.Data(), CommonOptions.Config());
        var region = new Option<string?>("--region") { Description = CliWords.T("Option.Region") };
        var document = new Option<string?>("--document") { Description = CliWords.T("Option.renew.document") };
        var all = new Option<bool>("--all") { Description = CliWords.T("Option.renew.all") };
        var command = new Command("renew", CliWords.T("Command.pdf.renew"))
        { data, config, region, document, all };
        command.SetAction((r, ct) => LongTermOperator.WithCellsAsync(r.GetValue(data)!, r.GetValue(config), async (cells, keys, options) =>
        {
            if (!options.Enabled) return CommonOptions.Fail(CliWords.T("Renew.NoTsa"));
            var failed = false;
            foreach (var cell in cells.All.Where(c => r.GetValue(region) is null || c.Region == r.GetValue(region)))
            {
                if (r.GetValue(document) is { } id && !id.Contains($"_{cell.Region}_", StringComparison.Ordinal)) continue;
                var result = await ArchiveRenewal.RunAsync(cell, keys, options, TimeProvider.System, r.GetValue(document), r.GetValue(all), ct);
                Console.Out.WriteLine(CliWords.F("Renew.Result", cell.Region, result.Renewed, result.Examined));
                foreach (var f in result.Failures) Console.Out.WriteLine("  " + CliWords.F("Renew.Failure", f));
                failed |= result.Failures.Count > 0;
            }
            return failed ? ExitCodes.Unexpected : ExitCodes.Ok;
        }));
        return command;
    }
}

internal static class RevokeSigningCommand
{
    public static Command Create()
    {
        var (data, config) = (CommonOptions.Data(), CommonOptions.Config());
        var org = new Option<string>("--org") { Description = CliWords.T("Option.Org"), Required = true };
        var reissue = new Option<bool>("--reissue") { Description = CliWords.T("Option.revoke.reissue") };
        var command = new Command("revoke-signing", CliWords.T("Command.keys.revoke-signing"))
        { data, config, org, reissue };
        command.SetAction((r, ct) => LongTermOperator.WithCellsAsync(r.GetValue(data)!, r.GetValue(config), async (cells, keys, _) =>
        {
            if (!SigillId.TryParse(r.GetValue(org), "org", out var orgRegion) || !cells.TryGet(orgRegion, out var cell))
            {
                return CommonOptions.Fail(CliWords.F("Error.NotAnOrganizationInstallation", r.GetValue(org)));
            }
            var serial = await keys.RevokeAsync(cell, r.GetValue(org)!, X509RevocationReason.KeyCompromise, r.GetValue(reissue), ct);
            if (serial is null) return CommonOptions.Fail(CliWords.F("Revoke.NoCertificate", r.GetValue(org)));
            Console.Out.WriteLine(CliWords.F(r.GetValue(reissue) ? "Revoke.Reissued" : "Revoke.Refused", r.GetValue(org), serial, cell.Region));
            return ExitCodes.Ok;
        }));
        return command;
    }
}

internal static class LongTermOperator
{
    public static Task<int> WithCellsAsync(string dataDirectory, string? configFile, Func<CellRegistry, SigningKeys, TimestampOptions, Task<int>> action) =>
        CommonOptions.GuardAsync(async () =>
        {
            var installation = CommonOptions.InstallationFor(dataDirectory, configFile);
            var configuration = SigillConfiguration.ForApi(SigillConfiguration.Load(installation, configFile));
            var options = TierRunner.ValidatedApiOptions(configuration);
            var timestamps = Sigill.Http.SigillOptions.Read<TimestampOptions>(configuration, Sigill.Api.ApiHost.Tier, s => Sigill.Http.SigillOptions.AddSigillOptions<TimestampOptions>(s, "Timestamps"));
            using var cells = new CellRegistry(options);
            return await action(cells, new SigningKeys(TimeProvider.System, timestamps), timestamps);
        });
}
