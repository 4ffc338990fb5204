using System.CommandLine;
using Sigill.Api;
using Sigill.Api.Cells;
using Sigill.Api.Features.Setup;
using Sigill.Cli.Installation;
using Sigill.Web;

namespace Sigill.Cli.Commands;

/// <summary>
/// <c>sigill serve</c>: the embedded default. Both tiers in one process as two hosts with separate
/// service containers, the web tier on the public port, the API tier on a loopback port of its own,
/// talking over HTTP with the service credential — the same boundary production has.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data();
        var config = CommonOptions.Config();
        var port = CommonOptions.Port(8080, "The web tier's port on 127.0.0.1");
        var command = new Command("serve", "Run Sigill: the web tier on 127.0.0.1:PORT and the API tier on a private loopback port") { data, config, port };
        command.SetAction((result, ct) => RunAsync(result.GetValue(data)!, result.GetValue(config), result.GetValue(port), ct));
        return command;
    }

    private static async Task<int> RunAsync(string dataDirectory, string? configFile, int port, CancellationToken ct)
    {
        if (port is < 0 or > 65535)
        {
            return CommonOptions.Fail($"--port must be between 0 and 65535, not {port}");
        }
        try
        {
            // Order matters for "nothing half-written": probe and validate everything before the first write.
            Installation.Installation.ProbeWritable(dataDirectory);
            SigillConfiguration.Load(null, configFile);
            var installation = Installation.Installation.OpenOrCreate(dataDirectory);
            var configuration = SigillConfiguration.Load(installation, configFile);
            var apiConfiguration = SigillConfiguration.ForApi(configuration);
            var apiOptions = TierRunner.ValidatedApiOptions(apiConfiguration);
            await TierRunner.CheckExternalCellsAsync(apiOptions, ct);
            await TierRunner.MigrateAsync(apiOptions, null, ct);

            await using var api = ApiHost.Build(apiConfiguration, "http://127.0.0.1:0", CommonOptions.ConfigureLogging);
            var apiUrl = await TierRunner.StartAsync(api, "api", 0, ct);
            await using var web = WebTierHost.Build(SigillConfiguration.ForWeb(configuration, apiUrl.ToString().TrimEnd('/')), $"http://127.0.0.1:{port}", CommonOptions.ConfigureLogging);
            var webUrl = await TierRunner.StartAsync(web, "web", port, ct);

            var baseUrl = webUrl.ToString().TrimEnd('/');
            Console.Out.WriteLine($"web: {baseUrl}");
            Console.Out.WriteLine($"api: {apiUrl.ToString().TrimEnd('/')}");
            if (File.Exists(installation.SetupTokenFile))
            {
                // A fresh link at every start while setup is pending; the previous one stops working.
                Console.Out.WriteLine($"setup: {baseUrl}/setup/{SetupToken.Issue(installation.SetupTokenFile)}");
            }
            Console.Out.WriteLine($"data: {installation.DataDirectory} (regions: {string.Join(", ", apiOptions.Cells.Keys.Order(StringComparer.Ordinal))})");
            Console.Out.Flush();

            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
            }
            await web.StopAsync(CancellationToken.None);
            await api.StopAsync(CancellationToken.None);
            return ExitCodes.Ok;
        }
        catch (InstallationException e)
        {
            return CommonOptions.Fail(e.Message);
        }
        catch (CellUnavailableException e)
        {
            return CommonOptions.Fail(e.Message, ExitCodes.DependencyUnavailable);
        }
    }
}
