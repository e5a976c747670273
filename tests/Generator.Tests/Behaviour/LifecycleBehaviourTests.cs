using System.Text;
using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Generated;

namespace TypedTasks.Generator.Tests.Behaviour;

/// <summary>The retry, time-limit, expiry and rate-limit options of <see cref="LifecycleTasks"/>, and its <see cref="TaskContext"/> parameters.</summary>
public sealed class LifecycleBehaviourTests
{
    private readonly CapturingTaskClient _client = new();

    private static TaskInvocation Invocation(TaskDefinition task, string json, int attempt)
        => new(
            "id-1",
            task.Name,
            Encoding.UTF8.GetBytes(json),
            new ServiceCollection().BuildServiceProvider(),
            TestContext.Current.CancellationToken,
            new TaskContext("id-1", task.Name, "default", attempt, task.MaxRetries));

    [Fact]
    public void Definition_HasEveryOptionSetOnTheAttribute()
    {
        var definition = LifecycleTasks.SendTask.Definition;

        Assert.Equal("email", definition.Queue);
        Assert.Equal(5, definition.MaxRetries);
        Assert.Equal(TimeSpan.FromSeconds(30), definition.DefaultRetryDelay);
        Assert.True(definition.RetryBackoff);
        Assert.Equal(TimeSpan.FromSeconds(2), definition.RetryBackoffBase);
        Assert.Equal(TimeSpan.FromMinutes(10), definition.RetryBackoffMax);
        Assert.False(definition.RetryJitter);
        Assert.Equal(TimeSpan.FromMinutes(1), definition.SoftTimeLimit);
        Assert.Equal(TimeSpan.FromSeconds(90), definition.TimeLimit);
        Assert.Equal(TimeSpan.FromDays(1), definition.Expires);
    }

    [Fact]
    public void AutoRetryFor_MatchesListedTypesAndTheirSubtypes_Only()
    {
        var autoRetryFor = LifecycleTasks.SendTask.Definition.AutoRetryFor;

        Assert.NotNull(autoRetryFor);
        Assert.True(autoRetryFor(new HttpRequestException()));
        Assert.True(autoRetryFor(new TimeoutException()));
        Assert.True(autoRetryFor(new HardQuotaException("derived")));
        Assert.False(autoRetryFor(new InvalidOperationException()));
        Assert.False(autoRetryFor(new Exception()));
    }

    [Fact]
    public void Definition_WithoutOptions_KeepsRuntimeDefaults()
    {
        var definition = LifecycleTasks.PlainTask.Definition;
        var defaults = new TaskDefinition("defaults", _ => default);

        Assert.Equal(defaults.MaxRetries, definition.MaxRetries);
        Assert.Equal(defaults.DefaultRetryDelay, definition.DefaultRetryDelay);
        Assert.Equal(defaults.RetryBackoff, definition.RetryBackoff);
        Assert.Equal(defaults.RetryBackoffBase, definition.RetryBackoffBase);
        Assert.Equal(defaults.RetryBackoffMax, definition.RetryBackoffMax);
        Assert.Equal(defaults.RetryJitter, definition.RetryJitter);
        Assert.Null(definition.AutoRetryFor);
        Assert.Null(definition.SoftTimeLimit);
        Assert.Null(definition.TimeLimit);
        Assert.Null(definition.Expires);
        Assert.Null(definition.RateLimit);
    }

    [Fact]
    public void Definition_HasTheRateLimitSetOnTheAttribute()
    {
        Assert.Equal(new RateLimit(10, TimeSpan.FromSeconds(1)), LifecycleTasks.PerSecondTask.Definition.RateLimit);
        Assert.Equal(new RateLimit(100, TimeSpan.FromMinutes(1)), LifecycleTasks.PerMinuteTask.Definition.RateLimit);
        Assert.Equal(new RateLimit(1000, TimeSpan.FromHours(1)), LifecycleTasks.PerHourTask.Definition.RateLimit);
        Assert.Null(LifecycleTasks.SendTask.Definition.RateLimit);
    }

    [Fact]
    public async Task TaskContextParameter_IsNotAnArgument()
    {
        TaskHandle<int> handle = await _client.WhichAttempt().DelayAsync(10, TestContext.Current.CancellationToken);

        Assert.Equal("""{"offset":10}""", _client.Json);
        Assert.Equal(LifecycleTasks.WhichAttemptTask.Name, handle.TaskName);
    }

    [Fact]
    public async Task TaskContextParameter_ReceivesTheInvocationContext()
    {
        var invocation = Invocation(LifecycleTasks.WhichAttemptTask.Definition, """{"offset":0}""", attempt: 2);

        await LifecycleTasks.WhichAttemptTask.Definition.Invoker(invocation);

        Assert.Equal("2", Encoding.UTF8.GetString(invocation.ResultJson.Span));
    }

    [Fact]
    public async Task TaskContextRetry_PropagatesFromTheInvoker()
    {
        var invocation = Invocation(LifecycleTasks.RetryLaterTask.Definition, "{}", attempt: 1);

        var ex = await Assert.ThrowsAsync<TaskRetryException>(async () => await LifecycleTasks.RetryLaterTask.Definition.Invoker(invocation));

        Assert.Equal(TimeSpan.FromSeconds(5), ex.Countdown);
    }
}
