using TypedTasks.Fault.Tests.Infrastructure;
using TypedTasks.WorkerHost;

namespace TypedTasks.Fault.Tests;

/// <summary>
/// Issue 12: a chord of 2,000 members on two worker processes, one SIGKILLed mid-run and the other right before the last
/// members end (each replaced at once): the callback runs exactly once — counted in the workers' ledgers, not by the
/// system under test — with every member's result.
/// </summary>
public sealed class ChordKillTests
{
    [Fact]
    public async Task ChordOf2000_WorkersSigKilledMidRunAndNearTheEnd_TheCallbackRunsExactlyOnce()
    {
        const int Members = 2_000;
        var runs = FaultSettings.Size(1, 3);
        await using var server = new NatsNode();
        await server.StartAsync(FaultRun.Ct);

        for (var run = 1; run <= runs; run++)
        {
            await using var fault = await FaultRun.StartAsync("chord-sigkill", server.Url, server.Version);
            var live = new List<WorkerProcess> { fault.StartWorker(), fault.StartWorker() };
            var chord = TaskGroup.Of(Enumerable.Range(0, Members).Select(i => FaultTasks.FaultWorkTask.Call(i, 5))).Then(FaultTasks.ChordSumTask.Partial());
            var id = $"chord{run}";
            var handle = await fault.Producer.Client.SendChordAsync(chord, new TaskOptions { TaskId = id }, FaultRun.Ct);

            // The first kill at about half the members; the second when nearly all have ended, where a member's marker and
            // the callback are in flight.
            foreach (var (share, victim) in new[] { (50, 0), (97, 1) })
            {
                await fault.WaitForEndedAsync(Members * share / 100, TimeSpan.FromSeconds(180));
                var at = await live[victim].KillAsync();
                fault.Record(new Disruption("SIGKILL", live[victim].Id, at));
                live[victim] = fault.StartWorker();
            }

            var sum = await handle.GetAsync(TimeSpan.FromSeconds(180), FaultRun.Ct);

            Assert.Equal((long)Members * (Members - 1) / 2, sum);
            fault.Ledger.Refresh();
            var callbackRuns = fault.Ledger.Lines.Where(l => l.Id == id + "-callback").ToList();
            FaultRun.Log($"chord run {run}: callback started {callbackRuns.Count(l => l.Kind == 'S')} time(s), ended {callbackRuns.Count(l => l.Kind == 'E')}; "
                + $"{fault.Ledger.Lines.Count(l => l.Kind == 'S' && l.Id != id + "-callback")} member starts for {Members} members");
            Assert.Equal(1, callbackRuns.Count(l => l.Kind == 'S'));
            Assert.Equal(1, callbackRuns.Count(l => l.Kind == 'E'));
            // Every member ran (at least once: a member re-run after a kill is at-least-once, as for any task).
            Assert.Equal(Members, fault.Ledger.Lines.Where(l => l.Kind == 'E' && l.Id != id + "-callback").Select(l => l.Id).Distinct().Count());
        }
    }
}
