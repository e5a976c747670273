using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Integration.Tests;

/// <summary>Tasks written with [Task] and compiled by the generator, sent and run over a real nats-server.</summary>
public sealed class GeneratedTasksTests(NatsServer server) : IClassFixture<NatsServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<TestApp> StartAsync() => TestApp.StartAsync(
        server,
        tasks: b => b.AddTypedTasksIntegrationTestsTasks(),
        workerOptions: o => o.Queues = ["default", "kinds"]);

    [Fact]
    public async Task SyncVoid_Runs()
    {
        await using var app = await StartAsync();

        TaskHandle handle = await app.Client.SyncVoid().DelayAsync("sync-void", Ct);
        await handle.WaitAsync(Timeout, Ct);

        Assert.Equal(1, app.Probe.Executions("sync-void"));
    }

    [Fact]
    public async Task SyncValue_ReturnsTheValue()
    {
        await using var app = await StartAsync();

        TaskHandle<int> handle = await app.Client.SyncValue().DelayAsync(40, 2, Ct);

        Assert.Equal(42, await handle.GetAsync(Timeout, Ct));
    }

    [Fact]
    public async Task AsyncTask_Runs()
    {
        await using var app = await StartAsync();

        await (await app.Client.AsyncTask().DelayAsync("async-task", Ct)).WaitAsync(Timeout, Ct);

        Assert.Equal(1, app.Probe.Executions("async-task"));
    }

    [Fact]
    public async Task AsyncTaskOfT_OnItsOwnQueue_ReturnsTheValue()
    {
        await using var app = await StartAsync();

        var handle = await app.Client.AsyncTaskOfT().DelayAsync("ab", 3, Ct);

        Assert.Equal("ababab", await handle.GetAsync(Timeout, Ct));
        Assert.Equal("kinds", KindTasks.AsyncTaskOfTTask.Definition.Queue);
    }

    [Fact]
    public async Task AsyncValueTask_Runs()
    {
        await using var app = await StartAsync();

        await (await app.Client.AsyncValueTask().DelayAsync("async-value-task", Ct)).WaitAsync(Timeout, Ct);

        Assert.Equal(1, app.Probe.Executions("async-value-task"));
    }

    [Fact]
    public async Task RecordArgumentAndResult_RoundTripThroughJson()
    {
        await using var app = await StartAsync();
        var invoice = new Invoice(
            Guid.NewGuid(),
            new DateTimeOffset(2026, 11, 25, 9, 30, 0, TimeSpan.FromHours(1)),
            [new InvoiceLine("apple", 3, 0.5m), new InvoiceLine("pear", 2, 1.25m)],
            Shade.Dark,
            Note: null);

        var handle = await app.Client.Total().DelayAsync(invoice, 10, Ct);
        var total = await handle.GetAsync(Timeout, Ct);

        Assert.Equal(new InvoiceTotal(invoice.Id, 3.6m, 2), total);
    }

    [Fact]
    public async Task OptionalArgumentOmitted_UsesItsDefault()
    {
        await using var app = await StartAsync();
        var invoice = new Invoice(Guid.NewGuid(), DateTimeOffset.UnixEpoch, [new InvoiceLine("x", 1, 10m)], Shade.Light, "n");

        var total = await (await app.Client.Total().DelayAsync(invoice, cancellationToken: Ct)).GetAsync(Timeout, Ct);

        Assert.Equal(10m, total.Total);
    }

    [Fact]
    public async Task InstanceTask_IsBuiltFromDiPerExecution()
    {
        await using var app = await StartAsync();

        var greeting = await (await app.Client.Greet().DelayAsync("Ada", Ct)).GetAsync(Timeout, Ct);

        Assert.Equal("Hello, Ada!", greeting);
        Assert.Equal(1, app.Probe.Executions("greet:Ada"));
    }

    [Fact]
    public async Task FailingTask_RethrowsRemoteTypeAndMessage()
    {
        await using var app = await StartAsync();

        var handle = await app.Client.Broken().DelayAsync("bad input", Ct);

        var error = await Assert.ThrowsAsync<TaskFailedException>(() => handle.GetAsync(Timeout, Ct));
        Assert.Equal(typeof(ArgumentException).FullName, error.RemoteType);
        Assert.StartsWith("bad input", error.RemoteMessage);
        Assert.Contains(nameof(KindTasks.Broken), error.RemoteStackTrace);
    }

    [Fact]
    public async Task ApplyAsync_WithTaskId_GetHandleFindsIt()
    {
        await using var app = await StartAsync();
        var id = "invoice-" + Guid.NewGuid().ToString("N");

        var sent = await app.Client.SyncValue().ApplyAsync(1, 2, new TaskOptions { TaskId = id }, Ct);
        var found = app.Client.SyncValue().GetHandle(id);

        Assert.Equal(id, sent.Id);
        Assert.Equal(3, await found.GetAsync(Timeout, Ct));
        Assert.Equal(TaskState.Success, await found.GetStatusAsync(Ct));
    }

    [Fact]
    public async Task IgnoreResult_RunsAndStoresNoRecord()
    {
        // One slot: tasks run in the order they were sent.
        await using var app = await TestApp.StartAsync(server, tasks: b => b.AddTypedTasksIntegrationTestsTasks(), workerOptions: o => o.Concurrency = 1);

        TaskHandle handle = await app.Client.Ignored().DelayAsync("ignored", Ct);
        // The next task on the same queue finishing means the ignored one (sent first) was settled.
        await (await app.Client.SyncVoid().DelayAsync("after-ignored", Ct)).WaitAsync(Timeout, Ct);

        Assert.Equal(1, app.Probe.Executions("ignored"));
        Assert.Equal(TaskState.Pending, await handle.GetStatusAsync(Ct));
        Assert.Equal("integration.ignored", KindTasks.IgnoredTask.Name);
    }
}
