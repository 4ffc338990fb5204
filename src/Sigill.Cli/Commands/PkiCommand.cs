using System.CommandLine;

namespace Sigill.Cli.Commands;

/// <summary>
/// <c>sigill pki root --region R</c>: prints a region's root certificate (PEM) on stdout, the trust anchor a verifier
/// pins: <c>sigill pdf verify --root</c>, or an NSS database for pdfsig (docs/formats/sealed-pdf.md). It is the
/// certificate the web tier serves anonymously at <c>/api/v1/pki/R/root.pem</c> (PEM) and <c>/pki/R/ca.cer</c> (DER).
/// Works on an embedded data directory or a production config, like the other operator verbs; the region's CA is
/// created on first use, as it is when the first document is signed.
/// </summary>
internal static class PkiCommand
{
    public static Command Create()
    {
        var command = new Command("pki", CliWords.T("Command.pki"));
        var (data, config) = (CommonOptions.Data(), CommonOptions.Config());
        var region = new Option<string>("--region") { Description = CliWords.T("Option.pki.region"), Required = true };
        var root = new Command("root", CliWords.T("Command.pki.root")) { data, config, region };
        root.SetAction((r, ct) => LongTermOperator.WithCellsAsync(r.GetValue(data)!, r.GetValue(config), async (cells, keys, _) =>
        {
            if (!cells.TryGet(r.GetValue(region), out var cell))
            {
                return CommonOptions.Fail(CliWords.F("Error.RegionNotServed", r.GetValue(region), string.Join(", ", cells.All.Select(c => c.Region))));
            }
            using var certificate = await keys.RootAsync(cell, ct);
            Console.Out.Write(certificate.ExportCertificatePem() + "\n");
            return ExitCodes.Ok;
        }));
        command.Subcommands.Add(root);
        return command;
    }
}
