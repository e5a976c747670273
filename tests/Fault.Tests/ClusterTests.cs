using TypedTasks.Fault.Tests.Infrastructure;

namespace TypedTasks.Fault.Tests;

/// <summary>
/// Scenario 6: a 3-node JetStream cluster on loopback (three nats-server processes with routes, separate stores), the
/// task stream and the results bucket at 3 replicas; the task stream's leader is SIGKILLed mid-run. Nothing accepted
/// is lost and the run completes on the two nodes left. docs/cluster.md describes the setup for real machines.
/// </summary>
public sealed class ClusterTests
{
    [Fact]
    public async Task ThreeNodeCluster_StreamLeaderKilledMidRun_NothingLost_RunCompletes()
    {
        var tasks = FaultSettings.Size(600, 2_000);
        await using var cluster = await NatsCluster.StartAsync(FaultRun.Ct);
        var options = new FaultRunOptions
        {
            Settings = new Dictionary<string, string?>
            {
                ["TypedTasks:Broker:Replicas"] = "3",
                ["TypedTasks:ResultBackend:Replicas"] = "3",
            },
        };
        await using var fault = await FaultRun.StartAsync("cluster-leader-kill", cluster.Url, cluster.Version, options);
        // Creating eight R3 streams takes a busy 2-core machine a while (JetStream API requests time out and are
        // retried): the producer's first send creates them, then the workers start one after the other.
        var sending = fault.Producer.SendAsync(1, tasks, durationMs: 50, inFlight: 64, FaultRun.Ct);
        foreach (var worker in new[] { fault.StartWorker(), fault.StartWorker() })
        {
            await fault.WaitForStartsAsync(worker, TimeSpan.FromSeconds(180));
        }

        await fault.WaitForEndedAsync(tasks * 3 / 10, TimeSpan.FromSeconds(180));

        // Created on first use, with the configured replicas.
        Assert.Equal(3, await Inspector.RetryAsync(() => fault.Inspector.StreamReplicasAsync(fault.Inspector.TasksStream, FaultRun.Ct), FaultRun.Ct));
        Assert.Equal(3, await Inspector.RetryAsync(() => fault.Inspector.StreamReplicasAsync("KV_" + fault.Inspector.ResultsBucket, FaultRun.Ct), FaultRun.Ct));

        var leaderName = await Inspector.RetryAsync(() => fault.Inspector.StreamLeaderAsync(fault.Inspector.TasksStream, FaultRun.Ct), FaultRun.Ct);
        var resultsLeader = await Inspector.RetryAsync(() => fault.Inspector.StreamLeaderAsync("KV_" + fault.Inspector.ResultsBucket, FaultRun.Ct), FaultRun.Ct);
        Assert.NotNull(leaderName);
        var leader = cluster.Node(leaderName);
        var at = DateTime.UtcNow;
        await leader.KillAsync();
        fault.Record(new Disruption($"SIGKILL of the task stream's leader {leaderName}", 0, at));

        // Asked of the two nodes left, on a fresh connection: the run's inspector may still be reconnecting.
        await using var survivors = new Inspector(string.Join(",", cluster.Nodes.Where(n => n.IsRunning).Select(n => n.Url)), fault.Prefix);
        string? newLeader = null;
        await Until.TrueAsync(
            async () =>
            {
                try
                {
                    newLeader = await survivors.StreamLeaderAsync(survivors.TasksStream, FaultRun.Ct);
                    return newLeader is not null && newLeader != leaderName;
                }
                catch (Exception ex) when (Inspector.Transient(ex, FaultRun.Ct))
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(60),
            () => "no new leader of the task stream",
            FaultRun.Ct);
        var elected = DateTime.UtcNow - at;
        var replicas = await survivors.ReplicasOfAllAsync(FaultRun.Ct);
        await sending;

        var result = await fault.FinishAsync(
            FaultSettings.Size(TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(300)),
            new Dictionary<string, string>
            {
                ["killed"] = $"{leaderName} (led the task stream; the results bucket was led by {resultsLeader})",
                ["new leader"] = $"{newLeader}, seen {elected.TotalSeconds:F1} s after the kill",
                ["replicas"] = replicas,
            });

        FaultRun.AssertHoldsToday(result);
        Assert.True(result.Sent == result.Accepted + result.Threw);
        if (FaultSettings.StrictNoRerunAfterFinal)
        {
            FaultRun.AssertNoRerunAfterFinal(result);
        }
    }
}
