using System.CommandLine;
using System.CommandLine.Parsing;

namespace Sigill.Cli.Commands;

/// <summary>
/// What a mistyped command line prints: one line naming the mistake and one pointing at the help of the command
/// that was meant, instead of System.CommandLine's full help page followed by every error it collected (an unknown
/// verb gave "Required command was not provided." and "Unrecognized command or argument" at once, and a bad number
/// "expected type 'System.Int32'").
/// </summary>
internal static class ParseErrors
{
    public static int Report(ParseResult result, TextWriter error)
    {
        error.WriteLine(CliWords.F("Error", Describe(result)));
        error.WriteLine(CliWords.F("Parse.Help", PathOf(result.CommandResult)));
        return ExitCodes.BadConfiguration;
    }

    private static string Describe(ParseResult result)
    {
        var command = result.CommandResult.Command;
        if (result.UnmatchedTokens.Count > 0)
        {
            var token = result.UnmatchedTokens[0];
            if (token.StartsWith('-')) return CliWords.F("Parse.UnknownOption", token, PathOf(result.CommandResult));
            return command.Subcommands.Count > 0
                ? CliWords.F("Parse.NotACommand", token, PathOf(result.CommandResult), Names(command))
                : CliWords.F("Parse.UnexpectedArgument", token, PathOf(result.CommandResult));
        }
        if (command.Action is null && command.Subcommands.Count > 0)
        {
            return CliWords.F("Parse.NeedsCommand", PathOf(result.CommandResult), Names(command));
        }
        var first = result.Errors[0];
        // A value that is not a number: say which option wants what, not the .NET type it was parsed as.
        if (first.SymbolResult is ArgumentResult { Parent: OptionResult option } argument && NumberOf(option.Option.ValueType) is { } kind)
        {
            return CliWords.F("Parse.NotANumber", option.Option.Name, kind, string.Join(' ', argument.Tokens.Select(t => t.Value)));
        }
        return first.Message;
    }

    private static string? NumberOf(Type type) => (Nullable.GetUnderlyingType(type) ?? type) switch
    {
        var t when t == typeof(int) || t == typeof(long) => CliWords.T("Parse.WholeNumber"),
        var t when t == typeof(double) || t == typeof(decimal) => CliWords.T("Parse.Number"),
        _ => null,
    };

    private static string Names(Command command) =>
        string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name));

    private static string PathOf(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is not null; r = r.Parent)
        {
            if (r is CommandResult c) names.Add(c.Command.Name);
        }
        names.Reverse();
        names[0] = "sigill"; // the root command is named after the executable (sigill.dll, or the script)
        return string.Join(' ', names);
    }
}
