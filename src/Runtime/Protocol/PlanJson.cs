using System.Text;
using System.Text.Json;

namespace TypedTasks.Protocol;

/// <summary>
/// What the workflow headers (<c>TT-Chain</c>, <c>TT-Chord</c>) share on the wire: compact printable-ASCII JSON, and the
/// shape of a step still to send — <c>{"task":…,"queue":…,"arg":…,"args":{…}}</c> — read with every bound checked.
/// </summary>
internal static class PlanJson
{
    /// <summary>The longest header value (characters, printable ASCII): half of the intake's default header budget.</summary>
    public const int MaxHeaderLength = 8 * 1024;

    /// <summary>The longest workflow id: member and step ids (<c>&lt;id&gt;-&lt;n&gt;</c>) must stay valid task ids (128).</summary>
    public const int MaxWorkflowIdLength = 100;

    /// <summary>How deep the header's JSON may nest.</summary>
    public const int MaxDepth = 64;

    private const int MaxTaskNameLength = 200;
    private const int MaxArgumentNameLength = 128;

    /// <summary>Writes a step to send: its task, queue, the argument the previous result fills, and the other arguments.</summary>
    public static void WriteStep(Utf8JsonWriter writer, ChainStep step)
    {
        writer.WriteStartObject();
        writer.WriteString("task"u8, step.Task);
        writer.WriteString("queue"u8, step.Queue);
        writer.WriteString("arg"u8, step.Argument);
        writer.WritePropertyName("args"u8);
        writer.WriteRawValue(step.Arguments.Span, skipInputValidation: true);
        writer.WriteEndObject();
    }

    /// <summary>Reads a step to send; null and the step when every bound holds, otherwise why not (<paramref name="label"/>
    /// names it in the reason).</summary>
    public static string? TryReadStep(JsonElement element, string label, out ChainStep? step)
    {
        step = null;
        if (element.ValueKind != JsonValueKind.Object)
        {
            return $"{label} is not an object";
        }

        if (!TryString(element, "task", out var task) || task.Length > MaxTaskNameLength)
        {
            return $"{label}: 'task' must be a task name of 1 to {MaxTaskNameLength} characters";
        }

        if (!TryString(element, "queue", out var queue) || queue.Length > 64 || !NatsNames.IsValidQueue(queue))
        {
            return $"{label}: 'queue' must be 1 to 64 letters, digits, '-' and '_'";
        }

        if (!TryString(element, "arg", out var argument) || argument.Length > MaxArgumentNameLength)
        {
            return $"{label}: 'arg' must be an argument name of 1 to {MaxArgumentNameLength} characters";
        }

        if (!element.TryGetProperty("args", out var args) || args.ValueKind != JsonValueKind.Object)
        {
            return $"{label}: 'args' must be a JSON object";
        }

        if (args.TryGetProperty(argument, out _))
        {
            return $"{label}: 'args' must not hold '{WireText.Bound(argument)}', which the previous result fills";
        }

        step = new ChainStep(task, queue, argument, Encoding.UTF8.GetBytes(args.GetRawText()));
        return null;
    }

