using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Generated;

namespace TypedTasks.Integration.Tests.Infrastructure;

[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(ImportProgress))]
public sealed partial class TestJson : JsonSerializerContext;

/// <summary>A task's own progress record (typed progress).</summary>
public sealed record ImportProgress(int Rows, string Stage);

/// <summary>Arguments given as a ready JSON object (what a producer in another language would send).</summary>
public readonly struct JsonArguments(string json) : ITaskArguments
{
    public void WriteTo(Utf8JsonWriter writer) => writer.WriteRawValue(json);
}

/// <summary>
/// Task definitions written by hand in the shape the generator emits, so that these tests exercise the
/// runtime and NATS path on their own. (Generated tasks are tested end to end in <c>GeneratedTasksTests</c>.)
/// </summary>
public static class HandWrittenTasks
{
    public static readonly TaskDefinition<int> Echo = new("tests.echo", InvokeEcho, TestJson.Default.Int32);

    public static readonly TaskDefinition<int> Fail = new("tests.fail", InvokeFail, TestJson.Default.Int32);

    public static readonly TaskDefinition<string> Block = new("tests.block", InvokeBlock, TestJson.Default.String);

    public static readonly TaskDefinition<string> BlockStarted = new("tests.block-started", InvokeBlock, TestJson.Default.String) { TrackStarted = true };

    public static readonly TaskDefinition Count = new("tests.count", InvokeCount);

    public static readonly TaskDefinition<int> NotRegistered = new("tests.not-registered", InvokeEcho, TestJson.Default.Int32);

    /// <summary>Fails with IOException until its attempt exceeds the "failures" argument; backoff 200 ms, 400 ms, … without jitter.</summary>
    public static readonly TaskDefinition<int> Flaky = new("tests.flaky", InvokeFlaky, TestJson.Default.Int32)
    {
        MaxRetries = 3,
        RetryBackoff = true,
        RetryBackoffBase = TimeSpan.FromMilliseconds(200),
        RetryJitter = false,
        AutoRetryFor = static ex => ex is IOException,
    };

    /// <summary>Flaky under a name no other test uses, so its metrics are the telemetry test's alone; backoff 50 ms.</summary>
    public static readonly TaskDefinition<int> Metered = new("tests.metered", InvokeFlaky, TestJson.Default.Int32)
    {
        MaxRetries = 3,
        RetryBackoff = true,
        RetryBackoffBase = TimeSpan.FromMilliseconds(50),
        RetryJitter = false,
        AutoRetryFor = static ex => ex is IOException,
    };

    /// <summary>Flaky whose retry waits 2 s (fixed delay, no jitter): long enough to restart the server meanwhile.</summary>
    public static readonly TaskDefinition<int> SlowRetry = new("tests.slow-retry", InvokeFlaky, TestJson.Default.Int32)
    {
        MaxRetries = 1,
        DefaultRetryDelay = TimeSpan.FromSeconds(2),
        RetryJitter = false,
        AutoRetryFor = static ex => ex is IOException,
    };

    /// <summary>Asks for one retry with a 300 ms countdown through its TaskContext, then succeeds.</summary>
    public static readonly TaskDefinition<int> RetryOnce = new("tests.retry-once", InvokeRetryOnce, TestJson.Default.Int32);

    /// <summary>Blocks until its gate opens, with a 300 ms soft time limit (its token is cancelled).</summary>
    public static readonly TaskDefinition<string> SoftLimited = new("tests.soft-limited", InvokeBlock, TestJson.Default.String) { SoftTimeLimit = TimeSpan.FromMilliseconds(300), MaxRetries = 0 };

    /// <summary>Ignores its token and blocks until its gate opens, with a 300 ms hard time limit.</summary>
    public static readonly TaskDefinition<string> HardLimited = new("tests.hard-limited", InvokeBlockIgnoringToken, TestJson.Default.String) { TimeLimit = TimeSpan.FromMilliseconds(300) };

