using Microsoft.Extensions.Logging;

namespace TypedTasks.Dashboard.Internal;

/// <summary>The dashboard's log lines (category <c>TypedTasks.Dashboard</c>); event ids 400–409 are the actions'.</summary>
internal static partial class Log
{
    [LoggerMessage(400, LogLevel.Information, "Dashboard action by {User}: {Action} {Target}: {Outcome}")]
    public static partial void ActionDone(ILogger logger, string user, string action, string target, string outcome);

    [LoggerMessage(401, LogLevel.Warning, "Dashboard action by {User} refused: {Action} needs the operator policy, which the user does not satisfy")]
    public static partial void ActionForbidden(ILogger logger, string user, string action);

    [LoggerMessage(402, LogLevel.Warning, "Dashboard action by {User} refused: {Action} came without a valid antiforgery token")]
    public static partial void ActionWithoutToken(ILogger logger, string user, string action);

    [LoggerMessage(403, LogLevel.Warning, "Dashboard action by {User} failed: {Action} {Target}")]
    public static partial void ActionFailed(ILogger logger, Exception exception, string user, string action, string target);
}
