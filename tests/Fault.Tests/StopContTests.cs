using TypedTasks.Fault.Tests.Infrastructure;

namespace TypedTasks.Fault.Tests;

/// <summary>
/// Scenario 3: a worker frozen (SIGSTOP) for twice its AckWait while it runs tasks, then thawed (SIGCONT). The other
/// worker takes over its tasks after AckWait; the thawed one then finishes what it was running and may start what it
/// had prefetched. Messages it held whose lease lapsed during the freeze are not started (the worker drops them), so no
/// task starts again after its final record was stored: asserted always (it re-ran 4–11 before that fix).
/// </summary>
public sealed class StopContTests
{
    [Fact]
    public async Task WorkerSigStop_PastAckWait_ThenSigCont_NothingLost_RerunsReported()
    {
        var tasks = FaultSettings.Size(400, 1_500);
        var freezes = FaultSettings.Size(1, 3);
        var options = new FaultRunOptions();
        await using var server = new NatsNode();
        await server.StartAsync(FaultRun.Ct);
        await using var fault = await FaultRun.StartAsync("worker-sigstop", server.Url, server.Version, options);
        var workers = new[] { fault.StartWorker(), fault.StartWorker() };
        var sending = fault.Producer.SendAsync(1, tasks, durationMs: 100, inFlight: 64, FaultRun.Ct);

        for (var freeze = 1; freeze <= freezes; freeze++)
        {
            await fault.WaitForEndedAsync(tasks * freeze / (freezes + 3), TimeSpan.FromSeconds(120));
            var victim = workers[freeze % 2];
            await fault.WaitForStartsAsync(victim, TimeSpan.FromSeconds(60));
            var at = victim.Freeze();
            // The outage's length is the scenario (past AckWait), not a synchronisation.
            await Task.Delay(options.AckWait * 2, FaultRun.Ct);
            var resumed = victim.Thaw();
            fault.Record(new Disruption("SIGSTOP 2×AckWait, SIGCONT", victim.Id, at, resumed));
        }

        await sending;
        var result = await fault.FinishAsync(FaultSettings.Size(TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(300)));

        FaultRun.AssertHoldsToday(result);
        FaultRun.AssertNoRerunAfterFinal(result);
    }
}