    /// <summary>Records its start; at most 5 starts per second across the cluster.</summary>
    public static readonly TaskDefinition Limited = new("tests.limited", InvokeLimited) { RateLimit = TypedTasks.RateLimit.Parse("5/s") };

    /// <summary>Echo with TrackStarted: every run records STARTED as a new key first.</summary>
    public static readonly TaskDefinition<int> EchoTracked = new("tests.echo-tracked", InvokeEchoCounted, TestJson.Default.Int32) { TrackStarted = true };

    /// <summary>Echo that also counts its runs in the probe (key "echo-counted").</summary>
    public static readonly TaskDefinition<int> EchoCounted = new("tests.echo-counted", InvokeEchoCounted, TestJson.Default.Int32);

    /// <summary>Reports half done, then blocks until its gate opens.</summary>
    public static readonly TaskDefinition<string> Progressing = new("tests.progressing", InvokeProgressing, TestJson.Default.String);

    /// <summary>Reports typed progress 10,000 times in a tight loop (rows 0 … 9,999), then blocks until its gate opens.</summary>
    public static readonly TaskDefinition<string> ProgressingTyped = new("tests.progressing-typed", InvokeProgressingTyped, TestJson.Default.String);

    /// <summary>Returns a string of <c>size</c> characters: with its record, past the result store's limit when large.</summary>
    public static readonly TaskDefinition<string> BigResult = new("tests.big-result", InvokeBigResult, TestJson.Default.String);

    public static TypedTasksBuilder AddHandWrittenTasks(this TypedTasksBuilder builder)
        => builder.AddTask(Echo).AddTask(Fail).AddTask(Block).AddTask(BlockStarted).AddTask(Count)
            .AddTask(Flaky).AddTask(RetryOnce).AddTask(SoftLimited).AddTask(HardLimited).AddTask(Limited)
            .AddTask(EchoTracked).AddTask(EchoCounted).AddTask(Progressing).AddTask(ProgressingTyped).AddTask(Metered).AddTask(SlowRetry).AddTask(BigResult);

    public static JsonArguments Failures(string key, int failures) => new($$"""{"key":"{{key}}","failures":{{failures}}}""");

    public static JsonArguments Value(int value) => new($$"""{"value":{{value}}}""");

    public static JsonArguments Key(string key) => new($$"""{"key":"{{key}}"}""");

    private static ValueTask InvokeEcho(TaskInvocation invocation)
    {
        var value = Read(invocation, "value", TestJson.Default.Int32);
        invocation.SetResult(value * 2, TestJson.Default.Int32);
        return default;
    }

    private static ValueTask InvokeFail(TaskInvocation invocation)
    {
        var value = Read(invocation, "value", TestJson.Default.Int32);
        throw new InvalidOperationException($"failing on purpose with {value}");
    }

    private static async ValueTask InvokeBlock(TaskInvocation invocation)
    {
        var key = Read(invocation, "key", TestJson.Default.String);
        var probe = invocation.Services.GetRequiredService<Probe>();
        using (probe.Enter())
        {
            probe.StartedSignal(key).TrySetResult();
            await probe.Gate(key).Task.WaitAsync(invocation.CancellationToken);
        }

        probe.Executed(key);
        invocation.SetResult(key, TestJson.Default.String);
    }

    private static ValueTask InvokeFlaky(TaskInvocation invocation)
    {
        var key = Read(invocation, "key", TestJson.Default.String);
        var failures = Read(invocation, "failures", TestJson.Default.Int32);
        invocation.Services.GetRequiredService<Probe>().Attempted(key, invocation.Context.Attempt);
        if (invocation.Context.Attempt <= failures)
        {
            throw new IOException($"attempt {invocation.Context.Attempt} fails");
        }

        invocation.SetResult(invocation.Context.Attempt, TestJson.Default.Int32);
        return default;
    }

