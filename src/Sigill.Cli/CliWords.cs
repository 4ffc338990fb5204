using System.Globalization;
using System.Resources;
using Sigill.Contracts;

namespace Sigill.Cli;

/// <summary>
/// The words the <c>sigill</c> command prints for an operator (progress, results, errors, help of the commands) in one
/// language, from <c>Resources/CliText*.resx</c>. The language is chosen once at start (<see cref="Choose"/>):
/// <c>--language</c>, else <c>SIGILL_LANGUAGE</c>, else the POSIX locale (<c>LC_ALL</c>, <c>LC_MESSAGES</c>,
/// <c>LANG</c>), else English. Machine-readable output (JSON, labels scripts read such as <c>web:</c> or
/// <c>sealed:</c>, exit codes, files, audit events) never goes through here. The culture is explicit, never the
/// thread's (the process stays invariant, Program.cs); English formats with the invariant culture, so its lines are
/// exactly what they were before the CLI had languages.
/// </summary>
internal static class CliWords
{
    public const string LanguageVariable = "SIGILL_LANGUAGE";

    /// <summary>The resource set, for the test that finds keys missing in a language.</summary>
    internal static readonly ResourceManager Resources = new("Sigill.Cli.Resources.CliText", typeof(CliWords).Assembly);

    public static string Language { get; private set; } = Languages.English;

    /// <summary>The culture of the words (and of numbers in them): invariant in English, the language's own otherwise.</summary>
    public static CultureInfo Culture { get; private set; } = CultureInfo.InvariantCulture;

    public static void Use(string language)
    {
        Language = Languages.IsSupported(language) ? language : Languages.English;
        Culture = Language == Languages.English ? CultureInfo.InvariantCulture : Languages.Culture(Language);
    }

    /// <summary>The text of <paramref name="key"/> in the chosen language (the English when a language lacks it).</summary>
    public static string T(string key) =>
        Resources.GetString(key, Language == Languages.English ? CultureInfo.InvariantCulture : Culture)
        ?? throw new InvalidOperationException($"CLI text {key} is missing");

    /// <summary><see cref="T"/> with its <c>{0}</c>… filled in, numbers in the language's culture.</summary>
    public static string F(string key, params object?[] args) => string.Format(Culture, T(key), args);

    /// <summary>The English of <paramref name="key"/>, invariant: for text that is also evidence (a compliance bundle's file).</summary>
    public static string E(string key, params object?[] args) =>
        string.Format(CultureInfo.InvariantCulture, Resources.GetString(key, CultureInfo.InvariantCulture) ?? throw new InvalidOperationException($"CLI text {key} is missing"), args);

    /// <summary>A number for a human line, in the language's culture (invariant in English): <c>1,5</c> in Swedish.</summary>
    public static string N(double value, string format) => value.ToString(format, Culture);

    /// <summary>A UTC time for a human line: the same ISO-like form in every language (<c>2026-12-07 05:13:49Z</c>).</summary>
    public static string Utc(DateTimeOffset at, string format = "yyyy-MM-dd HH:mm:ss") => at.UtcDateTime.ToString(format, CultureInfo.InvariantCulture) + "Z";

    /// <summary>
    /// The language for this run: the value of <c>--language</c> on the command line when it names one Sigill speaks,
    /// else <c>SIGILL_LANGUAGE</c>, else the POSIX locale's language (the first set of <c>LC_ALL</c>, <c>LC_MESSAGES</c>,
    /// <c>LANG</c>: <c>sv_SE.UTF-8</c> is Swedish; <c>C</c>, <c>POSIX</c> or a language Sigill does not speak is English).
    /// </summary>
    public static string Choose(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == "--") break;
            var value = args[i] == "--language" && i + 1 < args.Count ? args[i + 1]
                : args[i].StartsWith("--language=", StringComparison.Ordinal) ? args[i]["--language=".Length..]
                : args[i].StartsWith("--language:", StringComparison.Ordinal) ? args[i]["--language:".Length..]
                : null;
            if (value is not null && Languages.IsSupported(value.Trim().ToLowerInvariant())) return value.Trim().ToLowerInvariant();
        }
        if (environment(LanguageVariable) is { Length: > 0 } chosen && Languages.IsSupported(chosen.Trim().ToLowerInvariant()))
        {
            return chosen.Trim().ToLowerInvariant();
        }
        foreach (var name in new[] { "LC_ALL", "LC_MESSAGES", "LANG" })
        {
            if (environment(name) is { Length: > 0 } locale) return FromLocale(locale);
        }
        return Languages.English;
    }

    /// <summary>A POSIX locale name (<c>language[_territory][.codeset][@modifier]</c>) to a language Sigill speaks, else English.</summary>
    public static string FromLocale(string locale)
    {
        var language = locale.Split('_', '.', '@', '-')[0].Trim().ToLowerInvariant();
        return Languages.IsSupported(language) ? language : Languages.English;
    }
}
