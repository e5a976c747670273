using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using TypedTasks.Client;
using TypedTasks.Dashboard.Internal;
using TypedTasks.Dashboard.Tests.Infrastructure;
using TypedTasks.Integration.Tests.Infrastructure;
using TypedTasks.Protocol;
using TypedTasks.Topology;
using static Microsoft.Playwright.Assertions;

namespace TypedTasks.Dashboard.Tests;

/// <summary>
/// The actions on what waits, in a real browser over a real nats-server and worker: a periodic schedule run now (its
/// task runs, its next occurrence stays) and removed (a schedule the code declares comes back when a worker with that
/// code starts, as the page warns); a task due later cancelled (REVOKED, never run) and another run now; none of it
/// offered to, or allowed for, a read-only user.
/// </summary>
public sealed partial class ScheduleActionTests(NatsServer server, Chromium chromium) : IClassFixture<NatsServer>
{
    private const string LeapDay = "0 0 3 29 2 *";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Due in an hour: never moved by the worker while the test runs.</summary>
    private static readonly TaskOptions InAnHour = new() { Countdown = TimeSpan.FromHours(1) };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    static ScheduleActionTests() => SetDefaultExpectTimeout(20_000);

    [Fact]
    public async Task PeriodicSchedule_RunNow_RunsItsTaskAndKeepsTheNextOccurrence_ThenRemoveStopsIt()
    {
        await using var worker = await TestApp.StartAsync(server);
        var log = new CapturedLog();
        await using var dashboard = await DashboardHost.StartAsync(server, worker.Prefix, configureServices: b => b.Logging.AddProvider(log));
        var schedules = dashboard.Services.GetRequiredService<IPeriodicSchedules>();
        await schedules.SetAsync(PeriodicSchedule.Create(new TaskCall(HandWrittenTasks.Echo, HandWrittenTasks.Value(21)), LeapDay, name: "dash-leap-day"), Ct);
        var page = await chromium.NewPageAsync();

        await page.GotoAsync(dashboard.Dashboard + "/periodic");
        // What removing a schedule the code declares does, said on the page.
        await Expect(page.Locator("main")).ToContainTextAsync(DashboardApp.CodeScheduleNote);
        var row = page.Locator("main table tbody tr", new() { HasText = "dash-leap-day" });
        await row.GetByRole(AriaRole.Link, new() { Name = "Run now" }).ClickAsync();

        await Expect(page.Locator("h1")).ToHaveTextAsync("Run schedule dash-leap-day now?");
        await Expect(page.Locator("main")).ToContainTextAsync("The schedule itself is not touched: its last and next occurrence stay as they are.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, run it now" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("^" + Regex.Escape(dashboard.Dashboard + "/periodic?done=")));
        var outcome = page.Locator(".outcome.ok");
        await Expect(outcome).ToContainTextAsync("Sent schedule dash-leap-day's task tests.echo to queue default now, as task ");
        var id = SentTask().Match(await outcome.TextContentAsync() ?? string.Empty).Groups[1].Value;
        Assert.Equal(42, await worker.Client.GetHandle(HandWrittenTasks.Echo, id).GetAsync(Timeout, Ct));
        // The schedule is as it was: no occurrence recorded, the same next one.
        await Expect(row.Locator("td").Nth(4)).ToHaveTextAsync("never");
        await Expect(row.Locator("td").Nth(5)).ToContainTextAsync(NextLeapDay() + " 03:00:00 UTC");
        var connection = dashboard.Services.GetRequiredService<TypedTasksConnection>();
        Assert.Null((await DeploymentActions.ReadScheduleAsync(connection, "dash-leap-day", Ct))!.LastOccurrence);

        await row.GetByRole(AriaRole.Link, new() { Name = "Remove" }).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Remove schedule dash-leap-day?");
        // Defined through the API: no code brings it back, so no warning.
        await Expect(page.Locator("main p.error")).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, remove it" }).ClickAsync();

        await Expect(page.Locator(".outcome.ok")).ToHaveTextAsync("Removed schedule dash-leap-day: no worker sends it any more.");
        await Expect(row).ToContainTextAsync("removed");
        await Expect(row.GetByRole(AriaRole.Link)).ToHaveCountAsync(0);
        Assert.True((await DeploymentActions.ReadScheduleAsync(connection, "dash-leap-day", Ct))!.Removed);
        Assert.Contains(log.Lines, l => l.StartsWith("400 Information", StringComparison.Ordinal) && l.Contains("anonymous (local development)", StringComparison.Ordinal)
            && l.Contains("run-schedule schedule dash-leap-day: sent as task " + id, StringComparison.Ordinal));
        Assert.Contains(log.Lines, l => l.StartsWith("400 Information", StringComparison.Ordinal) && l.Contains("remove-schedule schedule dash-leap-day: removed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PeriodicSchedule_TheCodeDeclares_RemovedWithAWarning_ComesBackWhenAWorkerWithThatCodeStarts()
    {
        var prefix = TestApp.NewPrefix();
        Action<TypedTasksBuilder> code = b => b.AddHandWrittenTasks().AddPeriodic(new TaskCall(HandWrittenTasks.Echo, HandWrittenTasks.Value(3)), LeapDay, name: "dash-code");
        await using var dashboard = await DashboardHost.StartAsync(server, prefix);
        var connection = dashboard.Services.GetRequiredService<TypedTasksConnection>();
        var page = await chromium.NewPageAsync();
        await using (var worker = await TestApp.StartAsync(server, prefix: prefix, tasks: code))
        {
            await WaitForScheduleAsync(connection, "dash-code", r => !r.Removed);
            await page.GotoAsync(dashboard.Dashboard + "/periodic");
            await page.Locator("main table tbody tr", new() { HasText = "dash-code" }).GetByRole(AriaRole.Link, new() { Name = "Remove" }).ClickAsync();

            await Expect(page.Locator("h1")).ToHaveTextAsync("Remove schedule dash-code?");
            await Expect(page.Locator("main p.error")).ToHaveTextAsync(DashboardApp.CodeScheduleNote);
            await page.GetByRole(AriaRole.Button, new() { Name = "Yes, remove it" }).ClickAsync();
            await Expect(page.Locator(".outcome.ok")).ToHaveTextAsync("Removed schedule dash-code: no worker sends it any more. " + DashboardApp.CodeScheduleNote);
            await Expect(page.Locator("main table tbody tr", new() { HasText = "dash-code" })).ToContainTextAsync("removed");
        }

        // As the page said: a worker with that code writes its definition back.
        await using var again = await TestApp.StartAsync(server, prefix: prefix, tasks: code);
        var back = await WaitForScheduleAsync(connection, "dash-code", r => !r.Removed);
        Assert.Equal(ScheduleRecord.FromCode, back.Source);
        await page.GotoAsync(dashboard.Dashboard + "/periodic");
        var row = page.Locator("main table tbody tr", new() { HasText = "dash-code" });
        await Expect(row).Not.ToContainTextAsync("removed");
        await Expect(row.GetByRole(AriaRole.Link, new() { Name = "Run now" })).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task DueLater_CancelOneAndRunAnotherNow_FromTheirRows()
    {
        await using var worker = await TestApp.StartAsync(server);
        var cancelled = await worker.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(1), InAnHour, Ct);
        var runNow = await worker.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(2), InAnHour, Ct);
        var log = new CapturedLog();
        await using var dashboard = await DashboardHost.StartAsync(server, worker.Prefix, configureServices: b => b.Logging.AddProvider(log));
        var page = await chromium.NewPageAsync();

        await page.GotoAsync(dashboard.Dashboard + "/scheduled");
        var rows = page.Locator("main table tbody tr");
        await Expect(rows).ToHaveCountAsync(2);
        await rows.Filter(new() { HasText = cancelled.Id }).GetByRole(AriaRole.Link, new() { Name = "Cancel" }).ClickAsync();

        await Expect(page.Locator("h1")).ToHaveTextAsync($"Cancel task {cancelled.Id}?");
        await Expect(page.Locator("dl.fields")).ToContainTextAsync("Tasktests.echo");
        await Expect(page.Locator("main")).ToContainTextAsync("This cannot be undone.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, cancel it" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("^" + Regex.Escape(dashboard.Dashboard + "/scheduled?done=")));
        await Expect(page.Locator(".outcome.ok")).ToHaveTextAsync($"Cancelled task {cancelled.Id} (tests.echo): removed from the tasks due later, and revoked.");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.Filter(new() { HasText = cancelled.Id })).ToHaveCountAsync(0);
        await Assert.ThrowsAsync<TaskRevokedException>(() => cancelled.GetAsync(Timeout, Ct));

        await rows.Filter(new() { HasText = runNow.Id }).GetByRole(AriaRole.Link, new() { Name = "Run now" }).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync($"Run task {runNow.Id} now?");
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, run it now" }).ClickAsync();

        await Expect(page.Locator(".outcome.ok")).ToHaveTextAsync($"Moved task {runNow.Id} (tests.echo) to queue default: it runs now instead of when it was due.");
        // Due in an hour, done now.
        Assert.Equal(4, await runNow.GetAsync(Timeout, Ct));
        await page.GotoAsync(dashboard.Dashboard + "/scheduled");
        await Expect(page.Locator(".empty")).ToContainTextAsync("Nothing is due later");

        Assert.Contains(log.Lines, l => l.StartsWith("400 Information", StringComparison.Ordinal) && l.Contains("cancel-due", StringComparison.Ordinal)
            && l.Contains($"(task {cancelled.Id}): cancelled", StringComparison.Ordinal));
        Assert.Contains(log.Lines, l => l.StartsWith("400 Information", StringComparison.Ordinal) && l.Contains("run-due", StringComparison.Ordinal)
            && l.Contains($"(task {runNow.Id}): sent to queue default", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReadOnlyUser_GetsNoScheduleOrDueLaterAction_AndForbidden_WhileAnOperatorCancels()
    {
        await using var worker = await TestApp.StartAsync(server);
        var waiting = await worker.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(1), InAnHour, Ct);
        var log = new CapturedLog();
        await using var dashboard = await DashboardHost.StartWithRolesAsync(server, worker.Prefix, log);
        await dashboard.Services.GetRequiredService<IPeriodicSchedules>().SetAsync(PeriodicSchedule.Create(new TaskCall(HandWrittenTasks.Echo, HandWrittenTasks.Value(2)), LeapDay, name: "dash-roles"), Ct);
        var connection = dashboard.Services.GetRequiredService<TypedTasksConnection>();
        var sequence = (await DeploymentQueries.ReadDueLaterAsync(connection, 1, 10, Ct)).Tasks.Single(t => t.TaskId == waiting.Id).Sequence;
        var monitor = await chromium.NewPageAsync(new Dictionary<string, string> { ["X-Test-User"] = "ada", ["X-Test-Role"] = "monitor" });

        await monitor.GotoAsync(dashboard.Dashboard + "/scheduled");
        await Expect(monitor.Locator("main table tbody tr", new() { HasText = waiting.Id })).ToHaveCountAsync(1);
        await Expect(monitor.Locator("a.action")).ToHaveCountAsync(0);
        await monitor.GotoAsync(dashboard.Dashboard + "/periodic");
        await Expect(monitor.Locator("main table tbody tr", new() { HasText = "dash-roles" })).ToHaveCountAsync(1);
        await Expect(monitor.Locator("a.action")).ToHaveCountAsync(0);

        foreach (var (action, field) in new[] { ("cancel-due", "seq=" + sequence), ("run-due", "seq=" + sequence), ("run-schedule", "name=dash-roles"), ("remove-schedule", "name=dash-roles") })
        {
            Assert.Equal(403, (await monitor.APIRequest.GetAsync(dashboard.Dashboard + "/actions/" + action + "?" + field)).Status);
            var forged = await monitor.APIRequest.PostAsync(dashboard.Dashboard + "/actions/" + action, new()
            {
                Headers = new Dictionary<string, string> { ["Content-Type"] = "application/x-www-form-urlencoded" },
                DataString = field,
            });
            Assert.Equal(403, forged.Status);
            Assert.Contains(log.Lines, l => l.StartsWith("401 Warning", StringComparison.Ordinal) && l.Contains("ada", StringComparison.Ordinal) && l.Contains(action, StringComparison.Ordinal));
        }

        // Nothing moved: the task still waits, the schedule is still there.
        Assert.Contains((await DeploymentQueries.ReadDueLaterAsync(connection, 1, 10, Ct)).Tasks, t => t.TaskId == waiting.Id);
        Assert.False((await DeploymentActions.ReadScheduleAsync(connection, "dash-roles", Ct))!.Removed);
        Assert.Equal(TaskState.Pending, await waiting.GetStatusAsync(Ct));

        // An operator sees the actions and cancels.
        var grace = await chromium.NewPageAsync(new Dictionary<string, string> { ["X-Test-User"] = "grace", ["X-Test-Role"] = "operator" });
        await grace.GotoAsync(dashboard.Dashboard + "/periodic");
        await Expect(grace.Locator("main table tbody tr", new() { HasText = "dash-roles" }).Locator("a.action")).ToHaveCountAsync(2);
        await grace.GotoAsync(dashboard.Dashboard + "/scheduled");
        await grace.Locator("main table tbody tr", new() { HasText = waiting.Id }).GetByRole(AriaRole.Link, new() { Name = "Cancel" }).ClickAsync();
        await grace.GetByRole(AriaRole.Button, new() { Name = "Yes, cancel it" }).ClickAsync();
        await Expect(grace.Locator(".outcome.ok")).ToContainTextAsync($"Cancelled task {waiting.Id}");
        await Assert.ThrowsAsync<TaskRevokedException>(() => waiting.GetAsync(Timeout, Ct));
        Assert.Contains(log.Lines, l => l.StartsWith("400 Information", StringComparison.Ordinal) && l.Contains("grace", StringComparison.Ordinal) && l.Contains("cancel-due", StringComparison.Ordinal));
    }

    /// <summary>Waits until the schedule's record satisfies <paramref name="condition"/> (a worker writes it as it starts).</summary>
    private static async Task<ScheduleRecord> WaitForScheduleAsync(TypedTasksConnection connection, string name, Func<ScheduleRecord, bool> condition)
    {
        var deadline = DateTimeOffset.UtcNow + Timeout;
        while (true)
        {
            if (await DeploymentActions.ReadScheduleAsync(connection, name, Ct) is { } record && condition(record))
            {
                return record;
            }

            Assert.True(DateTimeOffset.UtcNow < deadline, $"schedule {name} not as expected within {Timeout}");
            await Task.Delay(100, Ct);
        }
    }

    private static string NextLeapDay()
    {
        var now = DateTimeOffset.UtcNow;
        for (var year = now.Year; ; year++)
        {
            if (DateTime.IsLeapYear(year) && new DateTimeOffset(year, 2, 29, 3, 0, 0, TimeSpan.Zero) > now)
            {
                return $"{year}-02-29";
            }
        }
    }

    [GeneratedRegex("as task ([0-9a-zA-Z_-]+)\\.")]
    private static partial Regex SentTask();
}
