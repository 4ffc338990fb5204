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
        var document = new Option<string?>("--document") { Description = "Renew this completed document now, whatever its timestamp's expiry" };
        var all = new Option<bool>("--all") { Description = "Renew every completed document now (default: only those whose archive timestamp nears expiry)" };
        var command = new Command("renew", "Give stored sealed documents a fresh document timestamp (B-LTA renewal) when their newest one's TSA certificate nears expiry")
        { data, config, region, document, all };
        command.SetAction((r, ct) => LongTermOperator.WithCellsAsync(r.GetValue(data)!, r.GetValue(config), async (cells, keys, options) =>
        {
            if (!options.Enabled) return CommonOptions.Fail("no TSA is configured: set Timestamps:Servers (or Timestamps:BuiltIn)");
            var failed = false;
            foreach (var cell in cells.All.Where(c => r.GetValue(region) is null || c.Region == r.GetValue(region)))
            {
                if (r.GetValue(document) is { } id && !id.Contains($"_{cell.Region}_", StringComparison.Ordinal)) continue;
                var result = await ArchiveRenewal.RunAsync(cell, keys, options, TimeProvider.System, r.GetValue(document), r.GetValue(all), ct);
                Console.Out.WriteLine($"region {cell.Region}: {result.Renewed} of {result.Examined} completed documents renewed");
                foreach (var f in result.Failures) Console.Out.WriteLine($"  not renewed: {f}");
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
        var reissue = new Option<bool>("--reissue") { Description = "Also drop the key: the organization's next signature gets a new certificate (default: signing stays refused)" };
        var command = new Command("revoke-signing", "Revoke an organization's signing certificate: it is on the region's CRL at once and nothing more is signed with it")
        { data, config, org, reissue };
        command.SetAction((r, ct) => LongTermOperator.WithCellsAsync(r.GetValue(data)!, r.GetValue(config), async (cells, keys, _) =>
        {
            if (!SigillId.TryParse(r.GetValue(org), "org", out var orgRegion) || !cells.TryGet(orgRegion, out var cell))
            {
                return CommonOptions.Fail($"'{r.GetValue(org)}' is not an organization id of a region this installation serves");
            }
            var serial = await keys.RevokeAsync(cell, r.GetValue(org)!, X509RevocationReason.KeyCompromise, r.GetValue(reissue), ct);
            if (serial is null) return CommonOptions.Fail($"{r.GetValue(org)} has no signing certificate yet");
            Console.Out.WriteLine($"{r.GetValue(org)}: certificate {serial} revoked; it is on the CRL at /pki/{cell.Region}/ca.crl"
                + (r.GetValue(reissue) ? "; the next signature gets a new certificate" : "; signing is refused until you run this again with --reissue"));
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
