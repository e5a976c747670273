using System.Globalization;
using TypedTasks.Fault.Tests.Infrastructure;

namespace TypedTasks.Fault.Tests;

/// <summary>
/// Scenario 7: a soak of tiny tasks through two worker processes. Each worker's resident memory (VmRSS) at the end must
/// be within 20 % of what it was after the first part of the run, once start-up is behind it: full, after 20,000 of
/// 200,000 tasks (10 %); bounded (CI), after 30 % of 20,000, as a run that short is still warming up at 10 % (measured:
/// +8 % and +18 % from 10 % to the end, +6 % from 30 %). The curve in between is reported.
/// </summary>
public sealed class SoakTests
{
    private const double Tolerance = 0.20;

    [Fact]
    public async Task Soak_TinyTasks_TwoWorkers_ResidentMemoryStaysWithin20Percent()
    {
        var tasks = FaultSettings.Size(20_000, 200_000);
        var warm = FaultSettings.Size(tasks * 3 / 10, 20_000);
        await using var server = new NatsNode();
        await server.StartAsync(FaultRun.Ct);
        await using var fault = await FaultRun.StartAsync("soak", server.Url, server.Version);
        var workers = new[] { fault.StartWorker(), fault.StartWorker() };
        var sending = fault.Producer.SendAsync(1, tasks, durationMs: 0, inFlight: 256, FaultRun.Ct);

        await fault.WaitForEndedAsync(warm, TimeSpan.FromSeconds(120));
        var early = workers.Select(w => w.ResidentBytes()).ToArray();
        var curve = new List<string>();
        for (var tenth = warm * 10 / tasks + 1; tenth <= 9; tenth++)
        {
            await fault.WaitForEndedAsync(tasks * tenth / 10, FaultSettings.Size(TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(900)));
            curve.Add(string.Create(CultureInfo.InvariantCulture, $"{tenth * 10}%: {string.Join("/", workers.Select(w => (w.ResidentBytes() / 1048576.0).ToString("F1", CultureInfo.InvariantCulture)))}"));
        }

        await sending;
        await fault.WaitForEndedAsync(tasks, FaultSettings.Size(TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(900)));
        var late = workers.Select(w => w.ResidentBytes()).ToArray();

        var rss = string.Join("; ", workers.Select((w, i) => string.Create(CultureInfo.InvariantCulture,
            $"pid {w.Id}: {early[i] / 1048576.0:F1} MiB after {warm} tasks → {late[i] / 1048576.0:F1} MiB at the end ({(late[i] - early[i]) * 100.0 / early[i]:+0.0;-0.0} %)")));
        var result = await fault.FinishAsync(TimeSpan.FromSeconds(120), new Dictionary<string, string> { ["worker RSS"] = rss, ["RSS curve (MiB)"] = string.Join(", ", curve) });

        FaultRun.AssertHoldsToday(result);
        for (var i = 0; i < workers.Length; i++)
        {
            Assert.True(late[i] <= early[i] * (1 + Tolerance), $"worker {workers[i].Id} grew more than {Tolerance:P0}: {rss}");
        }
    }
}
