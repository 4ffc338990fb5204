
namespace Sigill.Api.Features.Alerts;

internal static partial class AlertLog
{
    [LoggerMessage(EventId = 5201, Level = LogLevel.Error, Message = "Alert {AlertId} fired: {Rule} {Subject}")]
    public static partial void Fired(ILogger logger, string alertId, string rule, string subject);

    [LoggerMessage(EventId = 5202, Level = LogLevel.Warning, Message = "Alert {AlertId} escalated to the secondary contact: {Rule} {Subject}")]
    public static partial void Escalated(ILogger logger, string alertId, string rule, string subject);

    [LoggerMessage(EventId = 5203, Level = LogLevel.Information, Message = "Alert {AlertId} resolved: {Rule} {Subject}")]
    public static partial void Resolved(ILogger logger, string alertId, string rule, string subject);

    [LoggerMessage(EventId = 5204, Level = LogLevel.Error, Message = "Alert {AlertId}: direct notification failed ({Problem})")]
    public static partial void DirectSendFailed(ILogger logger, string alertId, string problem);

    [LoggerMessage(EventId = 5205, Level = LogLevel.Warning, Message = "Alert evaluation of region {Region} failed ({ErrorType}); retried next period")]
    public static partial void EvaluationFailed(ILogger logger, string region, string errorType);
}
