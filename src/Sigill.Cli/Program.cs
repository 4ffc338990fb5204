using System.CommandLine;
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
    AuditCommands.Create(),
    BackupCommands.Backup(),
    BackupCommands.Restore(),
    AlertsCommand.Create(),
    BenchCommand.Create(),
    PdfCommand.Create(),
    DemoCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