    /// <summary>The body of a step to send: <paramref name="value"/> (raw JSON; empty for null) under the step's argument, then
    /// its other arguments.</summary>
    public static byte[] StepBody(ChainStep step, Action<Utf8JsonWriter> value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(step.Arguments.Length + 64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName(step.Argument);
            value(writer);
            using var others = JsonDocument.Parse(step.Arguments);
            foreach (var property in others.RootElement.EnumerateObject())
            {
                property.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The body of an error callback: the failure (<see cref="TaskFailure"/>, C# property names as for any argument)
    /// under the handler's argument, then its other arguments.</summary>
    public static byte[] FailureBody(ChainStep handler, TaskFailure failure)
        => StepBody(handler, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("TaskId"u8, failure.TaskId);
            writer.WriteString("TaskName"u8, failure.TaskName);
            writer.WriteString("ErrorType"u8, failure.ErrorType);
            writer.WriteString("Message"u8, failure.Message);
            writer.WriteEndObject();
        });

    /// <summary>Writes an optional error callback as <c>"error"</c>.</summary>
    public static void WriteErrorHandler(Utf8JsonWriter writer, ChainStep? handler)
    {
        if (handler is not null)
        {
            writer.WritePropertyName("error"u8);
            WriteStep(writer, handler);
        }
    }

    /// <summary>Reads an optional error callback (<c>"error"</c>); null and the handler (null when absent), or why not.</summary>
    public static string? TryReadErrorHandler(JsonElement root, out ChainStep? handler)
    {
        handler = null;
        return root.TryGetProperty("error", out var element) ? TryReadStep(element, "error", out handler) : null;
    }

    /// <summary>The task id of a workflow's task <paramref name="n"/>: <c>&lt;id&gt;-&lt;n&gt;</c> (a chain's step, a group's,
    /// chord's or batch's member), also its <c>Nats-Msg-Id</c>.</summary>
    public static string TaskIdOf(string workflowId, int n) => workflowId + "-" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The task id of a workflow's error callback: <c>&lt;id&gt;-error</c>, also its <c>Nats-Msg-Id</c>.</summary>
    public static string ErrorCallbackId(string workflowId) => workflowId + "-error";

    /// <summary>Writes raw JSON, or <c>null</c> for none.</summary>
    public static void WriteRawOrNull(Utf8JsonWriter writer, ReadOnlyMemory<byte> json)
    {
        if (json.IsEmpty)
        {
            writer.WriteNullValue();
        }
        else
        {
            writer.WriteRawValue(json.Span, skipInputValidation: true);
        }
    }

    /// <summary>The header value of JSON written by <paramref name="write"/>; throws <see cref="ArgumentException"/> past a bound
    /// (the client's check before sending; <paramref name="what"/> names the plan in the message).</summary>
    public static string ToHeader(string what, Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        var text = Encoding.UTF8.GetString(buffer.WrittenSpan);
        if (text.Length > MaxHeaderLength)
        {
            throw new ArgumentException($"The {what}'s plan takes {text.Length} characters, more than {MaxHeaderLength}: its arguments travel with every message. Pass references (ids, URLs) instead of data.");
        }

        if (!IsPrintableAscii(text))
        {
            throw new ArgumentException($"The {what}'s plan is not printable ASCII; its arguments must be written with an escaping JSON encoder.");
        }

        return text;
    }

    /// <summary>Parses a header value within the size and character bounds: null and the document (its root an object), or
    /// why not (a fragment: "it …").</summary>
    public static string? TryParse(string text, out JsonDocument? document)
    {
        document = null;
        if (text.Length > MaxHeaderLength)
        {
            return $"it has {text.Length} characters, more than {MaxHeaderLength}";
        }

        if (!IsPrintableAscii(text))
        {
            return "it is not printable ASCII";
        }

        try
        {
            document = JsonDocument.Parse(Encoding.ASCII.GetBytes(text), new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException ex)
        {
            return $"it is not valid JSON: {WireText.Bound(ex.Message)}";
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            document = null;
            return "it is not a JSON object";
        }

        return null;
    }

    /// <summary>Reads a workflow id: 1 to <see cref="MaxWorkflowIdLength"/> characters of a task id.</summary>
    public static bool TryId(JsonElement element, out string id)
        => TryString(element, "id", out id) && id.Length <= MaxWorkflowIdLength && NatsNames.IsValidTaskId(id);

    public static bool TryString(JsonElement element, string name, out string value)
    {
        value = element.TryGetProperty(name, out var property) && property.ValueKind == JsonValueKind.String ? property.GetString() ?? string.Empty : string.Empty;
        return value.Length > 0;
    }

    public static bool TryInt(JsonElement element, string name, out int value)
    {
        value = 0;
        return element.TryGetProperty(name, out var property) && property.ValueKind == JsonValueKind.Number && property.TryGetInt32(out value);
    }

    public static bool IsPrintableAscii(string text) => text.AsSpan().IndexOfAnyExceptInRange(' ', '~') < 0;
}
