using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Sigill.Api.Platform.Cells;

namespace Sigill.Api.Platform.Telemetry;

/// <summary>
/// Data residency for logs (issue #7). Every log record of the API tier goes two ways:
/// <list type="bullet">
/// <item>to the installation-wide sinks the host was given (the console), with every identifier
/// (<c>org_eu_…</c>, <c>doc_us_…</c>; <see cref="SigillId"/>) replaced by <c>[kind_region]</c> and every e-mail address by
/// <c>[email]</c>, and without scopes: nothing there names an organization, a document or a person;</item>
/// <item>when it carries identifiers (or names a region), to that region cell's own log file
/// (<c>Cells:{region}:Logs:Directory</c>, embedded default <c>DATA/&lt;region&gt;/logs/</c>) — only the identifiers of that
/// region, any other region's redacted. A record naming a region this deployment does not serve is written to no cell.</item>
/// </list>
/// E-mail addresses are redacted in both: personal data stays out of logs (messages log ids, never names or addresses).
/// </summary>
public static partial class CellLogs
{
    /// <summary>A <see cref="SigillId"/>: kind, region and 26 Crockford base32 characters.</summary>
    [GeneratedRegex(@"(?<![A-Za-z0-9])(?<kind>[a-z]{2,12})_(?<region>[a-z][a-z0-9-]{0,14}[a-z0-9])_[0-9a-hjkmnp-tv-z]{26}(?![A-Za-z0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+", RegexOptions.CultureInvariant)]
    private static partial Regex EmailPattern();

    /// <summary>The regions whose identifiers appear in the text.</summary>
    public static IEnumerable<string> RegionsIn(string text)
    {
        if (text.IndexOf('_', StringComparison.Ordinal) < 0)
        {
            return [];
        }
        var regions = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match m in IdPattern().Matches(text))
        {
            regions.Add(m.Groups["region"].Value);
        }
        return regions;
    }

    /// <summary>Replaces identifiers (all, or all but those of <paramref name="keepRegion"/>) and e-mail addresses.</summary>
    public static string Redact(string text, string? keepRegion = null)
    {
        if (text.Contains('@', StringComparison.Ordinal))
        {
            text = EmailPattern().Replace(text, "[email]");
        }
        if (text.Contains('_', StringComparison.Ordinal))
        {
            text = IdPattern().Replace(text, m => m.Groups["region"].Value == keepRegion
                ? m.Value
                : $"[{m.Groups["kind"].Value}_{m.Groups["region"].Value}]");
        }
        return text;
    }

    /// <summary>
    /// Turns the logging the host was given into installation-wide sinks (each provider wrapped so that it sees redacted
    /// text only) and adds the cells' own log files.
    /// </summary>
    public static void Configure(ILoggingBuilder logging, ApiTierOptions options)
    {
        var services = logging.Services;
        RedactInstallationWide(logging);
        var cells = options.Cells
            .Where(c => !string.IsNullOrWhiteSpace(c.Value.Logs.Directory))
            .ToDictionary(c => c.Key, c => Path.GetFullPath(c.Value.Logs.Directory), StringComparer.Ordinal);
        if (cells.Count > 0)
        {
            services.AddSingleton<ILoggerProvider>(sp => new CellLogProvider(cells, sp.GetService<TimeProvider>() ?? TimeProvider.System));
            // Framework chatter names request paths (which hold identifiers) at Information: cells keep warnings and up.
            logging.AddFilter<CellLogProvider>("Microsoft", LogLevel.Warning);
            logging.AddFilter<CellLogProvider>("System", LogLevel.Warning);
        }
    }

    /// <summary>
    /// Wraps every log provider registered so far as an installation-wide sink: it sees redacted text only, never a
    /// scope. The web tier, which serves every region, logs through this too.
    /// </summary>
    public static void RedactInstallationWide(ILoggingBuilder logging)
    {
        var services = logging.Services;
        foreach (var descriptor in services.Where(d => d.ServiceType == typeof(ILoggerProvider)).ToList())
        {
            services.Remove(descriptor);
            services.AddSingleton<ILoggerProvider>(sp => new InstallationLogProvider(Create(sp, descriptor)));
        }
    }

    private static ILoggerProvider Create(IServiceProvider sp, ServiceDescriptor descriptor) =>
        descriptor.ImplementationInstance as ILoggerProvider
        ?? (ILoggerProvider?)descriptor.ImplementationFactory?.Invoke(sp)
        ?? (ILoggerProvider)ActivatorUtilities.CreateInstance(sp, descriptor.ImplementationType!);

    internal static string Format<TState>(TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var message = formatter(state, exception);
        return exception is null ? message : message + Environment.NewLine + exception;
    }

    /// <summary>The region a record names through a structured <c>region</c> argument, if any.</summary>
    internal static string? RegionArgument<TState>(TState state)
    {
        if (state is IReadOnlyList<KeyValuePair<string, object?>> values)
        {
            foreach (var (key, value) in values)
            {
                if (key.Equals("region", StringComparison.OrdinalIgnoreCase) && value is string region)
                {
                    return region;
                }
            }
        }
        return null;
    }
}

