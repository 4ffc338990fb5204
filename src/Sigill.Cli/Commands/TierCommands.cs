using System.CommandLine;
using Sigill.Api;
using Sigill.Cli.Hosting;
using Sigill.Web;

namespace Sigill.Cli.Commands;

/// <summary>
/// <c>sigill api</c> and <c>sigill web</c>: one tier per process, as production runs them on
/// separate hosts and network segments. <c>sigill migrate</c> brings every cell's schema up to date.
/// </summary>
internal static class TierCommands
{
    public static Command Api()
    {
        var data = CommonOptions.Data();
        var config = CommonOptions.Config();
        var port = CommonOptions.Port(8081, "The API tier's port");
        var host = new Option<string>("--host") { Description = CliWords.T("Option.api.host"), DefaultValueFactory = _ => "127.0.0.1" };
        var command = new Command("api", CliWords.T("Command.api")) { data, config, port, host };
        command.SetAction((result, ct) => CommonOptions.GuardAsync(async () =>
        {
            TierRunner.EnsurePortFree("api", result.GetValue(host)!, result.GetValue(port));
            var installation = CommonOptions.InstallationFor(result.GetValue(data)!, result.GetValue(config));
            // One API tier per embedded data directory (its SQLite cells and file keyrings); several nodes share PostgreSQL and S3 cells instead.
            using var dataLock = installation is null ? null : DataDirectoryLock.Acquire(installation.DataDirectory);
            var apiConfiguration = SigillConfiguration.ForApi(SigillConfiguration.Load(installation, result.GetValue(config)));
            await TierRunner.CheckExternalCellsAsync(TierRunner.ValidatedApiOptions(apiConfiguration), ct);
            await using var app = ApiHost.Build(apiConfiguration, $"http://{result.GetValue(host)}:{result.GetValue(port)}", CommonOptions.ConfigureLogging);
            var url = await TierRunner.StartAsync(app, "api", result.GetValue(port), ct);
            Console.Out.WriteLine($"api: {url.ToString().TrimEnd('/')}");
            await CommonOptions.WaitForShutdownAsync(ct);
            await app.StopAsync(CancellationToken.None);
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command Web()
    {
        var data = CommonOptions.Data();
        var config = CommonOptions.Config();
        var port = CommonOptions.Port(8080, "The web tier's public port");
        var host = new Option<string>("--host") { Description = CliWords.T("Option.web.host"), DefaultValueFactory = _ => "127.0.0.1" };
        var apiUrl = new Option<string?>("--api-url") { Description = CliWords.T("Option.web.api-url") };
        var command = new Command("web", CliWords.T("Command.web")) { data, config, port, host, apiUrl };
        command.SetAction((result, ct) => CommonOptions.GuardAsync(async () =>
        {
            TierRunner.EnsurePortFree("web", result.GetValue(host)!, result.GetValue(port));
            var installation = CommonOptions.InstallationFor(result.GetValue(data)!, result.GetValue(config));
            var configuration = SigillConfiguration.Load(installation, result.GetValue(config));
            await using var app = WebTierHost.Build(SigillConfiguration.ForWeb(configuration, result.GetValue(apiUrl)),
                $"http://{result.GetValue(host)}:{result.GetValue(port)}", CommonOptions.ForWebTier(CommonOptions.ConfigureLogging));
            var url = await TierRunner.StartAsync(app, "web", result.GetValue(port), ct);
            Console.Out.WriteLine($"web: {url.ToString().TrimEnd('/')}");
            await CommonOptions.WaitForShutdownAsync(ct);
            await app.StopAsync(CancellationToken.None);
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command Migrate()
    {
        var data = CommonOptions.Data();
        var config = CommonOptions.Config();
        var command = new Command("migrate", CliWords.T("Command.migrate")) { data, config };
        command.SetAction((result, ct) => CommonOptions.GuardAsync(async () =>
        {
            // Embedded: validate and reach everything before the data directory is created.
            var embedded = result.GetValue(config) is null;
            if (embedded)
            {
                Hosting.Installation.ProbeWritable(result.GetValue(data)!);
            }
            var prospective = embedded ? Hosting.Installation.Prospective(result.GetValue(data)!) : Hosting.Installation.OpenIfPresent(result.GetValue(data)!);
            await TierRunner.CheckExternalCellsAsync(TierRunner.ValidatedApiOptions(SigillConfiguration.ForApi(SigillConfiguration.Load(prospective, result.GetValue(config)))), ct);
            var installation = embedded ? Hosting.Installation.OpenOrCreate(result.GetValue(data)!) : prospective;
            var options = TierRunner.ValidatedApiOptions(SigillConfiguration.ForApi(SigillConfiguration.Load(installation, result.GetValue(config))));
            await Spectre.Console.AnsiConsole.Progress().StartAsync(async progress =>
            {
                var task = progress.AddTask("migrating cells", maxValue: options.Cells.Count);
                await TierRunner.MigrateAsync(options, region =>
                {
                    task.Description = $"migrating cell {region}";
                    task.Increment(1);
                }, ct);
                task.Value = task.MaxValue;
            });
            Console.Out.WriteLine($"migrated: {string.Join(", ", options.Cells.Keys.Order(StringComparer.Ordinal))}");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
