using System.Buffers;
using System.ComponentModel;
using System.Text;
using System.Text.Json;
using TypedTasks.Generated;

namespace TypedTasks;

/// <summary>
/// A task with all its arguments, not sent (Celery's signature, <c>add.s(2, 3)</c>): what a periodic schedule sends at
/// each occurrence (<c>builder.AddPeriodic(ReportTasks.GenerateReportTask.Call(2024), "0 0 3 * * *")</c>) and the first
/// step of a chain (<c>MathTasks.AddTask.Call(2, 3).Then(…)</c>, docs/workflows.md). Made by the generated <c>Call(…)</c>
/// of each task's proxy, so the arguments are checked by the compiler like <c>DelayAsync</c>'s. A value: two calls are
/// equal when they name the same task with the same argument bytes.
/// </summary>
public class TaskCall : IEquatable<TaskCall>
{
    private readonly byte[] _arguments;

    /// <summary>Creates a call. Used by generated code.</summary>
    /// <param name="task">The task.</param>
    /// <param name="arguments">Its arguments.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public TaskCall(TaskDefinition task, ITaskArguments arguments)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(arguments);
        Task = task;
        // Written once: the same bytes go out at every occurrence, and make the call's identity.
        _arguments = SignatureJson.Write(arguments);
    }

    /// <summary>The task.</summary>
    public TaskDefinition Task { get; }

    /// <summary>The arguments as the JSON object of the message body.</summary>
    public ReadOnlyMemory<byte> ArgumentsJson => _arguments;

    /// <summary>The call as JSON, to store and send again later (<see cref="FromJson(string, TaskDefinition)"/>):
    /// <c>{"task":"&lt;task name&gt;","args":{…}}</c>.</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() => SignatureJson.ToJson(Task.Name, null, _arguments);

    /// <summary>A call read back from <see cref="ToJson"/>, for <paramref name="task"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="task">The task it calls: its name must be the one in <paramref name="json"/>.</param>
    /// <returns>The call, equal to the one written.</returns>
    /// <exception cref="ArgumentException">Not a call's JSON, or a call of another task.</exception>
    public static TaskCall FromJson(string json, TaskDefinition task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return new TaskCall(task, new SignatureJson.Arguments(SignatureJson.Read(json, task.Name, expectArgument: false).Arguments));
    }

    /// <inheritdoc/>
    public bool Equals(TaskCall? other)
        => other is not null && other.GetType() == GetType() && other.Task.Name == Task.Name && other._arguments.AsSpan().SequenceEqual(_arguments);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as TaskCall);

    /// <inheritdoc/>
    public override int GetHashCode() => SignatureJson.Hash(Task.Name, null, _arguments);

    /// <inheritdoc/>
    public override string ToString() => Task.Name + " " + Encoding.UTF8.GetString(_arguments);
}

/// <summary>
/// A task that returns a <typeparamref name="TResult"/>, with all its arguments, not sent (the generated <c>Call(…)</c>).
/// <see cref="Then{TNext}"/> starts a chain whose next step takes this result as its first argument.
/// </summary>
/// <typeparam name="TResult">The task's result type.</typeparam>
public sealed class TaskCall<TResult> : TaskCall
{
    /// <summary>Creates a call. Used by generated code.</summary>
    /// <param name="task">The task.</param>
    /// <param name="arguments">Its arguments.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public TaskCall(TaskDefinition<TResult> task, ITaskArguments arguments)
        : base(task, arguments)
    {
        Definition = task;
    }

    /// <summary>The task, with its result type.</summary>
    public TaskDefinition<TResult> Definition { get; }

    /// <summary>A call read back from <see cref="TaskCall.ToJson"/>, for <paramref name="task"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="task">The task it calls: its name must be the one in <paramref name="json"/>.</param>
    /// <returns>The call, equal to the one written.</returns>
    /// <exception cref="ArgumentException">Not a call's JSON, or a call of another task.</exception>
    public static TaskCall<TResult> FromJson(string json, TaskDefinition<TResult> task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return new TaskCall<TResult>(task, new SignatureJson.Arguments(SignatureJson.Read(json, task.Name, expectArgument: false).Arguments));
    }

