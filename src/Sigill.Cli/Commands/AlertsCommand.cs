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
        var command = new Command("alerts", "List and acknowledge the alerts of the in-product alert dispatcher");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Ack());
        return command;
    }

    private static Command List()
    {
        var (data, config) = (CommonOptions.Data(), CommonOptions.Config());
        var all = new Option<bool>("--all") { Description = "Also alerts that are acknowledged and resolved (the last 500 per region)" };
        var command = new Command("list", "Open or unacknowledged alerts of every region, newest first") { data, config, all };
        command.SetAction((r, ct) => KeysCommand.WithCellsAsync(r.GetValue(data)!, r.GetValue(config), async cells =>
        {
            var count = 0;
            foreach (var cell in cells.All)
            {
                foreach (var alert in await AlertStore.ListAsync(cell, r.GetValue(all), ct))
                {
                    count++;
                    Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{alert.Id}  {alert.State,-12}  {alert.Rule}  {alert.Subject}  fired {alert.FiredAt:yyyy-MM-dd HH:mm}Z, {alert.Notifications} notice(s){(alert.EscalatedAt is not null ? ", escalated" : "")}{(alert.AcknowledgedBy is { } by ? $", acknowledged by {by}" : "")}"));
                    Console.Out.WriteLine("    " + alert.Summary);
                }
            }
            if (count == 0)
            {
                Console.Out.WriteLine("no alerts");
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Ack()
    {
        var (data, config) = (CommonOptions.Data(), CommonOptions.Config());
        var id = new Argument<string>("ID") { Description = "The alert id (alr_<region>_…), as the notice and `alerts list` show it" };
        var by = new Option<string>("--by") { Description = "Who acknowledges (recorded in the audit log)", DefaultValueFactory = _ => Environment.UserName };
        var command = new Command("ack", "Acknowledge an alert: no more repeats or escalation") { id, data, config, by };
        command.SetAction((r, ct) => KeysCommand.WithCellsAsync(r.GetValue(data)!, r.GetValue(config), async cells =>
        {
            var alertId = r.GetValue(id)!;
            if (!SigillId.TryParse(alertId, "alr", out var region) || !cells.TryGet(region, out var cell))
            {
                return CommonOptions.Fail($"'{alertId}' is not an alert id of a region this installation serves");
            }
            var alert = await AlertStore.AcknowledgeAsync(cell, alertId, r.GetValue(by)!, TimeProvider.System, ct);
            if (alert is null)
            {
                return CommonOptions.Fail($"no alert '{alertId}' in region {region}", ExitCodes.Unexpected);
            }
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{alert.Id}: acknowledged by {alert.AcknowledgedBy} at {alert.AcknowledgedAt:yyyy-MM-dd HH:mm:ss}Z ({alert.Rule} {alert.Subject}, {alert.State})"));
            return ExitCodes.Ok;
        }));
        return command;
    }
}