    private static ValueTask InvokeRetryOnce(TaskInvocation invocation)
    {
        var key = Read(invocation, "key", TestJson.Default.String);
        invocation.Services.GetRequiredService<Probe>().Attempted(key, invocation.Context.Attempt);
        if (invocation.Context.Retries == 0)
        {
            throw invocation.Context.Retry(TimeSpan.FromMilliseconds(300), new TimeoutException("the mail server did not answer"));
        }

        invocation.SetResult(invocation.Context.Attempt, TestJson.Default.Int32);
        return default;
    }

    private static async ValueTask InvokeBlockIgnoringToken(TaskInvocation invocation)
    {
        var key = Read(invocation, "key", TestJson.Default.String);
        var probe = invocation.Services.GetRequiredService<Probe>();
        probe.StartedSignal(key).TrySetResult();
        await probe.Gate(key).Task;
        probe.Executed(key);
        invocation.SetResult(key, TestJson.Default.String);
    }

    private static ValueTask InvokeEchoCounted(TaskInvocation invocation)
    {
        var value = Read(invocation, "value", TestJson.Default.Int32);
        invocation.Services.GetRequiredService<Probe>().Executed(invocation.TaskName);
        invocation.SetResult(value * 2, TestJson.Default.Int32);
        return default;
    }

    private static async ValueTask InvokeProgressing(TaskInvocation invocation)
    {
        var key = Read(invocation, "key", TestJson.Default.String);
        var probe = invocation.Services.GetRequiredService<Probe>();
        await invocation.Context.ReportProgressAsync(0.5, "page 5 of 10", invocation.CancellationToken);
        probe.StartedSignal(key).TrySetResult();
        await probe.Gate(key).Task.WaitAsync(invocation.CancellationToken);
        invocation.SetResult(key, TestJson.Default.String);
    }

    private static async ValueTask InvokeProgressingTyped(TaskInvocation invocation)
    {
        var key = Read(invocation, "key", TestJson.Default.String);
        var probe = invocation.Services.GetRequiredService<Probe>();
        const int Rows = 10_000;
        for (var row = 0; row < Rows; row++)
        {
            await invocation.Context.ReportProgressAsync((row + 1) / (double)Rows, new ImportProgress(row, "import"), TestJson.Default.ImportProgress, cancellationToken: invocation.CancellationToken);
        }

        probe.StartedSignal(key).TrySetResult();
        await probe.Gate(key).Task.WaitAsync(invocation.CancellationToken);
        invocation.SetResult(key, TestJson.Default.String);
    }

    private static ValueTask InvokeLimited(TaskInvocation invocation)
    {
        var key = Read(invocation, "key", TestJson.Default.String);
        invocation.Services.GetRequiredService<Probe>().Attempted(key, invocation.Context.Attempt);
        return default;
    }

    private static ValueTask InvokeBigResult(TaskInvocation invocation)
    {
        var size = Read(invocation, "value", TestJson.Default.Int32);
        invocation.Services.GetRequiredService<Probe>().Executed(invocation.TaskName);
        invocation.SetResult(new string('x', size), TestJson.Default.String);
        return default;
    }

    private static ValueTask InvokeCount(TaskInvocation invocation)
    {
        var key = Read(invocation, "key", TestJson.Default.String);
        invocation.Services.GetRequiredService<Probe>().Executed(key);
        return default;
    }

    private static T Read<T>(TaskInvocation invocation, string name, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo)
    {
        var reader = new Utf8JsonReader(invocation.Arguments.Span);
        TaskArgumentReader.ReadStartObject(ref reader, invocation.TaskName);
        while (TaskArgumentReader.ReadNextProperty(ref reader, invocation.TaskName))
        {
            if (reader.ValueTextEquals(name))
            {
                return TaskArgumentReader.ReadValue(ref reader, typeInfo, invocation.TaskName, name);
            }

            TaskArgumentReader.SkipValue(ref reader, invocation.TaskName);
        }

        throw TaskArgumentReader.MissingArgument(invocation.TaskName, name);
    }
}
