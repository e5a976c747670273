using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using TypedTasks.Integration.Tests.Infrastructure;
using TypedTasks.Worker;

namespace TypedTasks.Integration.Tests;

/// <summary>
/// Schedules changed and removed while workers run (issue 12: "a changed or removed schedule takes effect without
/// restarting every worker"): every scheduler watches the schedules bucket. Two worker hosts share one prefix and one
/// <see cref="FakeTimeProvider"/>; the broker, the bucket and the workers are real.
/// </summary>
public sealed partial class PeriodicTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 12, 0, 30, TimeSpan.Zero);

    [Fact]
    public async Task ScheduleSetAtRunTime_ReachesEveryRunningScheduler_WithoutRestart()
    {
        const string Name = "changing";
        var ledger = new PeriodicLedger();
        var prefix = TestApp.NewPrefix();
        var time = new FakeTimeProvider(T0);
        Action<TypedTasksBuilder> code = b => b.AddPeriodic(PeriodicTestTasks.TickTask.Call("v1"), TimeSpan.FromMinutes(1), name: Name);
        await using var a = await StartAsync(prefix, ledger, code, time);
        await using var b = await StartAsync(prefix, ledger, code, time);
        PeriodicScheduler[] schedulers = [SchedulerOf(a), SchedulerOf(b)];
        await WaitAllAsync(schedulers, T0.AddSeconds(30));
        time.Advance(TimeSpan.FromSeconds(30));
        await WaitForRunAsync(ledger, Id(Name, T0.AddSeconds(30)));
        Assert.Equal("v1", ledger.Tag(Id(Name, T0.AddSeconds(30))));

        // Changed at run time from any process with the client: every 20 s, another argument.
        var revision = await a.Host.Services.GetRequiredService<IPeriodicSchedules>()
            .SetAsync(PeriodicSchedule.Create(PeriodicTestTasks.TickTask.Call("v2"), TimeSpan.FromSeconds(20), name: Name), Ct);
        await Task.WhenAll(schedulers.Select(s => s.AppliedAsync(revision))).WaitAsync(Timeout, Ct);
        await WaitAllAsync(schedulers, T0.AddSeconds(50));

        // 12:01:20, 12:01:40 and 12:02:00 (which the old definition would have sent with v1): once each, all with v2.
        time.Advance(TimeSpan.FromSeconds(20));
        await WaitForRunAsync(ledger, Id(Name, T0.AddSeconds(50)));
        await WaitAllAsync(schedulers, T0.AddSeconds(70));
        time.Advance(TimeSpan.FromSeconds(40));
        await WaitForRunAsync(ledger, Id(Name, T0.AddSeconds(90)));
        await WaitForRunAsync(ledger, Id(Name, T0.AddSeconds(70)));
        foreach (var occurrence in new[] { 50, 70, 90 }.Select(s => T0.AddSeconds(s)))
        {
            Assert.Equal(1, ledger.Runs(Id(Name, occurrence)));
            Assert.Equal("v2", ledger.Tag(Id(Name, occurrence)));
        }

        Assert.All(ledger.All, r => Assert.Equal(1, r.Value));
        var record = await WaitForRecordAsync(a, Name, r => r.LastOccurrence == T0.AddSeconds(90));
        Assert.Equal("00:00:20", record.Every);
        Assert.Equal("api", record.Source);
    }

    [Fact]
    public async Task NewDeploysDefinition_ReachesWorkersStillRunningTheOldCode()
    {
        const string Name = "deployed";
        var ledger = new PeriodicLedger();
        var prefix = TestApp.NewPrefix();
        var time = new FakeTimeProvider(T0);
        await using var old = await StartAsync(prefix, ledger, b => b.AddPeriodic(PeriodicTestTasks.TickTask.Call("old"), TimeSpan.FromMinutes(1), name: Name), time);
        await SchedulerOf(old).Waiting.WaitAsync(Timeout, Ct);

        // A worker with the new code starts (a rolling deploy): it writes its definition; the old worker follows it.
        await using var updated = await StartAsync(prefix, ledger, b => b.AddPeriodic(PeriodicTestTasks.TickTask.Call("new"), TimeSpan.FromMinutes(1), name: Name), time);
        await SchedulerOf(updated).Started.WaitAsync(Timeout, Ct);
        var store = await old.Connection.GetSchedulesStoreAsync(Ct);
        var entry = await store.GetEntryAsync<ReadOnlyMemory<byte>>(Name, serializer: NatsRawSerializer<ReadOnlyMemory<byte>>.Default, cancellationToken: Ct);
        Assert.Contains("\"new\"", System.Text.Encoding.UTF8.GetString(entry.Value.Span), StringComparison.Ordinal);
        await SchedulerOf(old).AppliedAsync(entry.Revision).WaitAsync(Timeout, Ct);
        await WaitAllAsync([SchedulerOf(old), SchedulerOf(updated)], T0.AddSeconds(30));

        time.Advance(TimeSpan.FromSeconds(30));
        await WaitForRunAsync(ledger, Id(Name, T0.AddSeconds(30)));
        Assert.Equal("new", ledger.Tag(Id(Name, T0.AddSeconds(30))));
        Assert.Equal(1, ledger.Runs(Id(Name, T0.AddSeconds(30))));
    }

    [Fact]
    public async Task ScheduleSetOnlyAtRunTime_RunsOnWorkersWithoutIt_AndRemovalStopsItEverywhere()
    {
        const string Name = "api-only";
        var ledger = new PeriodicLedger();
        var prefix = TestApp.NewPrefix();
        var time = new FakeTimeProvider(T0);
        await using var client = await TestApp.StartAsync(server, worker: false, prefix: prefix, services: s => s.AddSingleton<TimeProvider>(time));
        var schedules = client.Host.Services.GetRequiredService<IPeriodicSchedules>();
        var set = await schedules.SetAsync(PeriodicSchedule.Create(PeriodicTestTasks.TickTask.Call("api"), TimeSpan.FromMinutes(1), name: Name), Ct);

        // Two workers whose code has no schedule at all.
        await using var a = await StartAsync(prefix, ledger, _ => { }, time);
        await using var b = await StartAsync(prefix, ledger, _ => { }, time);
        PeriodicScheduler[] schedulers = [SchedulerOf(a), SchedulerOf(b)];
        await Task.WhenAll(schedulers.Select(s => s.AppliedAsync(set))).WaitAsync(Timeout, Ct);
        Assert.All(schedulers, s => Assert.Equal([Name], s.Sending));
        await WaitAllAsync(schedulers, T0.AddSeconds(30));
        time.Advance(TimeSpan.FromSeconds(30));
        await WaitForRunAsync(ledger, Id(Name, T0.AddSeconds(30)));
        Assert.Equal("api", ledger.Tag(Id(Name, T0.AddSeconds(30))));

        var removed = await schedules.RemoveAsync(Name, Ct);
        Assert.NotNull(removed);
        await Task.WhenAll(schedulers.Select(s => s.AppliedAsync(removed.Value))).WaitAsync(Timeout, Ct);
        Assert.All(schedulers, s => Assert.Empty(s.Sending));
        Assert.Null(await schedules.RemoveAsync(Name, Ct));

        var listed = await TtAsync(prefix, "schedules");
        Assert.True(listed.Code == 0, "tt schedules failed: " + listed.Error);
        var line = Assert.Single(listed.Output.Split('\n'), l => l.StartsWith(Name, StringComparison.Ordinal));
        Assert.EndsWith("removed", line.TrimEnd(), StringComparison.Ordinal);
        var refused = await TtAsync(prefix, "schedules", "remove", Name);
        Assert.NotEqual(0, refused.Code);
        Assert.Contains("--yes", refused.Error, StringComparison.Ordinal);
    }

    /// <summary>The bucket is input like any other: a record that cannot be sent as written is refused with a reason in the
    /// log, and the schedule keeps the definition it had; a key that is not a record is ignored.</summary>
    [Fact]
    public async Task RecordsThatCannotBeSent_AreRefused_AndTheScheduleKeepsWhatItHad()
    {
        const string Name = "guarded";
        var ledger = new PeriodicLedger();
        var prefix = TestApp.NewPrefix();
        var time = new FakeTimeProvider(T0);
        await using var app = await StartAsync(prefix, ledger, b => b.AddPeriodic(PeriodicTestTasks.TickTask.Call("kept"), TimeSpan.FromMinutes(1), name: Name), time);
        var scheduler = SchedulerOf(app);
        await scheduler.Waiting.WaitAsync(Timeout, Ct);
        var store = await app.Connection.GetSchedulesStoreAsync(Ct);
        var task = PeriodicTestTasks.TickTask.Name;
        var bad = new Dictionary<string, string>
        {
            [Name] = $$"""{"v":1,"name":"{{Name}}","task":"{{task}}","queue":"../evil","every":"00:00:01","source":"api","since":"2026-12-06T12:00:00+00:00"}""",
            ["header-break"] = $$"""{"v":1,"name":"header-break","task":"a\r\nTT-Id: x","queue":"periodic","every":"00:00:01","source":"api","since":"2026-12-06T12:00:00+00:00"}""",
            ["not-object"] = $$"""{"v":1,"name":"not-object","task":"{{task}}","queue":"periodic","every":"00:00:01","source":"api","arguments":[1],"since":"2026-12-06T12:00:00+00:00"}""",
            ["other-key"] = $$"""{"v":1,"name":"named-otherwise","task":"{{task}}","queue":"periodic","every":"00:00:01","source":"api","since":"2026-12-06T12:00:00+00:00"}""",
            ["bad-zone"] = $$"""{"v":1,"name":"bad-zone","task":"{{task}}","queue":"periodic","cron":"* * * * * *","timeZone":"Mars/Olympus","source":"api","since":"2026-12-06T12:00:00+00:00"}""",
            ["long-cron"] = $$"""{"v":1,"name":"long-cron","task":"{{task}}","queue":"periodic","cron":"{{new string('1', 5000)}}","source":"api","since":"2026-12-06T12:00:00+00:00"}""",
            ["not-json"] = "this is not a record",
        };
        ulong last = 0;
        foreach (var (key, value) in bad)
        {
            last = await store.PutAsync(key, (ReadOnlyMemory<byte>)System.Text.Encoding.UTF8.GetBytes(value), NatsRawSerializer<ReadOnlyMemory<byte>>.Default, cancellationToken: Ct);
        }

        await scheduler.AppliedAsync(last).WaitAsync(Timeout, Ct);
        Assert.Equal([Name], scheduler.Sending);

        // The first definition still runs, as it was.
        await scheduler.Waiting.WaitAsync(Timeout, Ct);
        time.Advance(TimeSpan.FromSeconds(30));
        await WaitForRunAsync(ledger, Id(Name, T0.AddSeconds(30)));
        Assert.Equal("kept", ledger.Tag(Id(Name, T0.AddSeconds(30))));
        Assert.Single(ledger.All);
    }

    private static async Task WaitAllAsync(IEnumerable<PeriodicScheduler> schedulers, DateTimeOffset wake)
    {
        foreach (var scheduler in schedulers)
        {
            Assert.Equal(wake, await scheduler.Waiting.WaitAsync(Timeout, Ct));
        }
    }

    private static async Task WaitForRunAsync(PeriodicLedger ledger, string id)
    {
        while (ledger.Runs(id) == 0)
        {
            await ledger.NextAsync(Timeout, Ct);
        }
    }
}
