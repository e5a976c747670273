using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Dispatching;

namespace TypedTasks.Integration.Tests.Infrastructure;

[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(string))]
internal sealed partial class TestJson : JsonSerializerContext;

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

    public static TypedTasksBuilder AddHandWrittenTasks(this TypedTasksBuilder builder)
        => builder.AddTask(Echo).AddTask(Fail).AddTask(Block).AddTask(BlockStarted).AddTask(Count);

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
