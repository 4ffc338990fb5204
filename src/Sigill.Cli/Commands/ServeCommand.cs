using System.CommandLine;

namespace Sigill.Cli.Commands;

/// <summary><c>sigill serve</c>: the embedded default (see <see cref="EmbeddedServer"/>).</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data();
        var config = CommonOptions.Config();
        var port = CommonOptions.Port(8080, "The web tier's port on 127.0.0.1");
        var command = new Command("serve", CliWords.T("Command.serve")) { data, config, port };
        command.SetAction((result, ct) => RunAsync(result.GetValue(data)!, result.GetValue(config), result.GetValue(port), ct));
        return command;
    }

    private static Task<int> RunAsync(string dataDirectory, string? configFile, int port, CancellationToken ct)
    {
        return CommonOptions.GuardAsync(async () =>
        {
            await using var server = await EmbeddedServer.StartAsync(dataDirectory, configFile, port, CommonOptions.ConfigureLogging, ct);
            Console.Out.WriteLine($"web: {server.WebUrl.ToString().TrimEnd('/')}");
            Console.Out.WriteLine($"api: {server.ApiUrl.ToString().TrimEnd('/')}");
            if (server.IssueSetupLink() is { } setup)
            {
                Console.Out.WriteLine($"setup: {setup}");
            }
            Console.Out.WriteLine($"data: {server.Installation.DataDirectory} (regions: {string.Join(", ", server.Regions)})");
            if (server.ApiServices.GetService(typeof(Sigill.Api.Platform.Mail.MailOptions)) is Sigill.Api.Platform.Mail.MailOptions { Provider: "outbox" } mail)
            {
                // Without an SMTP server nothing leaves the machine: recipients' links and invitations are in these folders.
                foreach (var (region, folder) in mail.Outbox.OrderBy(o => o.Key, StringComparer.Ordinal))
                {
                    Console.Out.WriteLine($"mail ({region}): no SMTP server configured; e-mails are written to {folder} as .eml files");
                }
            }
            Console.Out.Flush();
            await CommonOptions.WaitForShutdownAsync(ct);
            return ExitCodes.Ok;
        });
    }
}