    /// <summary>A chain: this call, then <paramref name="next"/> with this call's result as its first argument. Compiles only
    /// when <paramref name="next"/>'s first parameter is a <typeparamref name="TResult"/> (TT0203 names both types when not).</summary>
    /// <typeparam name="TNext">The next step's result type.</typeparam>
    /// <param name="next">The next step: the generated <c>Partial(…)</c> of a task, with all but its first argument.</param>
    /// <returns>The chain of two steps.</returns>
    public TaskChain<TNext> Then<TNext>(PartialTaskCall<TResult, TNext> next) => TaskChain<TResult>.Start(this).Then(next);
}

/// <summary>
/// A task with all its arguments but the first, not sent: a step of a chain, whose first argument will be the result of
/// the step before it (Celery's partial signature, <c>mul.s(10)</c>). Made by the generated <c>Partial(…)</c> of each task
/// that returns a value and takes at least one argument. A value: equal when the task, the argument it leaves open and
/// the other arguments' bytes are.
/// </summary>
public abstract class PartialTaskCall : IEquatable<PartialTaskCall>
{
    private readonly byte[] _arguments;

    private protected PartialTaskCall(TaskDefinition task, string argumentName, ITaskArguments otherArguments)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentException.ThrowIfNullOrEmpty(argumentName);
        ArgumentNullException.ThrowIfNull(otherArguments);
        Task = task;
        ArgumentName = argumentName;
        _arguments = SignatureJson.Write(otherArguments);
    }

    /// <summary>The task.</summary>
    public TaskDefinition Task { get; }

    /// <summary>The name of the argument the previous step's result fills (the task's first argument).</summary>
    public string ArgumentName { get; }

    /// <summary>The other arguments, as a JSON object.</summary>
    public ReadOnlyMemory<byte> ArgumentsJson => _arguments;

    /// <summary>The partial call as JSON, to store and use again later: <c>{"task":"&lt;task name&gt;","arg":"&lt;open argument&gt;","args":{…}}</c>.</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() => SignatureJson.ToJson(Task.Name, ArgumentName, _arguments);

    /// <inheritdoc/>
    public bool Equals(PartialTaskCall? other)
        => other is not null && other.GetType() == GetType() && other.Task.Name == Task.Name && other.ArgumentName == ArgumentName && other._arguments.AsSpan().SequenceEqual(_arguments);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as PartialTaskCall);

    /// <inheritdoc/>
    public override int GetHashCode() => SignatureJson.Hash(Task.Name, ArgumentName, _arguments);

    /// <inheritdoc/>
    public override string ToString() => $"{Task.Name}({ArgumentName} = previous result) {Encoding.UTF8.GetString(_arguments)}";
}

/// <summary>A step of a chain that takes a <typeparamref name="TIn"/> (the previous step's result) as its first argument and
/// returns a <typeparamref name="TResult"/>.</summary>
/// <typeparam name="TIn">The type of the task's first argument.</typeparam>
/// <typeparam name="TResult">The task's result type.</typeparam>
public sealed class PartialTaskCall<TIn, TResult> : PartialTaskCall
{
    /// <summary>Creates a partial call. Used by generated code.</summary>
    /// <param name="task">The task.</param>
    /// <param name="argumentName">The name of its first argument, which the previous step's result fills.</param>
    /// <param name="otherArguments">Its other arguments.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public PartialTaskCall(TaskDefinition<TResult> task, string argumentName, ITaskArguments otherArguments)
        : base(task, argumentName, otherArguments)
    {
        Definition = task;
    }

    /// <summary>The task, with its result type.</summary>
    public TaskDefinition<TResult> Definition { get; }

