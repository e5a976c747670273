using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using TypedTasks.Dashboard.Internal;
using TypedTasks.Dashboard.Tests.Infrastructure;
using TypedTasks.Generated;
using TypedTasks.Integration.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace TypedTasks.Dashboard.Tests;

/// <summary>
/// The pages of tasks due later (<c>/scheduled</c>) and of periodic schedules (<c>/periodic</c>), over a real nats-server
/// with a real worker: what waits shows one row each, linked to its task; the schedules bucket's records show with their
/// next occurrence; names holding <c>&lt;script&gt;</c> are text; a long list pages by stream sequence.
/// </summary>
public sealed partial class ScheduledPagesTests(NatsServer server, Chromium chromium) : IClassFixture<NatsServer>
{
    private const string ScriptName = "dashboard.<script>window.__xss = 'name'</script><b>bold</b>";

    /// <summary>A task whose name holds markup; never run here (due in an hour, or on 29 February).</summary>
    private static readonly TaskDefinition<int> ScriptNamed = new(ScriptName, _ => ValueTask.CompletedTask, TestJson.Default.Int32);

    private static readonly TaskOptions InAnHour = new() { Countdown = TimeSpan.FromHours(1) };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    static ScheduledPagesTests() => SetDefaultExpectTimeout(20_000);

    [Fact]
    public async Task ScheduledAndPeriodic_ShowWhatWaitsAndTheSchedules_AsText()
    {
        await using var worker = await TestApp.StartAsync(server, tasks: b => b.AddHandWrittenTasks());
        await using var dashboard = await DashboardHost.StartAsync(server, worker.Prefix);
        var page = await chromium.NewPageAsync();

        // Nothing waits yet, and no schedules bucket: both pages say so.
        await page.GotoAsync(dashboard.Dashboard + "/scheduled");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Due later");
        await Expect(page.Locator(".empty")).ToContainTextAsync("Nothing is due later");
        await page.GetByRole(AriaRole.Link, new() { Name = "Periodic", Exact = true }).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Periodic schedules");
        await Expect(page.Locator(".empty")).ToContainTextAsync($"the schedules bucket {worker.Prefix.ToUpperInvariant()}_SCHEDULES does not exist");

        var echo = await worker.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(1), InAnHour, Ct);
        var scripted = await worker.Client.EnqueueAsync(ScriptNamed, HandWrittenTasks.Value(2), InAnHour, Ct);

