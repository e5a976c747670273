using TypedTasks.Fault.Tests.Infrastructure;

namespace TypedTasks.Fault.Tests;

/// <summary>
/// Scenario 1: worker processes SIGKILLed three times during a run (2 workers × 4 slots, tasks of 50 ms; each killed
/// worker replaced at once). Reference numbers: 0 lost, ~1 duplicate per 15 kills, orphans re-run 2.8–3.5 s after a kill.
/// </summary>
public sealed class WorkerKillTests
{
    private const int Kills = 3;
    private const int DurationMs = 50;

    [Fact]
    public async Task WorkerSigKill_ThreeTimesDuringARun_NothingLost()
    {
        var tasks = FaultSettings.Size(600, 2_000);
        var runs = FaultSettings.Size(1, 5);
        await using var server = new NatsNode();
        await server.StartAsync(FaultRun.Ct);

        for (var run = 1; run <= runs; run++)
        {
            var result = await RunOnceAsync(server, tasks, run);
            FaultRun.AssertHoldsToday(result);
            if (FaultSettings.StrictNoRerunAfterFinal)
            {
                FaultRun.AssertNoRerunAfterFinal(result);
            }
        }
    }

    private static async Task<ScenarioResult> RunOnceAsync(NatsNode server, int tasks, int run)
    {
        await using var fault = await FaultRun.StartAsync("worker-sigkill", server.Url, server.Version);
        var live = new List<WorkerProcess> { fault.StartWorker(), fault.StartWorker() };
        var sending = fault.Producer.SendAsync(1, tasks, DurationMs, inFlight: 64, FaultRun.Ct);

        for (var kill = 1; kill <= Kills; kill++)
        {
            // Kills at about 20 %, 45 % and 70 % of the run, alternating between the two worker slots; a victim has
            // started work (a freshly started replacement may still be connecting).
            await fault.WaitForEndedAsync(tasks * (kill * 25 - 5) / 100, TimeSpan.FromSeconds(120));
            var victim = live[kill % 2];
            await fault.WaitForStartsAsync(victim, TimeSpan.FromSeconds(60));
            var at = await victim.KillAsync();
            fault.Record(new Disruption("SIGKILL", victim.Id, at));
            live[kill % 2] = fault.StartWorker();
        }

        await sending;
        return await fault.FinishAsync(FaultSettings.Size(TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(600)), run: run);
    }
}
