using System.CommandLine;
using Microsoft.Extensions.Logging;

namespace Sigill.Cli.Commands;

internal static class CommonOptions
{
    public const string DefaultDataDirectory = ".sigill-data";

    public static Option<string> Data() => new("--data")
    {
        Description = CliWords.T("Option.Data"),
        DefaultValueFactory = _ => DefaultDataDirectory,
    };

    public static Option<string?> Config() => new("--config")
    {
        Description = CliWords.T("Option.Config"),
    };

    public static Option<int> Port(int defaultPort, string description) => new("--port")
    {
        Description = CliWords.F("Option.Port", description),
        DefaultValueFactory = _ => defaultPort,
        CustomParser = result =>
        {
            var text = string.Join(' ', result.Tokens.Select(t => t.Value));
            if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && port <= 65535)
            {
                return port;
            }
            result.AddError(CliWords.F("Error.Port", text));
            return 0;
        },
    };

    /// <summary>
    /// <c>--language</c>, on every command: the language of the words printed for the operator (CliWords). Program.cs
    /// reads it before parsing, since the help text is in it; here it is declared (so the parser accepts it) and checked.
    /// </summary>
    public static Option<string?> Language()
    {
        var option = new Option<string?>("--language")
        {
            Description = CliWords.F("Option.Language", string.Join(", ", Contracts.Languages.Supported), CliWords.LanguageVariable),
            Recursive = true,
        };
        option.Validators.Add(result =>
        {
            var value = string.Join(' ', result.Tokens.Select(t => t.Value));
            if (!Contracts.Languages.IsSupported(value.Trim().ToLowerInvariant()))
            {
                result.AddError(CliWords.F("Error.Language", string.Join(", ", Contracts.Languages.Supported), value));
            }
        });
        return option;
    }

    /// <summary>Single-line console logs; framework chatter (which would include request paths) only from Warning.</summary>
    public static void ConfigureLogging(ILoggingBuilder logging)
    {
        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
            o.UseUtcTimestamp = true;
        });
        logging.SetMinimumLevel(LogLevel.Information);
        logging.AddFilter("Microsoft", LogLevel.Warning);
        logging.AddFilter("System", LogLevel.Warning);
        logging.AddFilter("Yarp", LogLevel.Warning);
    }

    /// <summary>The web tier's logging: the same sinks, installation-wide, so identifiers and addresses are redacted (issue #7).</summary>
    public static Action<ILoggingBuilder>? ForWebTier(Action<ILoggingBuilder>? logging) =>
        logging is null ? null : b =>
        {
            logging(b);
            Sigill.Api.Platform.Telemetry.CellLogs.RedactInstallationWide(b);
        };

    /// <summary>
    /// Runs a verb and turns the expected failures — a bad data directory or configuration, an
    /// unreachable cell — into one line naming the problem and its exit code. Anything else is a bug
    /// and keeps its stack trace.
    /// </summary>
    public static async Task<int> GuardAsync(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (Hosting.InstallationException e)
        {
            return Fail(e.Message);
        }
        catch (Sigill.Api.Platform.Cells.CellUnavailableException e)
        {
            return Fail(e.Message, ExitCodes.DependencyUnavailable);
        }
        catch (Sigill.Http.SigillConfigurationException e)
        {
            return Fail(e.Message); // a tier refusing its configuration
        }
    }

    /// <summary>Waits for Ctrl+C (or SIGTERM), which System.CommandLine turns into cancellation.</summary>
    public static async Task WaitForShutdownAsync(CancellationToken ct)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The embedded installation for a verb: required without <c>--config</c>, optional (defaults only) with it.</summary>
    public static Hosting.Installation? InstallationFor(string dataDirectory, string? configFile) =>
        configFile is null ? Hosting.Installation.Open(dataDirectory) : Hosting.Installation.OpenIfPresent(dataDirectory);

    /// <summary>Prints one line naming the problem and returns the exit code for it.</summary>
    /// <summary>
    /// Runs <paramref name="action"/> on the installation's cells (from <c>--data</c> or <c>--config</c>), with its
    /// configuration and the embedded installation (null with <c>--config</c>); a key integrity failure is reported, not thrown.
    /// </summary>
    public static Task<int> WithInstallationAsync(string dataDirectory, string? configFile,
        Func<Sigill.Api.Platform.Cells.CellRegistry, Microsoft.Extensions.Configuration.IConfigurationRoot, Hosting.Installation?, Task<int>> action) =>
        GuardAsync(async () =>
        {
            var installation = InstallationFor(dataDirectory, configFile);
            var configuration = Hosting.SigillConfiguration.Load(installation, configFile);
            var options = TierRunner.ValidatedApiOptions(Hosting.SigillConfiguration.ForApi(configuration));
            using var cells = new Sigill.Api.Platform.Cells.CellRegistry(options);
            try
            {
                return await action(cells, configuration, installation);
            }
            catch (Sigill.Crypto.CryptoIntegrityException e)
            {
                return Fail(CliWords.F("Error.KeyIntegrity", e.Reason, e.Message), ExitCodes.Unexpected);
            }
        });

    public static int Fail(string message, int exitCode = ExitCodes.BadConfiguration)
    {
        Console.Error.WriteLine(CliWords.F("Error", message));
        return exitCode;
    }
}

internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Unexpected = 1;
    public const int BadConfiguration = 2;
    public const int DependencyUnavailable = 3;
    /// <summary>Stopped by Ctrl+C or SIGTERM before it finished (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;
}