        // The overview's "due later" figure leads to the list.
        await page.GetByRole(AriaRole.Link, new() { Name = "Overview", Exact = true }).ClickAsync();
        await Expect(page.Locator("[data-live='tasks.due']")).ToHaveTextAsync("2");
        await page.Locator("a.card", new() { HasText = "Due later" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(dashboard.Dashboard + "/scheduled");
        var rows = page.Locator("main table tbody tr");
        await Expect(rows).ToHaveCountAsync(2);
        var echoRow = rows.Filter(new() { HasText = echo.Id });
        await Expect(echoRow).ToContainTextAsync("tests.echo");
        await Expect(echoRow).ToContainTextAsync("default");
        await Expect(echoRow).ToContainTextAsync(DateTimeOffset.UtcNow.AddHours(1).UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        await Expect(echoRow).ToContainTextAsync(new Regex(@"\(in (59|60) min\)"));
        var scriptRow = rows.Filter(new() { HasText = scripted.Id });
        await Expect(scriptRow.Locator("td").Nth(1)).ToHaveTextAsync(ScriptName);
        Assert.True(await page.EvaluateAsync<bool>("() => window.__xss === undefined && document.querySelectorAll('main script, main b').length === 0"));
        await DashboardPageTests.ShotAsync(page, "dashboard-scheduled");

        // A row's id leads to its task: PENDING, as nothing has run.
        await echoRow.GetByRole(AriaRole.Link, new() { Name = echo.Id }).ClickAsync();
        await Expect(page).ToHaveURLAsync(dashboard.Dashboard + "/tasks/" + echo.Id);
        await Expect(page.Locator("h1")).ToContainTextAsync("PENDING");

        // A schedule defined through the API: its definition, no occurrence yet, and the next one.
        var schedules = dashboard.Services.GetRequiredService<IPeriodicSchedules>();
        await schedules.SetAsync(PeriodicSchedule.Create(new TaskCall(ScriptNamed, HandWrittenTasks.Value(3)), "0 0 3 29 2 *", name: "dashboard-leap-day"), Ct);
        await page.GetByRole(AriaRole.Link, new() { Name = "Periodic", Exact = true }).ClickAsync();
        var schedule = page.Locator("main table tbody tr", new() { HasText = "dashboard-leap-day" });
        await Expect(schedule).ToHaveCountAsync(1);
        await Expect(schedule.Locator("td").Nth(1)).ToContainTextAsync(ScriptName);
        await Expect(schedule).ToContainTextAsync("cron 0 0 3 29 2 * (UTC)");
        await Expect(schedule).ToContainTextAsync("default");
        await Expect(schedule.Locator("td").Nth(4)).ToHaveTextAsync("never");
        await Expect(schedule.Locator("td").Nth(5)).ToContainTextAsync(NextLeapDay() + " 03:00:00 UTC");
        await Expect(schedule).ToContainTextAsync("api");
        Assert.True(await page.EvaluateAsync<bool>("() => window.__xss === undefined && document.querySelectorAll('main script, main b').length === 0"));
        await DashboardPageTests.ShotAsync(page, "dashboard-periodic");

        // Removed: listed as a tombstone with no next occurrence.
        await schedules.RemoveAsync("dashboard-leap-day", Ct);
        await page.ReloadAsync();
        await Expect(schedule).ToContainTextAsync("removed");
        await Expect(schedule.Locator("td").Nth(5)).ToHaveTextAsync("none: removed");
    }

    [Fact]
    public async Task Scheduled_MoreThanAPage_HasANextLinkToTheRest()
    {
        // No worker: nothing moves the tasks while the pages are read.
        await using var producer = await TestApp.StartAsync(server, worker: false);
        await using var dashboard = await DashboardHost.StartAsync(server, producer.Prefix);
        var sent = new List<string>();
        for (var i = 0; i < DashboardApp.DueLaterPageSize + 5; i++)
        {
            sent.Add((await producer.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(i), InAnHour, Ct)).Id);
        }

        using var http = new HttpClient();
        var first = await http.GetStringAsync(dashboard.Dashboard + "/scheduled", Ct);
        Assert.Contains($"{sent.Count} tasks due later", first, StringComparison.Ordinal);
        var firstIds = TaskIds(first);
        Assert.Equal(sent.Take(DashboardApp.DueLaterPageSize), firstIds);
        var next = NextLink().Match(first);
        Assert.True(next.Success, "no next-page link on a full page");

        var second = await http.GetStringAsync(dashboard.Address + WebUtility.HtmlDecode(next.Groups[1].Value), Ct);
        Assert.Equal(sent.Skip(DashboardApp.DueLaterPageSize), TaskIds(second));
        Assert.False(NextLink().IsMatch(second), "a next-page link after the last page");
        Assert.Contains(">First page<", second, StringComparison.Ordinal);

        // Past the end: says so, no error.
        var past = await http.GetStringAsync(dashboard.Dashboard + "/scheduled?from=100000", Ct);
        Assert.Contains("No tasks due later from this sequence on.", past, StringComparison.Ordinal);
    }

    private static List<string> TaskIds(string html)
        => TaskLink().Matches(html).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).ToList();

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

    [GeneratedRegex("<a href=\"/tasks/tasks/([^\"]+)\">")]
    private static partial Regex TaskLink();

    [GeneratedRegex("<a href=\"(/tasks/scheduled\\?from=[0-9]+)\">Next page</a>")]
    private static partial Regex NextLink();
}
