using System.Globalization;
using System.Text;
using System.Text.Json;
using NATS.Client.Core;
using TypedTasks.Generated;
using TypedTasks.Protocol;
using TypedTasks.Topology;

namespace TypedTasks.Intake;

/// <summary>
/// The intake (docs/protocol.md §3): every delivered message passes here before it takes a slot, and becomes either a
/// <see cref="TaskMessage"/> or a refusal with a reason. Every byte on the wire is untrusted: the protocol version, the
/// id (the client's own rule), the task name (exact), the optional headers' syntax, the reply subject's shape, the sizes,
/// and the body (one JSON object, nothing after it, bounded depth). Nothing here does I/O.
/// </summary>
internal sealed class TaskIntake(TaskRegistry registry, NatsNames names, IntakeOptions options)
{
    /// <summary>Attempts and retry counts above this are not believable.</summary>
    private const int MaxAttempts = 10_000;

    /// <summary>How far in the future a <c>TT-Eta</c> on a queue's subject may be (clocks differ): the forwarder's own hold.</summary>
    private static readonly TimeSpan EtaTolerance = TimeSpan.FromSeconds(1);

    public IntakeOptions Options => options;

    public IntakeVerdict Check(NatsHeaders? headers, ReadOnlyMemory<byte> body)
    {
        // One pass over the block picks out every header the intake reads and sums its size: a lookup per header name
        // would hash each name again (a third of the check's time when it did).
        var wire = new WireHeaders(headers);
        var name = wire.Task;
        var id = wire.Id ?? wire.MsgId;
        var usableId = id is not null && NatsNames.IsValidTaskId(id) ? id : null;

        if (headers?.Error is { } unreadable)
        {
            // NATS.Net could not parse the header block (not NATS/1.0, or a line that is not "Name: value"): it gives what it
            // read before the error and no body. Nothing of it is trusted; the dead letter keeps the raw block and the body
            // read back from the stream (docs/protocol.md §7).
            var cause = unreadable is NatsHeaderParseException { InnerException: { } inner } ? inner.Message : unreadable.Message;
            return IntakeVerdict.Refuse($"The message's header block cannot be read ({WireText.Bound(cause)}): it must start with NATS/1.0 and hold one 'Name: value' per line.", usableId, Shown(name));
        }

        if (wire.Bytes > options.MaxHeaderBytes)
        {
            return IntakeVerdict.Refuse($"The message's headers take {wire.Bytes} bytes, more than TypedTasks:Worker:Intake:MaxHeaderBytes ({options.MaxHeaderBytes}).", usableId, Shown(name));
        }

        var protocol = wire.Protocol;
        if (!TryParseCount(protocol, out var version) || version < 1)
        {
            return IntakeVerdict.Refuse($"Missing or invalid {TaskHeaders.Protocol} header '{WireText.Bound(protocol)}'.", usableId, Shown(name));
        }

        if (version > TaskHeaders.ProtocolVersion)
        {
            return IntakeVerdict.Refuse($"Protocol version {version} is newer than this worker speaks ({TaskHeaders.ProtocolVersion}); upgrade the worker.", usableId, Shown(name));
        }

        if (usableId is null)
        {
            return IntakeVerdict.Refuse(
                id is null
                    ? $"The message has no {TaskHeaders.Id} header (nor {TaskHeaders.MsgId}, its stand-in)."
                    : $"The task id '{WireText.Bound(id)}' is not valid: use 1 to 128 letters, digits, '-' and '_'.",
                null,
                Shown(name));
        }

        // A step of a chain: its plan is read before anything else can refuse the message, so that a refused step still
        // ends its chain (docs/protocol.md §12). A plan that cannot be read ends nothing: no part of it is trusted.
        ChainPlan? chain = null;
        if (wire.Chain is { } chainText && ChainPlan.TryParse(chainText, usableId, out chain) is { } badChain)
        {
            return IntakeVerdict.Refuse(badChain, usableId, Shown(name));
        }

        // A member of a chord, likewise: a refused member fails its chord (docs/protocol.md §13).
        ChordPlan? chord = null;
        if (wire.Chord is { } chordText)
        {
            if (ChordPlan.TryParse(chordText, usableId, out chord) is { } badChord)
            {
                return IntakeVerdict.Refuse(badChord, usableId, Shown(name));
            }

            if (chain is not null)
            {
                return IntakeVerdict.Refuse($"A message is a step of a chain ({TaskHeaders.Chain}) or a member of a chord ({TaskHeaders.Chord}), not both.", usableId, Shown(name));
            }
        }

        if (string.IsNullOrEmpty(name))
        {
            return IntakeVerdict.Refuse($"The message has no {TaskHeaders.Task} header.", usableId, null, chain: chain, chord: chord);
        }

        // Exact: a name with padding or another case is another name (a task is never guessed).
        if (!registry.TryGet(name, out var task))
        {
            return Refused(new UnknownTaskException(Shown(name)!).Message, typeof(UnknownTaskException));
        }

        var attempt = 1;
        if (wire.Attempt is { } attemptText && (!TryParseCount(attemptText, out attempt) || attempt is < 1 or > MaxAttempts))
        {
            return Refused($"Invalid {TaskHeaders.Attempt} header '{WireText.Bound(attemptText)}': a whole number from 1 to {MaxAttempts}.");
        }

        var maxRetries = task.MaxRetries;
        if (wire.MaxRetries is { } retriesText && (!TryParseCount(retriesText, out maxRetries) || maxRetries > MaxAttempts))
        {
            return Refused($"Invalid {TaskHeaders.MaxRetries} header '{WireText.Bound(retriesText)}': a whole number from 0 to {MaxAttempts}.");
        }

        DateTimeOffset? expires = null;
        if (wire.Expires is { } expiresText)
        {
            if (!TaskSchedule.TryParseTime(expiresText, out var time))
            {
                return Refused($"Invalid {TaskHeaders.Expires} header '{WireText.Bound(expiresText)}': an ISO 8601 time with an offset, e.g. 2026-01-31T12:00:00Z.");
            }

            expires = time;
        }

        // TT-Eta and TT-Queue belong to messages that wait (docs/protocol.md §4): the schedule mover and the forwarder drop
        // TT-Eta when a task is due. One on a queue's subject is a producer's mistake; a task is never run before its ETA.
        if (wire.Eta is { } etaText)
        {
            if (!TaskSchedule.TryParseTime(etaText, out var eta))
            {
                return Refused($"Invalid {TaskHeaders.Eta} header '{WireText.Bound(etaText)}': an ISO 8601 time with an offset, e.g. 2026-01-31T12:00:00Z.");
            }

            if (eta > DateTimeOffset.UtcNow + EtaTolerance)
            {
                return Refused($"The task is due at {eta.UtcDateTime:O} ({TaskHeaders.Eta}) but was published to a queue, where it would run at once: publish a task due later to {names.Prefix}.scheduled.<queue>, or {names.Prefix}.delayed.<queue>.<id> where the stream {names.DelayedStream} exists (docs/protocol.md §4).");
            }
        }

        if (wire.Queue is { } queueText && (queueText.Length > 64 || !NatsNames.IsValidQueue(queueText)))
        {
            return Refused($"Invalid {TaskHeaders.Queue} header '{WireText.Bound(queueText)}': use 1 to 64 letters, digits, '-' and '_'.");
        }

        ulong? revision = null;
        if (wire.RecordRevision is { } revisionText)
        {
            if (!ulong.TryParse(revisionText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                return Refused($"Invalid {TaskHeaders.RecordRevision} header '{WireText.Bound(revisionText)}': a whole number.");
            }

            revision = parsed;
        }

        var reply = wire.Reply;
        if (reply is not null && !names.IsResultsSubject(reply))
        {
            // Reply subjects are data, never authority: a worker publishes only to the shape the protocol defines.
            return Refused($"Invalid {TaskHeaders.Reply} header '{WireText.Bound(reply)}': only {names.ResultsSubjectPrefix}<32 hex digits>, optionally followed by .<32 hex digits>, is accepted; nothing was published to it.");
        }

        if (body.Length > options.MaxBodyBytes)
        {
            return Refused($"The body has {body.Length} bytes, more than TypedTasks:Worker:Intake:MaxBodyBytes ({options.MaxBodyBytes}).", typeof(TaskArgumentException));
        }

        if (CheckJson(body.Span, options.MaxJsonDepth) is { } badJson)
        {
            return Refused(badJson, typeof(TaskArgumentException));
        }

        return IntakeVerdict.Accept(new TaskMessage(usableId, task, attempt, maxRetries, expires, revision, reply, chain, chord));

        // Past the plans, every refusal keeps them: a refused step or member still ends its chain or chord.
        IntakeVerdict Refused(string reason, Type? errorType = null) => IntakeVerdict.Refuse(reason, usableId, Shown(name), errorType, chain, chord);
    }

    /// <summary>Null when the body is one JSON object, with nothing after it, nesting at most <paramref name="maxDepth"/> deep.</summary>
    private static string? CheckJson(ReadOnlySpan<byte> body, int maxDepth)
    {
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = maxDepth });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return "The message body is not a JSON object of named arguments.";
            }

            reader.Skip();
            // A second value (or any non-space byte) after the object throws here.
            return reader.Read() ? "The message body has data after the arguments object." : null;
        }
        catch (JsonException ex)
        {
            return "The message body is not valid JSON: " + WireText.Bound(ex.Message);
        }
    }

    private static bool TryParseCount(string? text, out int value)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    /// <summary>The task name as a refusal shows it (bounded, control characters replaced); only refusals pay for it.</summary>
    private static string? Shown(string? name) => name is null ? null : WireText.Bound(name);
}
