using TypedTasks.Fault.Tests.Infrastructure;

namespace TypedTasks.Fault.Tests;

/// <summary>
/// Scenario 4: a broker outage of 5 s mid-run: the nats-server is stopped (SIGTERM) and restarted on the same port and
/// store while two workers run a backlog. Known today: tasks that finished during the outage (their records or acks
/// could not be written) can run again afterwards; measured and reported, the strict assertion waits behind
/// <see cref="FaultSettings.StrictNoRerunAfterFinal"/>.
/// </summary>
public sealed class OutageTests
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task BrokerOutage_FiveSeconds_NothingLost_RerunsReported()
    {
        var tasks = FaultSettings.Size(800, 3_000);
        await using var server = new NatsNode();
        await server.StartAsync(FaultRun.Ct);
        await using var fault = await FaultRun.StartAsync("broker-outage-5s", server.Url, server.Version);
        fault.StartWorker();
        fault.StartWorker();
        await fault.Producer.SendAsync(1, tasks, durationMs: 50, inFlight: 64, FaultRun.Ct);
        Assert.Equal(tasks, fault.Producer.Accepted);

        await fault.WaitForEndedAsync(tasks * 3 / 10, TimeSpan.FromSeconds(120));
        var at = DateTime.UtcNow;
        await server.StopAsync();
        await Task.Delay(Outage, FaultRun.Ct); // the outage's length is the scenario, not a synchronisation
        await server.StartAsync(FaultRun.Ct);
        fault.Record(new Disruption("nats-server stopped 5 s", 0, at, DateTime.UtcNow));

        var result = await fault.FinishAsync(FaultSettings.Size(TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(300)));

        FaultRun.AssertHoldsToday(result);
        if (FaultSettings.StrictNoRerunAfterFinal)
        {
            FaultRun.AssertNoRerunAfterFinal(result);
        }
    }
}
