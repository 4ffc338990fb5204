using System.CommandLine;
using System.CommandLine.Invocation;
using Sigill.Cli.Commands;

var root = new RootCommand("Sigill: proposals, quotes and contracts — sent, signed, sealed, and verifiable.")
{
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
