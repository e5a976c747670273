using System.Text;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Integration.Tests;

/// <summary>Rate limits hold across all workers of the cluster, not per worker.</summary>
public sealed class RateLimitTests(NatsServer server) : IClassFixture<NatsServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RateLimit_TwoWorkers_StartAtMostTheLimitPerWindowTogether()
    {
        var prefix = TestApp.NewPrefix();
        var probe = new Probe();
        await using var first = await TestApp.StartAsync(server, prefix: prefix, probe: probe, workerOptions: o => o.Concurrency = 4);
        await using var second = await TestApp.StartAsync(server, prefix: prefix, probe: probe, workerOptions: o => o.Concurrency = 4);
        const int Count = 15;

        var handles = new List<TaskHandle>();
        for (var i = 0; i < Count; i++)
        {
            handles.Add(await first.Client.EnqueueAsync(HandWrittenTasks.Limited, HandWrittenTasks.Key("limited"), cancellationToken: Ct));
        }

        foreach (var handle in handles)
        {
            await handle.WaitAsync(Timeout, Ct);
        }

        // The counters: no window granted more than 5 starts, and all 15 starts were granted.
        var limits = await first.Connection.KeyValue.GetStoreAsync(first.Connection.Names.LimitsBucket, Ct);
        var perWindow = new List<int>();
        await foreach (var key in limits.GetKeysAsync(cancellationToken: Ct))
        {
            var entry = await limits.GetEntryAsync(key, serializer: NatsRawSerializer<byte[]>.Default, cancellationToken: Ct);
            perWindow.Add(int.Parse(Encoding.ASCII.GetString(entry.Value!)));
        }

        Assert.All(perWindow, n => Assert.InRange(n, 1, 5));
        Assert.Equal(Count, perWindow.Sum());
        Assert.True(perWindow.Count >= 3, $"15 starts at 5 per window need at least 3 windows, got {perWindow.Count}");
        // Fifteen starts at five per window span more than one window boundary.
        var starts = probe.Attempts("limited").Select(a => a.At).Order().ToList();
        Assert.Equal(Count, starts.Count);
        Assert.True(starts[^1] - starts[0] > TimeSpan.FromSeconds(1), $"15 starts took {starts[^1] - starts[0]}");
    }

    [Theory]
    [InlineData("10/s", 10, 1)]
    [InlineData("100/m", 100, 60)]
    [InlineData("1000/h", 1000, 3600)]
    public void Parse_CeleryNotation(string text, int count, int seconds)
    {
        Assert.Equal(new RateLimit(count, TimeSpan.FromSeconds(seconds)), RateLimit.Parse(text));
        Assert.Equal(text, RateLimit.Parse(text).ToString());
    }

    [Theory]
    [InlineData("10")]
    [InlineData("0/s")]
    [InlineData("-1/s")]
    [InlineData("10/d")]
    [InlineData(" 10/s")]
    public void Parse_Invalid_SaysWhatToWrite(string text)
    {
        var error = Assert.Throws<FormatException>(() => RateLimit.Parse(text));
        Assert.Contains("\"10/s\"", error.Message);
    }
}