/// <summary>Where a cell keeps its own log files. Unset: the cell keeps none, and identifiers reach no log at all.</summary>
public sealed class CellLogOptions
{
    public string Directory { get; set; } = "";
}

/// <summary>An installation-wide sink (the console): sees every record, redacted, never a scope.</summary>
internal sealed class InstallationLogProvider(ILoggerProvider inner) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(inner.CreateLogger(categoryName));

    public void Dispose() => inner.Dispose();

    private sealed class Logger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null; // scopes carry request paths

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!inner.IsEnabled(logLevel))
            {
                return;
            }
            var message = CellLogs.Redact(formatter(state, exception));
            var redacted = exception is null ? null : new RedactedException(exception);
            inner.Log(logLevel, eventId, message, redacted, static (s, _) => s);
        }
    }

    /// <summary>An exception as the installation-wide sinks print it: type, redacted message, stack trace.</summary>
    private sealed class RedactedException(Exception original) : Exception(CellLogs.Redact(original.Message))
    {
        public override string ToString() => CellLogs.Redact(original.ToString());

        public override string? StackTrace => original.StackTrace;
    }
}

/// <summary>Writes records that carry a region's identifiers to that region's log file, one line each (UTF-8, daily files).</summary>
internal sealed class CellLogProvider : ILoggerProvider
{
    private readonly Dictionary<string, Sink> _sinks;

    public CellLogProvider(IReadOnlyDictionary<string, string> directories, TimeProvider time)
    {
        _sinks = directories.ToDictionary(d => d.Key, d => new Sink(d.Value, time), StringComparer.Ordinal);
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
        foreach (var sink in _sinks.Values)
        {
            sink.Dispose();
        }
    }

    private void Write(LogLevel level, string category, EventId eventId, string text, string? regionArgument)
    {
        var regions = new HashSet<string>(CellLogs.RegionsIn(text), StringComparer.Ordinal);
        if (regionArgument is not null)
        {
            regions.Add(regionArgument);
        }
        foreach (var region in regions)
        {
            if (_sinks.TryGetValue(region, out var sink))
            {
                sink.Write(level, category, eventId, CellLogs.Redact(text, keepRegion: region));
            }
        }
    }

    private sealed class Logger(CellLogProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                provider.Write(logLevel, category, eventId, CellLogs.Format(state, exception, formatter), CellLogs.RegionArgument(state));
            }
        }
    }

    private sealed class Sink(string directory, TimeProvider time) : IDisposable
    {
        private readonly Lock _gate = new();
        private FileStream? _file;
        private string? _day;

        public void Write(LogLevel level, string category, EventId eventId, string text)
        {
            var now = time.GetUtcNow();
            var line = new StringBuilder(text.Length + 96)
                .Append(now.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture)).Append(' ')
                .Append(Level(level)).Append(' ').Append(category).Append('[').Append(eventId.Id).Append("] ")
                .Append(text.ReplaceLineEndings("\n  ")).Append('\n').ToString();
            var bytes = Encoding.UTF8.GetBytes(line);
            lock (_gate)
            {
                try
                {
                    var day = now.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
                    if (_file is null || _day != day)
                    {
                        _file?.Dispose();
                        System.IO.Directory.CreateDirectory(directory);
                        _file = new FileStream(Path.Combine(directory, $"api-{day}.log"), new FileStreamOptions
                        {
                            Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.ReadWrite | FileShare.Delete,
                            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead,
                        });
                        _day = day;
                    }
                    _file.Write(bytes);
                    _file.Flush();
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    _file?.Dispose();
                    _file = null; // a full or unwritable disk must not take requests down; the next record tries again
                }
            }
        }

        private static string Level(LogLevel level) => level switch
        {
            LogLevel.Trace => "trce",
            LogLevel.Debug => "dbug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "fail",
            _ => "crit",
        };

        public void Dispose()
        {
            lock (_gate)
            {
                _file?.Dispose();
                _file = null;
            }
        }
    }
}
