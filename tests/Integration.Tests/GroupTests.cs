using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Cli;
using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Integration.Tests;

/// <summary>Groups on a real nats-server (issue 12, docs/workflows.md): members run as normal tasks under
/// <c>&lt;group id&gt;-&lt;index&gt;</c>, and the handle yields their results in member order.</summary>
public sealed class GroupTests(NatsServer server) : IClassFixture<NatsServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<TestApp> StartAsync() => TestApp.StartAsync(
        server,
        tasks: b => b.AddTypedTasksIntegrationTestsTasks(),
        workerOptions: o => o.Queues = ["default"]);

    [Fact]
    public async Task GroupOf100_ReturnsTheResultsInMemberOrder()
    {
        await using var app = await StartAsync();
        var group = TaskGroup.Of(Enumerable.Range(0, 100).Select(i => GroupTasks.SquareTask.Call(i)));

        TaskGroupHandle<int> handle = await app.Client.SendGroupAsync(group, new TaskOptions { TaskId = "group-100" }, Ct);

        var results = await handle.GetAsync(Timeout, Ct);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => i * i), results);
        Assert.Equal(100, await handle.CountFinishedAsync(Ct));
        Assert.True(await handle.IsFinishedAsync(Ct));
        // Each member is a task of its own, under <group id>-<index>.
        Assert.Equal("group-100-7", handle.Members[7].Id);
        Assert.Equal(49, await app.Client.Square().GetHandle("group-100-7").GetAsync(Timeout, Ct));
        // Another process reads the same results with the group's id and size.
        var again = app.Client.GetGroupHandle(GroupTasks.SquareTask.Definition, "group-100", 100);
        Assert.Equal(results, await again.GetAsync(Timeout, Ct));

        var record = await app.Client.Square().GetHandle("group-100").GetRecordAsync(Ct);
        Assert.Equal(TaskState.Pending, record!.State);
        Assert.Equal(100, record.Group!.Members);
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.Equal(0, await TtCommand.RunAsync(["--url", server.Url, "--prefix", app.Prefix, "status", "group-100"], output, error, Ct).WaitAsync(Timeout, Ct));
        Assert.Contains("group:     100 members, tasks group-100-0 to group-100-99", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailingMember_SurfacesItsFailure_WhenTheResultsAreRead()
    {
        await using var app = await StartAsync();
        var group = TaskGroup.Of(Enumerable.Range(0, 10).Select(i => GroupTasks.SquareOrFailTask.Call(i, 6)));

        var handle = await app.Client.SendGroupAsync(group, new TaskOptions { TaskId = "group-failing" }, Ct);

        var failed = await Assert.ThrowsAsync<TaskFailedException>(() => handle.GetAsync(Timeout, Ct));
        Assert.Equal("group-failing-6", failed.TaskId);
        Assert.Contains("member 6 failed on purpose", failed.Message, StringComparison.Ordinal);
        // The others succeeded: every member ended.
        Assert.Equal(81, await handle.Members[9].GetAsync(Timeout, Ct));
        Assert.Equal(10, await handle.CountFinishedAsync(Ct));
    }

    [Fact]
    public void Groups_AreBounded_AndValues()
    {
        Assert.Throws<ArgumentException>(() => TaskGroup.Of<int>());
        var tooMany = Assert.Throws<ArgumentException>(() => TaskGroup.Of(Enumerable.Range(0, TaskGroup.MaxMembers + 1).Select(i => GroupTasks.SquareTask.Call(i))));
        Assert.Contains("at most 10000 members", tooMany.Message, StringComparison.Ordinal);
        Assert.Equal(TaskGroup.Of(GroupTasks.SquareTask.Call(1), GroupTasks.SquareTask.Call(2)), TaskGroup.Of(GroupTasks.SquareTask.Call(1), GroupTasks.SquareTask.Call(2)));
        Assert.NotEqual(TaskGroup.Of(GroupTasks.SquareTask.Call(1)), TaskGroup.Of(GroupTasks.SquareTask.Call(2)));
    }

    [Fact]
    public async Task AGroupId_TooLongOrWithOptionsAGroupDoesNotTake_IsRefusedBeforeAnythingIsSent()
    {
        await using var app = await StartAsync();
        var group = TaskGroup.Of(GroupTasks.SquareTask.Call(3));
        await Assert.ThrowsAsync<ArgumentException>(async () => await app.Client.SendGroupAsync(group, new TaskOptions { TaskId = new string('g', 101) }, Ct));
        await Assert.ThrowsAsync<ArgumentException>(async () => await app.Client.SendGroupAsync(group, new TaskOptions { TaskId = "g", Queue = "other" }, Ct));
    }
}
