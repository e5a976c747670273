using System.Globalization;
using System.Text.Json;

namespace TypedTasks.Protocol;

/// <summary>One step of a chain still to run, as the plan carries it: the task, its queue, the argument the previous
/// step's result fills, and the other arguments (a JSON object).</summary>
internal sealed record ChainStep(string Task, string Queue, string Argument, ReadOnlyMemory<byte> Arguments);

/// <summary>
/// The plan of a chain as each step's message carries it in the <c>TT-Chain</c> header (docs/protocol.md §12): the chain's
/// id, which step this message is, how many there are, and the steps still to run. The plan travels with the message, so
/// a worker that settles a step needs no read to enqueue the next one and nothing lives in a worker's memory between
/// steps. Every bound is checked here, before a message takes a slot: a plan past one is a dead letter, never a loop
/// (each step's plan is strictly shorter than the one before).
/// </summary>
internal sealed class ChainPlan
{
    /// <summary>The longest <c>TT-Chain</c> value (characters, printable ASCII): half of the intake's default header budget.</summary>
    public const int MaxHeaderLength = PlanJson.MaxHeaderLength;

    /// <summary>The longest chain id: step ids (<c>&lt;chain id&gt;-&lt;step&gt;</c>) must stay valid task ids (128).</summary>
    public const int MaxChainIdLength = PlanJson.MaxWorkflowIdLength;

    /// <summary>The most steps a chain may have.</summary>
    public const int MaxSteps = TaskChain<int>.MaxSteps;

    /// <summary>The <c>task</c> of a chain's record (its key is the chain's id; the <c>chain</c> field says the rest).</summary>
    public const string RecordTaskName = "chain";

    private ChainPlan(string id, int step, int steps, IReadOnlyList<ChainStep> next, ChainStep? onError)
    {
        Id = id;
        Step = step;
        Steps = steps;
        Next = next;
        OnError = onError;
    }

    /// <summary>The error callback (Celery's <c>link_error</c>): sent once, with a <see cref="TaskFailure"/>, when a step
    /// fails and ends the chain; null for none.</summary>
    public ChainStep? OnError { get; }

    /// <summary>The chain's id: the key of its record in the result bucket.</summary>
    public string Id { get; }

    /// <summary>Which step this message is, from 0.</summary>
    public int Step { get; }

    /// <summary>How many steps the chain has.</summary>
    public int Steps { get; }

    /// <summary>The steps after this one, in order.</summary>
    public IReadOnlyList<ChainStep> Next { get; }

    /// <summary>Whether this message is the chain's last step.</summary>
    public bool IsLast => Next.Count == 0;

    /// <summary>The task id of a step: <c>&lt;chain id&gt;-&lt;step&gt;</c>, also its <c>Nats-Msg-Id</c>. Deterministic, so two
    /// workers that settle the same step publish the next one under the same message id and the stream stores it once.</summary>
    public static string StepId(string chainId, int step) => PlanJson.TaskIdOf(chainId, step);

    /// <summary>The plan of the next step's message.</summary>
    public ChainPlan Advance() => new(Id, Step + 1, Steps, Next.Skip(1).ToArray(), OnError);

    /// <summary>The plan of a chain's first message.</summary>
    public static ChainPlan First(string id, IReadOnlyList<ChainStep> next, ChainStep? onError = null) => new(id, 0, next.Count + 1, next, onError);

    /// <summary>The header value; throws <see cref="ArgumentException"/> past a bound (the client's check before sending).</summary>
    public string ToHeader() => PlanJson.ToHeader("chain", writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("id"u8, Id);
        writer.WriteNumber("step"u8, Step);
        writer.WriteNumber("steps"u8, Steps);
        writer.WriteStartArray("next"u8);
        foreach (var step in Next)
        {
            PlanJson.WriteStep(writer, step);
        }

        writer.WriteEndArray();
        PlanJson.WriteErrorHandler(writer, OnError);
        writer.WriteEndObject();
    });

    /// <summary>
    /// Reads a <c>TT-Chain</c> value of the message whose task id is <paramref name="taskId"/>. Null and the plan when it is
    /// well formed and within every bound; otherwise the reason, for the dead letter.
    /// </summary>
    public static string? TryParse(string text, string taskId, out ChainPlan? plan)
    {
        plan = null;
        if (PlanJson.TryParse(text, out var document) is { } unreadable)
        {
            return Bad(unreadable);
        }

        using (document)
        {
            var root = document!.RootElement;
            if (!PlanJson.TryId(root, out var id))
            {
                return Bad($"'id' must be 1 to {MaxChainIdLength} letters, digits, '-' and '_'");
            }

            if (!PlanJson.TryInt(root, "steps", out var steps) || steps is < 1 or > MaxSteps)
            {
                return Bad($"'steps' must be a whole number from 1 to {MaxSteps}");
            }

            if (!PlanJson.TryInt(root, "step", out var step) || step < 0 || step >= steps)
            {
                return Bad("'step' must be a whole number from 0 to steps - 1");
            }

            if (!root.TryGetProperty("next", out var nextElement) || nextElement.ValueKind != JsonValueKind.Array)
            {
                return Bad("'next' must be an array");
            }

            if (nextElement.GetArrayLength() != steps - step - 1)
            {
                return Bad($"'next' has {nextElement.GetArrayLength()} steps, but step {step} of {steps} leaves {steps - step - 1}");
            }

            var expectedId = StepId(id, step);
            if (taskId != expectedId)
            {
                return Bad($"the message's {TaskHeaders.Id} must be '<chain id>-<step>', '{WireText.Bound(expectedId)}'");
            }

            var next = new List<ChainStep>(steps - step - 1);
            var index = step;
            foreach (var element in nextElement.EnumerateArray())
            {
                index++;
                if (PlanJson.TryReadStep(element, $"step {index}", out var nextStep) is { } badStep)
                {
                    return Bad(badStep);
                }

                next.Add(nextStep!);
            }

            if (PlanJson.TryReadErrorHandler(root, out var onError) is { } badHandler)
            {
                return Bad(badHandler);
            }

            plan = new ChainPlan(id, step, steps, next, onError);
            return null;
        }

        static string Bad(string why) => $"Invalid {TaskHeaders.Chain} header: {why} (docs/protocol.md §12).";
    }

    /// <summary>The body of the next step: the previous step's result under <see cref="ChainStep.Argument"/>, then the
    /// step's other arguments.</summary>
    public static byte[] NextBody(ChainStep step, ReadOnlyMemory<byte> result)
        => PlanJson.StepBody(step, writer => PlanJson.WriteRawOrNull(writer, result));
}
