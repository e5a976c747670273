using TypedTasks.Fault.Tests.Infrastructure;

namespace TypedTasks.Fault.Tests;

/// <summary>
/// Scenario 2: the nats-server is SIGKILLed and restarted (same port and store) while a producer keeps sending and two
/// workers run. Every send that returned must run; every send that threw must say so clearly (a
/// <see cref="TaskEnqueueException"/> with what to do).
/// </summary>
public sealed class ServerKillTests
{
    [Fact]
    public async Task ServerSigKill_AndRestart_WhileSending_EveryReturnedSendRuns()
    {
        var tasks = FaultSettings.Size(1_500, 5_000);
        var kills = FaultSettings.Size(1, 3);
        const int rate = 300;
        await using var server = new NatsNode();
        await server.StartAsync(FaultRun.Ct);
        await using var fault = await FaultRun.StartAsync("server-sigkill", server.Url, server.Version);
        var workers = new[] { fault.StartWorker(), fault.StartWorker() };
        var sending = fault.Producer.SendAsync(1, tasks, durationMs: 20, inFlight: 16, FaultRun.Ct, perSecond: rate);
        foreach (var worker in workers)
        {
            // Both up and running tasks before the first kill: the scenario is a crash mid-run, not at start-up.
            await fault.WaitForStartsAsync(worker, TimeSpan.FromSeconds(60));
        }

        for (var kill = 1; kill <= kills; kill++)
        {
            // Kills spread over the sending: after a quarter, half, three quarters (one kill: a third).
            var mark = kills == 1 ? tasks / 3 : tasks * kill / (kills + 1);
            await Until.TrueAsync(() => fault.Producer.Attempted >= mark, TimeSpan.FromSeconds(120), () => $"{fault.Producer.Attempted} of {mark} sends", FaultRun.Ct);
            var at = DateTime.UtcNow;
            await server.KillAsync();
            await server.StartAsync(FaultRun.Ct);
            fault.Record(new Disruption("nats-server SIGKILL + restart", 0, at, DateTime.UtcNow));
        }

        await sending;
        var result = await fault.FinishAsync(FaultSettings.Size(TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(300)));

        FaultRun.AssertHoldsToday(result);
        Assert.All(fault.Producer.Outcomes.Where(o => !o.Accepted), o =>
        {
            var error = Assert.IsType<TaskEnqueueException>(o.Error);
            Assert.Equal(o.Id, error.TaskId);
            Assert.False(string.IsNullOrWhiteSpace(error.Message));
        });
        if (FaultSettings.StrictNoRerunAfterFinal)
        {
            FaultRun.AssertNoRerunAfterFinal(result);
        }
    }
}