    /// <summary>A partial call read back from <see cref="PartialTaskCall.ToJson"/>, for <paramref name="task"/>. The
    /// compiler checked <typeparamref name="TIn"/> when the call was made, not here: read it back with the types it was
    /// written with.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="task">The task it calls: its name must be the one in <paramref name="json"/>.</param>
    /// <returns>The partial call, equal to the one written.</returns>
    /// <exception cref="ArgumentException">Not a partial call's JSON, or one of another task.</exception>
    public static PartialTaskCall<TIn, TResult> FromJson(string json, TaskDefinition<TResult> task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var (argument, arguments) = SignatureJson.Read(json, task.Name, expectArgument: true);
        return new PartialTaskCall<TIn, TResult>(task, argument!, new SignatureJson.Arguments(arguments));
    }
}

/// <summary>
/// A chain of tasks, not sent (Celery's <c>chain(a.s(), b.s(), c.s())</c>, written <c>a.Then(b).Then(c)</c>): each step
/// runs as a normal task once the step before it succeeded, with that step's result as its first argument; a step that
/// fails stops the chain. Typed by the last step's result: send it with <c>client.SendChainAsync(chain)</c>, and its handle
/// yields that result. At most <see cref="MaxSteps"/> steps. A value: equal when the steps are. See docs/workflows.md.
/// </summary>
/// <typeparam name="TResult">The last step's result type.</typeparam>
public sealed class TaskChain<TResult> : IEquatable<TaskChain<TResult>>
{
    private readonly TaskCall _first;
    private readonly PartialTaskCall[] _rest;

    private TaskChain(TaskCall first, PartialTaskCall[] rest, TaskDefinition<TResult> last, PartialTaskCall? onError = null)
    {
        _first = first;
        _rest = rest;
        Last = last;
        OnErrorCall = onError;
    }

    /// <summary>The error callback, when one is set (<see cref="OnError{TAny}"/>).</summary>
    public PartialTaskCall? OnErrorCall { get; }

    /// <summary>The most steps a chain may have (the plan travels with every step's message; docs/protocol.md §12).</summary>
    public const int MaxSteps = 32;

    /// <summary>The first step, with all its arguments.</summary>
    public TaskCall First => _first;

    /// <summary>The steps after the first, each with all its arguments but the first.</summary>
    public IReadOnlyList<PartialTaskCall> Rest => _rest;

    /// <summary>How many steps the chain has.</summary>
    public int Count => _rest.Length + 1;

    /// <summary>The last step's task, whose result the chain's handle yields.</summary>
    public TaskDefinition<TResult> Last { get; }

    /// <summary>A chain of one step. <c>call.Then(…)</c> is the usual way to start one.</summary>
    /// <param name="first">The first step.</param>
    /// <returns>The chain.</returns>
    public static TaskChain<TResult> Start(TaskCall<TResult> first)
    {
        ArgumentNullException.ThrowIfNull(first);
        return new TaskChain<TResult>(first, [], first.Definition);
    }

    /// <summary>This chain, then <paramref name="next"/> with the last step's result as its first argument. Compiles only
    /// when <paramref name="next"/>'s first parameter is a <typeparamref name="TResult"/> (TT0203 names both types when not).</summary>
    /// <typeparam name="TNext">The next step's result type.</typeparam>
    /// <param name="next">The next step: the generated <c>Partial(…)</c> of a task.</param>
    /// <returns>A new chain, one step longer; this one is unchanged.</returns>
    /// <exception cref="InvalidOperationException">The chain would have more than <see cref="MaxSteps"/> steps.</exception>
    public TaskChain<TNext> Then<TNext>(PartialTaskCall<TResult, TNext> next)
    {
        ArgumentNullException.ThrowIfNull(next);
        if (Count >= MaxSteps)
        {
            throw new InvalidOperationException($"A chain has at most {MaxSteps} steps; split the work, or let a step send the rest as a new chain.");
        }

        return new TaskChain<TNext>(_first, [.. _rest, next], next.Definition, OnErrorCall);
    }

