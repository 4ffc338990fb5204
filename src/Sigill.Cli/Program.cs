using System.CommandLine;
using System.Globalization;
using System.CommandLine.Invocation;
using Sigill.Cli;
using Sigill.Cli.Commands;

// ICU is on (rendered text is formatted per language, with an explicit culture), but the process itself stays in the
// invariant culture whatever the host's LANG says, so an interpolated number or date in a log line, an audit detail or
// an API value reads the same on every host (docs/translations.md).
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.DefaultThreadCurrentUICulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;

// The operator's language for the words printed (not for anything a script reads): chosen before the commands are
// made, since their help text is in it (CliWords.Choose: --language, SIGILL_LANGUAGE, the POSIX locale, English).
CliWords.Use(CliWords.Choose(args, Environment.GetEnvironmentVariable));

var root = new RootCommand(CliWords.T("Root.Description"))
{
    CommonOptions.Language(),
    ServeCommand.Create(),
    TierCommands.Api(),
    TierCommands.Web(),
    TierCommands.Migrate(),
    KeysCommand.Create(),
    OperatorsCommand.Create(),
    ResidencyCommand.Create(),
    DoctorCommand.Create(),
    AuditCommands.Create(),
    BackupCommands.Backup(),
    BackupCommands.Restore(),
    AlertsCommand.Create(),
    ComplianceCommand.Create(),
    PrivacyCommand.Create(),
    BenchCommand.Create(),
    PdfCommand.Create(),
    PkiCommand.Create(),
    DemoCommand.Create(),
};
var parsed = root.Parse(args);
// A mistyped command line gets one line and a pointer to --help (ParseErrors), not the help page and every error.
return parsed.Action is ParseErrorAction ? ParseErrors.Report(parsed, Console.Error) : await parsed.InvokeAsync();
