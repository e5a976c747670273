using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using TypedTasks.Generated;

namespace TypedTasks.Bench;

[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(IReadOnlyList<int>))]
internal sealed partial class BenchJson : JsonSerializerContext;

/// <summary>The generated arguments struct of a partial call that leaves every argument open: writes <c>{}</c>.</summary>
public readonly struct NoArguments : ITaskArguments
{
    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteEndObject();
    }
}

/// <summary>The generated arguments struct of <c>echo(int value)</c>: writes <c>{"value":N}</c>.</summary>
public readonly struct EchoArguments(int value) : ITaskArguments
{
    private static readonly JsonEncodedText ValueName = JsonEncodedText.Encode("value");

    public int Value { get; } = value;

    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteNumber(ValueName, Value);
        writer.WriteEndObject();
    }
}

/// <summary>
/// <c>echo(int value)</c> with a payload: writes <c>{"value":N,"pad":"xxx…"}</c>; the invoker skips <c>pad</c> like any
/// unknown argument. Used by the scale figure to vary the message body (100 B, 10 KB, 1 MB).
/// </summary>
public readonly struct PaddedEchoArguments(int value, byte[] padUtf8) : ITaskArguments
{
    private static readonly JsonEncodedText ValueName = JsonEncodedText.Encode("value");
    private static readonly JsonEncodedText PadName = JsonEncodedText.Encode("pad");

    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteNumber(ValueName, value);
        writer.WriteString(PadName, padUtf8);
        writer.WriteEndObject();
    }

    /// <summary>The pad that makes the body of task <c>0…9999</c> about <paramref name="bodyBytes"/> long (±3 B).</summary>
    public static byte[] PadFor(int bodyBytes) => Enumerable.Repeat((byte)'x', Math.Max(0, bodyBytes - """{"value":1000,"pad":""}""".Length)).ToArray();
}

/// <summary>
/// The bench's tasks, written by hand in the shape the generator emits (see
/// <c>tests/Integration.Tests/Infrastructure/HandWrittenTasks.cs</c>): a definition, an invoker that reads the
/// named JSON arguments with <see cref="TaskArgumentReader"/>, calls the method and reports the result.
/// </summary>
public static class BenchTasks
{
    public const string Queue = "bench";

    /// <summary><c>[Task] static int Echo(int value) => value;</c></summary>
    public static readonly TaskDefinition<int> Echo = new("bench.echo", InvokeEcho, BenchJson.Default.Int32) { Queue = Queue };

    /// <summary><c>[Task(IgnoreResult = true)] static void Noop(int value) { }</c></summary>
    public static readonly TaskDefinition Noop = new("bench.noop", InvokeNoop) { Queue = Queue, IgnoreResult = true };

    /// <summary><c>[Task(IgnoreResult = true)] static void Stamp(int value)</c>: notes when task <c>value</c> started (the S figure).</summary>
    public static readonly TaskDefinition Stamp = new("bench.stamp", InvokeStamp) { Queue = Queue, IgnoreResult = true };

    /// <summary><c>[Task] static int Sum(IReadOnlyList&lt;int&gt; values)</c>: a chord's callback (the chord figure).</summary>
    public static readonly TaskDefinition<int> Sum = new("bench.sum", InvokeSum, BenchJson.Default.Int32) { Queue = Queue };

    private static readonly byte[] ValueUtf8 = "value"u8.ToArray();
    private static readonly byte[] ValuesUtf8 = "values"u8.ToArray();

    private static int s_sums;

    /// <summary>How many times <see cref="Sum"/> ran in this process.</summary>
    public static int Sums => Volatile.Read(ref s_sums);

    private static long[]? s_stamps;

    /// <summary>Start times (UTC ticks) of <see cref="Stamp"/> by its argument, for the run in progress.</summary>
    public static long[]? Stamps
    {
        get => Volatile.Read(ref s_stamps);
        set => Volatile.Write(ref s_stamps, value);
    }

    private static Countdown? s_counter;

    /// <summary>Counts executions for the run in progress: the bench's only hook into the worker.</summary>
    public static Countdown? Counter
    {
        get => Volatile.Read(ref s_counter);
        set => Volatile.Write(ref s_counter, value);
    }

    public static void CountExecution() => Volatile.Read(ref s_counter)?.Signal();

    public static int EchoMethod(int value) => value;

    public static void NoopMethod(int value)
    {
        _ = value;
    }

    internal static ValueTask InvokeEcho(TaskInvocation invocation)
    {
        var value = ReadValue(invocation);
        var result = EchoMethod(value);
        CountExecution();
        invocation.SetResult(result, BenchJson.Default.Int32);
        return default;
    }

    internal static ValueTask InvokeStamp(TaskInvocation invocation)
    {
        var value = ReadValue(invocation);
        if (Stamps is { } stamps && (uint)value < (uint)stamps.Length)
        {
            Interlocked.CompareExchange(ref stamps[value], DateTime.UtcNow.Ticks, 0);
        }

        CountExecution();
        return default;
    }

    internal static ValueTask InvokeNoop(TaskInvocation invocation)
    {
        var value = ReadValue(invocation);
        NoopMethod(value);
        CountExecution();
        return default;
    }

    internal static ValueTask InvokeSum(TaskInvocation invocation)
    {
        var reader = new Utf8JsonReader(invocation.Arguments.Span);
        TaskArgumentReader.ReadStartObject(ref reader, invocation.TaskName);
        IReadOnlyList<int>? values = null;
        while (TaskArgumentReader.ReadNextProperty(ref reader, invocation.TaskName))
        {
            if (reader.ValueTextEquals(ValuesUtf8))
            {
                values = TaskArgumentReader.ReadNonNullValue(ref reader, BenchJson.Default.IReadOnlyListInt32, invocation.TaskName, "values");
            }
            else
            {
                TaskArgumentReader.SkipValue(ref reader, invocation.TaskName);
            }
        }

        var sum = (values ?? throw TaskArgumentReader.MissingArgument(invocation.TaskName, "values")).Sum();
        Interlocked.Increment(ref s_sums);
        invocation.SetResult(sum, BenchJson.Default.Int32);
        return default;
    }

    private static int ReadValue(TaskInvocation invocation)
    {
        var reader = new Utf8JsonReader(invocation.Arguments.Span);
        TaskArgumentReader.ReadStartObject(ref reader, invocation.TaskName);
        int? value = null;
        while (TaskArgumentReader.ReadNextProperty(ref reader, invocation.TaskName))
        {
            if (reader.ValueTextEquals(ValueUtf8))
            {
                value = TaskArgumentReader.ReadValue(ref reader, BenchJson.Default.Int32, invocation.TaskName, "value");
            }
            else
            {
                TaskArgumentReader.SkipValue(ref reader, invocation.TaskName);
            }
        }

        return value ?? throw TaskArgumentReader.MissingArgument(invocation.TaskName, "value");
    }

    /// <summary>The task types the bench's JSON metadata covers, for the micro benchmarks.</summary>
    public static JsonTypeInfo<int> IntInfo => BenchJson.Default.Int32;
}