    /// <summary>This chain with an error callback (Celery's <c>link_error</c>): when a step fails (after its retries, or
    /// dead-lettered) and so ends the chain, <paramref name="handler"/> is sent once with a <see cref="TaskFailure"/> — the
    /// step's id, task and error — as its first argument, under the task id <c>&lt;chain id&gt;-error</c>. Not for a revoked
    /// chain.</summary>
    /// <typeparam name="TAny">The handler's result type (unused by the chain).</typeparam>
    /// <param name="handler">The generated <c>Partial(…)</c> of a task whose first parameter is a <see cref="TaskFailure"/>.</param>
    /// <returns>A new chain with the handler; this one is unchanged.</returns>
    public TaskChain<TResult> OnError<TAny>(PartialTaskCall<TaskFailure, TAny> handler)
        => new(_first, _rest, Last, handler ?? throw new ArgumentNullException(nameof(handler)));

    /// <inheritdoc/>
    public bool Equals(TaskChain<TResult>? other)
        => other is not null && other._first.Equals(_first) && other._rest.AsSpan().SequenceEqual(_rest) && Equals(other.OnErrorCall, OnErrorCall);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as TaskChain<TResult>);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(_first);
        foreach (var step in _rest)
        {
            hash.Add(step);
        }

        return hash.ToHashCode();
    }

    /// <inheritdoc/>
    public override string ToString() => string.Join(" | ", _rest.Select(s => s.ToString()).Prepend(_first.ToString()));
}

/// <summary>How signatures keep their arguments: the JSON bytes the message body will carry, written once.</summary>
internal static class SignatureJson
{
    public static byte[] Write(ITaskArguments arguments)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            arguments.WriteTo(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Arguments read back from a signature's JSON, written again as they are.</summary>
    public readonly struct Arguments(byte[] json) : ITaskArguments
    {
        public void WriteTo(Utf8JsonWriter writer) => writer.WriteRawValue(json, skipInputValidation: true);
    }

    /// <summary>A signature's JSON: the task's name, the open argument (partial calls), the arguments.</summary>
    public static string ToJson(string task, string? argument, byte[] arguments)
    {
        var buffer = new ArrayBufferWriter<byte>(arguments.Length + 64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("task"u8, task);
            if (argument is not null)
            {
                writer.WriteString("arg"u8, argument);
            }

            writer.WritePropertyName("args"u8);
            writer.WriteRawValue(arguments, skipInputValidation: true);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Reads a signature's JSON for the task named <paramref name="task"/>: the open argument and the arguments.</summary>
    public static (string? Argument, byte[] Arguments) Read(string json, string task, bool expectArgument)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("task", out var name) || name.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("args", out var args) || args.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException("Not a signature's JSON: an object with \"task\" (a string) and \"args\" (an object) is expected.", nameof(json));
            }

            if (name.GetString() != task)
            {
                throw new ArgumentException($"The signature calls '{name.GetString()}', not '{task}'.", nameof(json));
            }

            string? argument = null;
            if (expectArgument && (!root.TryGetProperty("arg", out var arg) || arg.ValueKind != JsonValueKind.String || (argument = arg.GetString()) is null or ""))
            {
                throw new ArgumentException("Not a partial call's JSON: \"arg\", the argument the previous result fills, is missing.", nameof(json));
            }

            return (argument, Encoding.UTF8.GetBytes(args.GetRawText()));
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"Not a signature's JSON: {ex.Message}", nameof(json), ex);
        }
    }

    public static int Hash(string task, string? argument, byte[] arguments)
    {
        var hash = new HashCode();
        hash.Add(task, StringComparer.Ordinal);
        hash.Add(argument, StringComparer.Ordinal);
        hash.AddBytes(arguments);
        return hash.ToHashCode();
    }
}
