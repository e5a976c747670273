using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Client;
using TypedTasks.Dashboard.Tests.Infrastructure;
using TypedTasks.Integration.Tests.Infrastructure;
using TypedTasks.Topology;

namespace TypedTasks.Dashboard.Tests;

/// <summary>
/// The roles of docs/security/nats-server.conf: a dashboard connected as the operator role cancels a task due later, runs
/// another now and runs a periodic schedule now, with no right beyond those the file gives.
/// </summary>
public sealed partial class ScheduleActionRoleTests(SecuredServer nats) : IClassFixture<SecuredServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Operator_CancelsATaskDueLater_RunsAnotherNow_AndRunsAScheduleNow()
    {
        await using var worker = await nats.StartAsWorkerAsync(tasks: b => b.AddTask(HandWrittenTasks.Echo));
        var inAnHour = new TaskOptions { Countdown = TimeSpan.FromHours(1) };
        var cancelled = await worker.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(1), inAnHour, Ct);
        var runNow = await worker.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(2), inAnHour, Ct);
        await worker.Host.Services.GetRequiredService<IPeriodicSchedules>()
            .SetAsync(PeriodicSchedule.Create(new TaskCall(HandWrittenTasks.Echo, HandWrittenTasks.Value(21)), "0 0 3 29 2 *", name: "roles-leap-day"), Ct);
        await using var dashboard = await nats.DashboardAsAsync("operator");
        // Read as the operator (the worker role may not read single messages of TT_DELAYED, used on nats-server 2.12+).
        var due = (await DeploymentQueries.ReadDueLaterAsync(dashboard.Services.GetRequiredService<TypedTasksConnection>(), 1, 10, Ct)).Tasks;
        var cancelSeq = due.Single(t => t.TaskId == cancelled.Id).Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var runSeq = due.Single(t => t.TaskId == runNow.Id).Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);

        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
        using var client = new HttpClient(handler);

        var cancelOutcome = await ActAsync(client, dashboard, "cancel-due", "seq", cancelSeq);
        Assert.Contains($"Cancelled task {cancelled.Id} (tests.echo): removed from the tasks due later, and revoked.", cancelOutcome, StringComparison.Ordinal);
        await Assert.ThrowsAsync<TaskRevokedException>(() => cancelled.GetAsync(Timeout, Ct));

        var runOutcome = await ActAsync(client, dashboard, "run-due", "seq", runSeq);
        Assert.Contains($"Moved task {runNow.Id} (tests.echo) to queue default", runOutcome, StringComparison.Ordinal);
        Assert.Equal(4, await runNow.GetAsync(Timeout, Ct));

        var scheduleOutcome = await ActAsync(client, dashboard, "run-schedule", "name", "roles-leap-day");
        var sent = SentTask().Match(scheduleOutcome);
        Assert.True(sent.Success, scheduleOutcome);
        Assert.Equal(42, await worker.Client.GetHandle(HandWrittenTasks.Echo, sent.Groups[1].Value).GetAsync(Timeout, Ct));
    }

    /// <summary>Opens the action's confirmation page, posts its form (its fields and the antiforgery token) and returns the page the redirect leads to.</summary>
    private static async Task<string> ActAsync(HttpClient client, DashboardHost dashboard, string action, string name, string value)
    {
        var confirm = await client.GetStringAsync(dashboard.Dashboard + "/actions/" + action + "?" + name + "=" + Uri.EscapeDataString(value), Ct);
        var fields = HiddenField().Matches(confirm).ToDictionary(m => m.Groups["name"].Value, m => WebUtility.HtmlDecode(m.Groups["value"].Value));
        Assert.Equal(value, fields[name]);
        using var form = new FormUrlEncodedContent(fields);
        var posted = await client.PostAsync(dashboard.Dashboard + "/actions/" + action, form, Ct);
        Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);
        return WebUtility.HtmlDecode(await client.GetStringAsync(new Uri(new Uri(dashboard.Address), posted.Headers.Location!), Ct));
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"(?<name>[^\"]+)\" value=\"(?<value>[^\"]*)\">")]
    private static partial Regex HiddenField();

    [GeneratedRegex("as task ([0-9a-zA-Z_-]+)\\.")]
    private static partial Regex SentTask();
}
