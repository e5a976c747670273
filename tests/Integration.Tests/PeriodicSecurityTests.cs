using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Cli;
using TypedTasks.Integration.Tests.Infrastructure;
using TypedTasks.Protocol;

namespace TypedTasks.Integration.Tests;

/// <summary>Periodic schedules under <c>docs/security/nats-server.conf</c>: the worker role runs them, the operator role
/// lists them with <c>tt schedules</c>.</summary>
public sealed class PeriodicSecurityTests(SecuredNatsServer nats) : IClassFixture<SecuredNatsServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WorkerRole_RunsASchedule_OperatorRole_ListsIt()
    {
        const string Schedule = "secured-echo";
        var started = DateTimeOffset.UtcNow;
        using var worker = await SecuredNatsServer.StartHostAsync(
            nats.Settings("worker", SecuredNatsServer.WorkerPassword),
            worker: true,
            services: s => s.AddSingleton(PeriodicSchedule.Create(new TaskCall(HandWrittenTasks.Echo, HandWrittenTasks.Value(5)), TimeSpan.FromSeconds(1), name: Schedule)));
        var producerSettings = nats.Settings("producer", SecuredNatsServer.ProducerPassword);
        producerSettings["TypedTasks:CreateInfrastructure"] = "false";
        using var producer = await SecuredNatsServer.StartHostAsync(producerSettings, worker: false);
        var client = producer.Services.GetRequiredService<ITaskClient>();

        // The ids of the next occurrences are known in advance: wait on their handles until one has run.
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var second = new DateTimeOffset(started.UtcTicks - (started.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        var runs = Enumerable.Range(1, 20)
            .Select(i => client.GetHandle(HandWrittenTasks.Echo, ScheduleRecord.TaskId(ScheduleRecord.MessageId(Schedule, second.AddSeconds(i)))).GetAsync(Timeout, wait.Token))
            .ToList();
        var first = await Task.WhenAny(runs);
        Assert.Equal(10, await first);
        await wait.CancelAsync();

        var output = new StringWriter();
        var error = new StringWriter();
        var environment = nats.Settings("operator", SecuredNatsServer.OperatorPassword).ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value);
        var code = await TtCommand.RunAsync(["schedules"], output, error, environment, Ct).WaitAsync(Timeout, Ct);
        Assert.True(code == 0, error.ToString());
        var line = Assert.Single(output.ToString().Split('\n'), l => l.StartsWith(Schedule, StringComparison.Ordinal));
        Assert.Contains("every 00:00:01", line, StringComparison.Ordinal);
        Assert.DoesNotContain("never", line, StringComparison.Ordinal);

        // The operator may stop it in every worker (a compare-and-set write of the record), and the worker follows.
        var removed = await TtCommand.RunAsync(["schedules", "remove", Schedule, "--yes"], output, error, environment, Ct).WaitAsync(Timeout, Ct);
        Assert.True(removed == 0, error.ToString());
        var scheduler = worker.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<Worker.PeriodicScheduler>().Single();
        // The removal reaches the scheduler through its watch: wait for the revision tt wrote.
        var revision = ulong.Parse(System.Text.RegularExpressions.Regex.Match(output.ToString(), @"record revision (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        await scheduler.AppliedAsync(revision).WaitAsync(Timeout, Ct);
        Assert.Empty(scheduler.Sending);
        await Task.WhenAll(runs.Select(r => r.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default)));
    }
}
