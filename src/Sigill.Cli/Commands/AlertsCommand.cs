using System.CommandLine;
using System.Globalization;
using Sigill.Api.Features.Alerts;
using Sigill.Api.Platform.Cells;

namespace Sigill.Cli.Commands;

/// <summary>
/// <c>sigill alerts list [--all]</c> and <c>sigill alerts ack ID [--by NAME]</c>: the on-call engineer's view of the
/// in-product alert dispatcher's alerts (docs/adr/0008-alerts-and-several-api-nodes.md). Acknowledging stops the repeats and the
/// escalation; it is recorded in the cell's audit log. Exit codes: 0 done, 1 no such alert, 2 bad input, 3 a cell unreachable.
/// </summary>
internal static class AlertsCommand
{
    public static Command Create()
    {
        var command = new Command("alerts", CliWords.T("Command.alerts"));
        command.Subcommands.Add(List());
        command.Subcommands.Add(Ack());
        return command;
    }

    private static Command List()
    {
        var (data, config) = (CommonOptions.Data(), CommonOptions.Config());
        var all = new Option<bool>("--all") { Description = CliWords.T("Option.alerts.list.all") };
        var command = new Command("list", CliWords.T("Command.alerts.list")) { data, config, all };
        command.SetAction((r, ct) => KeysCommand.WithCellsAsync(r.GetValue(data)!, r.GetValue(config), async cells =>
        {
            var count = 0;
            foreach (var cell in cells.All)
            {
                foreach (var alert in await AlertStore.ListAsync(cell, r.GetValue(all), ct))
                {
                    count++;
                    // Id, state, rule and subject are the columns a script reads; the rest is in the operator's language.
                    Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{alert.Id}  {alert.State,-12}  {alert.Rule}  {alert.Subject}  ")
                        + CliWords.F("Alerts.Fired", alert.FiredAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), alert.Notifications)
                        + (alert.EscalatedAt is not null ? CliWords.T("Alerts.Escalated") : "")
                        + (alert.AcknowledgedBy is { } by ? CliWords.F("Alerts.AcknowledgedBy", by) : ""));
                    Console.Out.WriteLine("    " + alert.Summary);
                }
            }
            if (count == 0)
            {
                Console.Out.WriteLine(CliWords.T("Alerts.None"));
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Ack()
    {
        var (data, config) = (CommonOptions.Data(), CommonOptions.Config());
        var id = new Argument<string>("ID") { Description = CliWords.T("Argument.alerts.ack.id") };
        var by = new Option<string>("--by") { Description = CliWords.T("Option.alerts.ack.by"), DefaultValueFactory = _ => Environment.UserName };
        var command = new Command("ack", CliWords.T("Command.alerts.ack")) { id, data, config, by };
        command.SetAction((r, ct) => KeysCommand.WithCellsAsync(r.GetValue(data)!, r.GetValue(config), async cells =>
        {
            var alertId = r.GetValue(id)!;
            if (!SigillId.TryParse(alertId, "alr", out var region) || !cells.TryGet(region, out var cell))
            {
                return CommonOptions.Fail(CliWords.F("Alerts.NotAnAlert", alertId));
            }
            var alert = await AlertStore.AcknowledgeAsync(cell, alertId, r.GetValue(by)!, TimeProvider.System, ct);
            if (alert is null)
            {
                return CommonOptions.Fail(CliWords.F("Alerts.NoAlert", alertId, region), ExitCodes.Unexpected);
            }
            Console.Out.WriteLine(CliWords.F("Alerts.Acknowledged", alert.Id, alert.AcknowledgedBy,
                string.Create(CultureInfo.InvariantCulture, $"{alert.AcknowledgedAt:yyyy-MM-dd HH:mm:ss}"), alert.Rule, alert.Subject, alert.State));
            return ExitCodes.Ok;
        }));
        return command;
    }
}
