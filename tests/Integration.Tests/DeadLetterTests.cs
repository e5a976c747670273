using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Integration.Tests;

/// <summary>The dead-letter queue: list with reasons, requeue keeping the id, purge.</summary>
public sealed class DeadLetterTests(NatsServer server) : IClassFixture<NatsServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task List_ShowsEachDeadLetterWithItsReason_FilteredByQueue()
    {
        await using var app = await TestApp.StartAsync(server, workerOptions: o => o.Queues = ["default", "other"]);
        var unknown = await app.Client.EnqueueAsync(HandWrittenTasks.NotRegistered, HandWrittenTasks.Value(1), cancellationToken: Ct);
        var undecodable = await app.Client.EnqueueAsync(HandWrittenTasks.Echo, new JsonArguments("""{"value":"x"}"""), new TaskOptions { Queue = "other" }, Ct);
        await Assert.ThrowsAsync<TaskFailedException>(() => unknown.GetAsync(Timeout, Ct));
        await Assert.ThrowsAsync<TaskFailedException>(() => undecodable.GetAsync(Timeout, Ct));
        var deadLetters = app.Host.Services.GetRequiredService<IDeadLetters>();

        var all = await deadLetters.ListAsync(cancellationToken: Ct).ToListAsync(Ct);
        var other = await deadLetters.ListAsync("other", Ct).ToListAsync(Ct);

        Assert.Equal(2, all.Count);
        var first = all.Single(d => d.TaskId == unknown.Id);
        Assert.Equal("default", first.Queue);
        Assert.Equal("tests.not-registered", first.TaskName);
        Assert.Contains("No task named", first.Reason);
        Assert.NotNull(first.DeadAt);
        Assert.Equal("""{"value":1}""", System.Text.Encoding.UTF8.GetString(first.Arguments.Span));
        var single = Assert.Single(other);
        Assert.Equal(undecodable.Id, single.TaskId);
        Assert.Contains("Cannot decode argument 'value'", single.Reason);
    }

    [Fact]
    public async Task Requeue_AfterTheTaskIsDeployed_RunsWithTheSameIdAndTheOldHandleGetsTheResult()
    {
        var prefix = TestApp.NewPrefix();
        TaskHandle<int> handle;
        await using (var old = await TestApp.StartAsync(server, prefix: prefix, tasks: b => b.AddTask(HandWrittenTasks.Fail)))
        {
            // This worker does not know tests.echo yet: dead letter.
            handle = await old.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(4), cancellationToken: Ct);
            await Assert.ThrowsAsync<TaskFailedException>(() => handle.GetAsync(Timeout, Ct));
        }

        await using var upgraded = await TestApp.StartAsync(server, prefix: prefix);
        var deadLetters = upgraded.Host.Services.GetRequiredService<IDeadLetters>();
        var letter = Assert.Single(await deadLetters.ListAsync(cancellationToken: Ct).ToListAsync(Ct));

        Assert.True(await deadLetters.RequeueAsync(letter.Sequence, Ct));

        var again = upgraded.Client.GetHandle(HandWrittenTasks.Echo, handle.Id);
        Assert.Equal(8, await again.GetAsync(Timeout, Ct));
        Assert.Empty(await deadLetters.ListAsync(cancellationToken: Ct).ToListAsync(Ct));
        Assert.False(await deadLetters.RequeueAsync(letter.Sequence, Ct));
    }

    [Fact]
    public async Task RequeueAllAndPurge_WorkPerQueue()
    {
        var prefix = TestApp.NewPrefix();
        await using (var old = await TestApp.StartAsync(server, prefix: prefix, tasks: b => b.AddTask(HandWrittenTasks.Fail), workerOptions: o => o.Queues = ["default", "other"]))
        {
            var handles = new[]
            {
                await old.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(1), cancellationToken: Ct),
                await old.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(2), cancellationToken: Ct),
                await old.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(3), new TaskOptions { Queue = "other" }, Ct),
            };
            foreach (var handle in handles)
            {
                await Assert.ThrowsAsync<TaskFailedException>(() => handle.GetAsync(Timeout, Ct));
            }
        }

        await using var upgraded = await TestApp.StartAsync(server, prefix: prefix, workerOptions: o => o.Queues = ["default", "other"]);
        var deadLetters = upgraded.Host.Services.GetRequiredService<IDeadLetters>();

        Assert.Equal(1L, await deadLetters.PurgeAsync("other", Ct));
        var requeued = await deadLetters.ListAsync(cancellationToken: Ct).ToListAsync(Ct);
        Assert.Equal(2, await deadLetters.RequeueAllAsync(cancellationToken: Ct));

        foreach (var letter in requeued)
        {
            Assert.True((await upgraded.Client.GetHandle(HandWrittenTasks.Echo, letter.TaskId!).GetAsync(Timeout, Ct)) is 2 or 4);
        }

        Assert.Empty(await deadLetters.ListAsync(cancellationToken: Ct).ToListAsync(Ct));
    }
}
