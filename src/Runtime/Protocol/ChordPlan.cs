using System.Globalization;
using System.Text.Json;

namespace TypedTasks.Protocol;

/// <summary>
/// The plan of a chord as each member's message carries it in the <c>TT-Chord</c> header (docs/protocol.md §13): the group's
/// id, which member this message is, how many there are, and the callback to send once every member has succeeded. The
/// plan travels with the message, so the member that completes the chord needs nothing but the markers in the chords
/// stream. Every bound is checked here, before a message takes a slot: a plan past one is a dead letter.
/// </summary>
internal sealed class ChordPlan
{
    /// <summary>The suffix of the callback's task id: <c>&lt;group id&gt;-callback</c>.</summary>
    public const string CallbackSuffix = "-callback";

    private ChordPlan(string group, int index, int members, ChainStep callback, bool batch, ChainStep? onError)
    {
        OnError = onError;
        Group = group;
        Index = index;
        Members = members;
        Callback = callback;
        Batch = batch;
    }

    /// <summary>The error callback of a chord (Celery's <c>link_error</c>): sent once, with a <see cref="TaskFailure"/>, when
    /// a member fails and ends the chord; null for none (a batch has none: its callback learns of failures).</summary>
    public ChainStep? OnError { get; }

    /// <summary>Whether this is a batch: every member counts, whether it succeeded or not, and the callback receives how they
    /// ended (a <see cref="BatchResult"/>) rather than their results.</summary>
    public bool Batch { get; }

    /// <summary>The group's id: member <c>n</c> has the task id <c>&lt;group&gt;-n</c>.</summary>
    public string Group { get; }

    /// <summary>Which member this message is, from 0.</summary>
    public int Index { get; }

    /// <summary>How many members the group has.</summary>
    public int Members { get; }

    /// <summary>The callback: its <see cref="ChainStep.Argument"/> receives the members' results, in member order.</summary>
    public ChainStep Callback { get; }

    /// <summary>The callback's task id, also its <c>Nats-Msg-Id</c>: whoever completes the chord sends it under this id, so
    /// the stream stores it once however many members see the chord complete.</summary>
    public string CallbackId => CallbackIdOf(Group);

    /// <summary>The callback's task id of a group.</summary>
    public static string CallbackIdOf(string group) => group + CallbackSuffix;

    /// <summary>This member's task id: <c>&lt;group&gt;-&lt;index&gt;</c>.</summary>
    public string MemberId => PlanJson.TaskIdOf(Group, Index);

    /// <summary>The <c>Nats-Msg-Id</c> of a member's marker: <c>&lt;group&gt;.&lt;index&gt;</c> (a member settled twice within
    /// the duplicate window stores one marker).</summary>
    public string MarkerId => Group + "." + Index.ToString(CultureInfo.InvariantCulture);

    /// <summary>The plan of member <paramref name="index"/> of a chord, or with <paramref name="batch"/> of a batch.</summary>
    public static ChordPlan Member(string group, int index, int members, ChainStep callback, bool batch = false, ChainStep? onError = null)
        => new(group, index, members, callback, batch, onError);

