using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Cli;
using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Integration.Tests;

/// <summary>
/// <c>tt</c> on what waits and on the dead letters, in-process against a real nats-server and a running app: a periodic
/// schedule run now and removed, tasks due later listed a page at a time, cancelled and run now (the schedule stream on
/// nats-server 2.9, the server's scheduled delivery on 2.12+), dead letters paged through the dashboard's query, and
/// <c>tt queues --watch</c>.
/// </summary>
public sealed partial class CliActionTests(NatsServer server) : IClassFixture<NatsServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Due in an hour: never moved by the worker while the test runs.</summary>
    private static readonly TaskOptions InAnHour = new() { Countdown = TimeSpan.FromHours(1) };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SchedulesRun_SendsTheTaskOnceAndLeavesTheSchedule_AndRemoveStopsIt()
    {
        await using var app = await TestApp.StartAsync(server);
        var schedules = app.Host.Services.GetRequiredService<IPeriodicSchedules>();
        // Due on 29 February at 03:00 only: never while the test runs.
        await schedules.SetAsync(PeriodicSchedule.Create(new TaskCall(HandWrittenTasks.Echo, HandWrittenTasks.Value(21)), "0 0 3 29 2 *", name: "cli-leap-day"), Ct);
        var (_, before, _) = await TtAsync(app, "--json", "schedules");

        var (code, ran, _) = await TtAsync(app, "schedules", "run", "cli-leap-day");
        var id = SentTask().Match(ran).Groups[1].Value;
        var (_, after, _) = await TtAsync(app, "--json", "schedules");
        var (refused, _, why) = await TtAsync(app, "schedules", "remove", "cli-leap-day");
        var (removeCode, removed, _) = await TtAsync(app, "schedules", "remove", "cli-leap-day", "--yes");
        var (removedRun, notRun, _) = await TtAsync(app, "schedules", "run", "cli-leap-day");
        var (unknownRun, unknown, _) = await TtAsync(app, "schedules", "run", "no-such-schedule");

        Assert.Equal(0, code);
        Assert.Contains("its next occurrence is unchanged", ran, StringComparison.Ordinal);
        Assert.Equal(42, await app.Client.GetHandle(HandWrittenTasks.Echo, id).GetAsync(Timeout, Ct));
        // The record is not touched: no occurrence recorded, the same next one.
        using (var was = JsonDocument.Parse(before))
        using (var now = JsonDocument.Parse(after))
        {
            var entry = Assert.Single(now.RootElement.EnumerateArray());
            Assert.False(entry.GetProperty("schedule").TryGetProperty("lastOccurrence", out _));
            Assert.Equal(Assert.Single(was.RootElement.EnumerateArray()).GetProperty("next").GetDateTimeOffset(), entry.GetProperty("next").GetDateTimeOffset());
        }

        Assert.Equal(2, refused);
        Assert.Contains("--yes", why, StringComparison.Ordinal);
        Assert.Equal(0, removeCode);
        Assert.Contains("removed schedule 'cli-leap-day'", removed, StringComparison.Ordinal);
        Assert.Equal(1, removedRun);
        Assert.Contains("schedule 'cli-leap-day' is removed: not run", notRun, StringComparison.Ordinal);
        Assert.Equal(1, unknownRun);
        Assert.Contains("no schedule 'no-such-schedule'", unknown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scheduled_ListsTasksDueLaterAPageAtATime_AndCancelsOneAndRunsAnotherNow()
    {
        await using var app = await TestApp.StartAsync(server);
        var cancelled = await app.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(1), InAnHour, Ct);
        var runNow = await app.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(2), InAnHour, Ct);

        var (listCode, list, _) = await TtAsync(app, "scheduled");
        var cancelSeq = SequenceOf(list, cancelled.Id);
        var runSeq = SequenceOf(list, runNow.Id);
        var (_, firstPage, _) = await TtAsync(app, "scheduled", "--limit", "1");
        var (_, json, _) = await TtAsync(app, "--json", "scheduled", "--from", runSeq);

        Assert.Equal(0, listCode);
        // TT_SCHEDULED on nats-server 2.9; TT_DELAYED (the server's scheduled delivery) on 2.12+.
        var waitingStream = app.Host.Services.GetRequiredService<Topology.TypedTasksConnection>().WaitingStream;
        Assert.Contains($"2 of 2 due later in {waitingStream} (", list, StringComparison.Ordinal);
        Assert.DoesNotContain("next page", list, StringComparison.Ordinal);
        Assert.Contains(cancelled.Id, firstPage, StringComparison.Ordinal);
        Assert.DoesNotContain(runNow.Id, firstPage, StringComparison.Ordinal);
        Assert.Contains($"next page: tt scheduled --from {runSeq} --limit 1", firstPage, StringComparison.Ordinal);
        using (var page = JsonDocument.Parse(json))
        {
            var task = Assert.Single(page.RootElement.GetProperty("tasks").EnumerateArray());
            Assert.Equal(runNow.Id, task.GetProperty("taskId").GetString());
            Assert.Equal("tests.echo", task.GetProperty("taskName").GetString());
            Assert.Equal("default", task.GetProperty("queue").GetString());
        }

        var (refused, _, why) = await TtAsync(app, "scheduled", "cancel", cancelSeq);
        var (cancelCode, cancelOutput, _) = await TtAsync(app, "scheduled", "cancel", cancelSeq, "--yes");
        var (_, status, _) = await TtAsync(app, "status", cancelled.Id);
        var (runCode, runOutput, _) = await TtAsync(app, "scheduled", "run", runSeq);

        Assert.Equal(2, refused);
        Assert.Contains("--yes", why, StringComparison.Ordinal);
        Assert.Equal(0, cancelCode);
        Assert.Contains($"cancelled task {cancelled.Id} (tests.echo)", cancelOutput, StringComparison.Ordinal);
        Assert.Contains($"{cancelled.Id}: REVOKED", status, StringComparison.Ordinal);
        await Assert.ThrowsAsync<TaskRevokedException>(() => cancelled.GetAsync(Timeout, Ct));
        Assert.Equal(0, runCode);
        Assert.Contains($"moved task {runNow.Id} (tests.echo) to queue 'default'", runOutput, StringComparison.Ordinal);
        // Due in an hour, done now.
        Assert.Equal(4, await runNow.GetAsync(Timeout, Ct));

        var (_, empty, _) = await TtAsync(app, "scheduled");
        var (gone, goneOutput, _) = await TtAsync(app, "scheduled", "run", cancelSeq);
        Assert.Contains("nothing is due later", empty, StringComparison.Ordinal);
        Assert.Equal(1, gone);
        Assert.Contains($"nothing waits at sequence {cancelSeq}", goneOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeadList_PagesThroughTheSharedQuery_WithWhereTheNextPageStarts()
    {
        await using var app = await TestApp.StartAsync(server);
        var handles = new List<TaskHandle<int>>();
        for (var i = 0; i < 3; i++)
        {
            handles.Add(await app.Client.EnqueueAsync(HandWrittenTasks.NotRegistered, HandWrittenTasks.Value(i), cancellationToken: Ct));
        }

        foreach (var handle in handles)
        {
            await Assert.ThrowsAsync<TaskFailedException>(() => handle.GetAsync(Timeout, Ct));
        }

        var (code, first, _) = await TtAsync(app, "dead", "list", "--limit", "2");
        var next = NextPage().Match(first);
        Assert.True(next.Success, first);
        var (_, second, _) = await TtAsync(app, "dead", "list", "--from", next.Groups[1].Value, "--limit", "2");
        var (_, ofQueue, _) = await TtAsync(app, "dead", "list", "--queue", "default", "--limit", "2");
        var (_, json, _) = await TtAsync(app, "--json", "dead", "list", "--limit", "2");
        var (badLimit, _, limitWhy) = await TtAsync(app, "dead", "list", "--limit", "0");

        Assert.Equal(0, code);
        Assert.Contains("2 of 3 dead letters", first, StringComparison.Ordinal);
        Assert.Equal($"tt dead list --from {next.Groups[1].Value} --limit 2", next.Value["next page: ".Length..]);
        Assert.Contains("1 of 3 dead letters", second, StringComparison.Ordinal);
        Assert.DoesNotContain("next page", second, StringComparison.Ordinal);
        // Each dead letter on exactly one of the two pages.
        Assert.All(handles, h => Assert.True(first.Contains(h.Id, StringComparison.Ordinal) ^ second.Contains(h.Id, StringComparison.Ordinal), h.Id));
        Assert.Contains($"next page: tt dead list --queue default --from {next.Groups[1].Value} --limit 2", ofQueue, StringComparison.Ordinal);
        using (var page = JsonDocument.Parse(json))
        {
            Assert.Equal(3, page.RootElement.GetProperty("total").GetInt64());
            Assert.Equal(ulong.Parse(next.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), page.RootElement.GetProperty("next").GetUInt64());
            Assert.Equal(2, page.RootElement.GetProperty("letters").GetArrayLength());
        }

        Assert.Equal(2, badLimit);
        Assert.Contains("--limit 0 is out of range", limitWhy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueuesWatch_ReprintsTheTableWithInAndOutRates_UntilCancelled()
    {
        await using var app = await TestApp.StartAsync(server);
        // One task run: queue default has its consumer, so its rates are known from the second reading on.
        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(1), cancellationToken: Ct);
        await handle.GetAsync(Timeout, Ct);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var output = new WatchedWriter();
        static bool IsDefaultRow(string line) => line.StartsWith("default ", StringComparison.Ordinal);

        // Without a value: every 2 s.
        var watching = TtCommand.RunAsync(["--url", server.Url, "--prefix", app.Prefix, "queues", "--watch"], output, TextWriter.Null, stop.Token);
        await output.WhenLines(IsDefaultRow, count: 2).WaitAsync(Timeout, Ct);
        await stop.CancelAsync();

        Assert.Equal(0, await watching.WaitAsync(Timeout, Ct));
        var rows = output.Lines(IsDefaultRow);
        // The first reading has no rates yet; the second has them, over about the interval.
        Assert.Matches(@"^default\s+\d+\s+\d+\s+\d+\s+\d+\s+-\s+-\s", rows[0]);
        Assert.Matches(@"^default\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+\.\d\s+\d+\.\d\s", rows[1]);
        Assert.Contains("IN/S", output.ToString(), StringComparison.Ordinal);
        Assert.Matches(@"in/out per second over the last \d+\.\d s", output.ToString());

        var (belowFloor, _, why) = await TtAsync(app, "queues", "--watch", "0.2");
        Assert.Equal(2, belowFloor);
        Assert.Contains("'0.2' is not an interval of at least 1s", why, StringComparison.Ordinal);
    }

    private Task<(int Code, string Output, string Error)> TtAsync(TestApp app, params string[] args) => TtAsync(server.Url, app.Prefix, args);

    private static Task<(int Code, string Output, string Error)> TtAsync(string url, string prefix, params string[] args)
        => Tt.RunAsync(url, prefix, Timeout, Ct, args);

    /// <summary>The SEQ of the row of <paramref name="taskId"/> in <c>tt scheduled</c>'s table.</summary>
    private static string SequenceOf(string table, string taskId)
    {
        var row = table.Split('\n').Single(l => l.Contains(taskId, StringComparison.Ordinal));
        return row.Split(' ', 2)[0];
    }

    [GeneratedRegex("as task ([0-9a-zA-Z_-]+) ")]
    private static partial Regex SentTask();

    [GeneratedRegex(@"next page: tt dead list --from (\d+) --limit 2")]
    private static partial Regex NextPage();
}