    /// <summary>The header value; throws <see cref="ArgumentException"/> past a bound (the client's check before sending).</summary>
    public string ToHeader() => PlanJson.ToHeader("chord", writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("group"u8, Group);
        writer.WriteNumber("index"u8, Index);
        writer.WriteNumber("members"u8, Members);
        if (Batch)
        {
            writer.WriteBoolean("batch"u8, true);
        }

        writer.WritePropertyName("callback"u8);
        PlanJson.WriteStep(writer, Callback);
        PlanJson.WriteErrorHandler(writer, OnError);
        writer.WriteEndObject();
    });

    /// <summary>
    /// Reads a <c>TT-Chord</c> value of the message whose task id is <paramref name="taskId"/>. Null and the plan when it is
    /// well formed and within every bound; otherwise the reason, for the dead letter.
    /// </summary>
    public static string? TryParse(string text, string taskId, out ChordPlan? plan)
    {
        plan = null;
        if (PlanJson.TryParse(text, out var document) is { } unreadable)
        {
            return Bad(unreadable);
        }

        using (document)
        {
            var root = document!.RootElement;
            if (!PlanJson.TryString(root, "group", out var group) || group.Length > PlanJson.MaxWorkflowIdLength || !NatsNames.IsValidTaskId(group))
            {
                return Bad($"'group' must be 1 to {PlanJson.MaxWorkflowIdLength} letters, digits, '-' and '_'");
            }

            if (!PlanJson.TryInt(root, "members", out var members) || members is < 1 or > TaskGroup.MaxMembers)
            {
                return Bad($"'members' must be a whole number from 1 to {TaskGroup.MaxMembers}");
            }

            if (!PlanJson.TryInt(root, "index", out var index) || index < 0 || index >= members)
            {
                return Bad("'index' must be a whole number from 0 to members - 1");
            }

            var expectedId = PlanJson.TaskIdOf(group, index);
            if (taskId != expectedId)
            {
                return Bad($"the message's {TaskHeaders.Id} must be '<group>-<index>', '{WireText.Bound(expectedId)}'");
            }

            var batch = false;
            if (root.TryGetProperty("batch", out var batchElement))
            {
                if (batchElement.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    return Bad("'batch' must be true or false");
                }

                batch = batchElement.ValueKind == JsonValueKind.True;
            }

            if (!root.TryGetProperty("callback", out var callbackElement))
            {
                return Bad("'callback' is missing");
            }

            if (PlanJson.TryReadStep(callbackElement, "callback", out var callback) is { } badCallback)
            {
                return Bad(badCallback);
            }

            if (PlanJson.TryReadErrorHandler(root, out var onError) is { } badHandler)
            {
                return Bad(badHandler);
            }

            plan = new ChordPlan(group, index, members, callback!, batch, onError);
            return null;
        }

        static string Bad(string why) => $"Invalid {TaskHeaders.Chord} header: {why} (docs/protocol.md §13).";
    }

    /// <summary>The error a chord's callback record ends with when member <paramref name="index"/> did not succeed: the
    /// member's error type, and a message that names the member and carries its own.</summary>
    public static TaskError MemberFailed(string group, int index, string task, TaskState state, TaskError? error)
        => new(
            error?.Type ?? typeof(TypedTasksException).FullName!,
            $"Member {index} ({PlanJson.TaskIdOf(group, index)}, {task}) of the chord ended {state.ToWireName()}, so the callback was not sent: {error?.Message ?? "no error recorded"}",
            null);

    /// <summary>The callback's body: the members' results (raw JSON, in member order) as an array under the callback's
    /// argument, then its other arguments.</summary>
    public byte[] CallbackBody(IReadOnlyList<ReadOnlyMemory<byte>> results)
        => PlanJson.StepBody(Callback, writer =>
        {
            writer.WriteStartArray();
            foreach (var result in results)
            {
                PlanJson.WriteRawOrNull(writer, result);
            }

            writer.WriteEndArray();
        });

    /// <summary>A batch's callback body: how the members ended (<see cref="BatchResult"/>, C# property names as for any
    /// argument) under the callback's argument, then its other arguments.</summary>
    public byte[] BatchCallbackBody(IReadOnlyList<bool> failed)
        => PlanJson.StepBody(Callback, writer =>
        {
            var failures = 0;
            foreach (var one in failed)
            {
                failures += one ? 1 : 0;
            }

            writer.WriteStartObject();
            writer.WriteNumber("Total"u8, failed.Count);
            writer.WriteNumber("Succeeded"u8, failed.Count - failures);
            writer.WriteNumber("Failed"u8, failures);
            writer.WriteStartArray("FailedMembers"u8);
            for (var index = 0; index < failed.Count; index++)
            {
                if (failed[index])
                {
                    writer.WriteNumberValue(index);
                }
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
}
