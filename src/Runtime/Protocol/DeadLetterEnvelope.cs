using System.Globalization;
using NATS.Client.Core;

namespace TypedTasks.Protocol;

/// <summary>
/// The headers and body of a dead letter (docs/protocol.md §7): the original's headers (less <c>Nats-Msg-Id</c>, which
/// would dedupe the dead letter against the task; kept as <c>TT-Id</c> when the original has none) and body, plus why,
/// when, from where. Where the original would not fit the server's limits with them (64 KB of headers, the max payload),
/// header values are cut and the body is cut, and <c>TT-Dead-Truncated</c> says so, with the original's sizes and stream
/// sequence.
/// </summary>
internal static class DeadLetterEnvelope
{
    /// <summary>Above this many header bytes, the dead letter keeps the original's header values cut short.</summary>
    public const int HeaderBudget = 16 * 1024;

    /// <summary>At most this many bytes of an unreadable header block are kept (base64 in <c>TT-Dead-Raw-Headers</c>,
    /// about 22 KB, so it fits beside <see cref="HeaderBudget"/> and ours below the server's 64 KB).</summary>
    public const int RawHeaderBudget = 16 * 1024;

    private const int HeaderValueCut = 256;

    /// <param name="original">The headers as NATS.Net read them (for an unreadable block: what it read before the error).</param>
    /// <param name="body">The original body.</param>
    /// <param name="reason">Why.</param>
    /// <param name="fromSubject">The subject it came from.</param>
    /// <param name="sequence">Its sequence in the task stream.</param>
    /// <param name="maxPayload">The server's max payload.</param>
    /// <param name="rawHeaders">The original's header block as stored, when it could not be read as headers; else empty.</param>
    /// <param name="bodyProblem">Why the body could not be kept (then <paramref name="body"/> is empty), or null.</param>
    public static (NatsHeaders Headers, ReadOnlyMemory<byte> Body) Build(NatsHeaders? original, ReadOnlyMemory<byte> body, string reason, string fromSubject, ulong? sequence, int? maxPayload, ReadOnlyMemory<byte> rawHeaders = default, string? bodyProblem = null)
    {
        var headers = new NatsHeaders();
        var truncated = new List<string>(2);
        if (!rawHeaders.IsEmpty)
        {
            // Kept verbatim, not as headers: NATS.Net could not parse the block, so copied as headers it would make the dead
            // letter unreadable the same way (issue 14).
            var keptRaw = rawHeaders.Length > RawHeaderBudget ? rawHeaders[..RawHeaderBudget] : rawHeaders;
            headers[TaskHeaders.DeadRawHeaders] = Convert.ToBase64String(keptRaw.Span);
            if (keptRaw.Length < rawHeaders.Length)
            {
                truncated.Add($"raw header block ({rawHeaders.Length} bytes, first {RawHeaderBudget} kept)");
            }
        }

        if (bodyProblem is not null)
        {
            truncated.Add("body (" + WireText.Bound(bodyProblem) + ")");
        }

        var originalBytes = 0;
        if (original is not null)
        {
            foreach (var (key, value) in original)
            {
                originalBytes += key.Length + 4 + value.ToString().Length;
            }

            var cut = originalBytes > HeaderBudget;
            foreach (var (key, value) in original)
            {
                // Without TT-Id, Nats-Msg-Id is the task's id (docs/protocol.md §2): the dead letter keeps it as TT-Id.
                var name = string.Equals(key, TaskHeaders.MsgId, StringComparison.OrdinalIgnoreCase)
                    ? original.ContainsKey(TaskHeaders.Id) ? null : TaskHeaders.Id
                    : key;
                if (name is null)
                {
                    continue;
                }

                var text = value.ToString();
                headers[name] = cut && text.Length > HeaderValueCut ? text[..HeaderValueCut] : value;
            }

            if (cut)
            {
                truncated.Add($"headers ({originalBytes} bytes; each value cut to {HeaderValueCut} characters)");
            }
        }

        // Room for the headers kept and ours, below the server's max payload.
        var bodyRoom = Math.Max(4096, (maxPayload ?? 1024 * 1024) - 8192 - Math.Min(originalBytes, HeaderBudget) - ((Math.Min(rawHeaders.Length, RawHeaderBudget) + 2) / 3 * 4));
        var kept = body;
        if (body.Length > bodyRoom)
        {
            truncated.Add($"body ({body.Length} bytes, first {bodyRoom} kept)");
            kept = body[..bodyRoom];
        }

        headers[TaskHeaders.DeadReason] = WireText.Header(reason);
        headers[TaskHeaders.DeadAt] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        headers[TaskHeaders.DeadFromSubject] = fromSubject;
        if (sequence is { } stream)
        {
            headers[TaskHeaders.DeadSequence] = stream.ToString(CultureInfo.InvariantCulture);
        }

        if (truncated.Count > 0)
        {
            headers[TaskHeaders.DeadTruncated] = string.Join("; ", truncated);
            headers[TaskHeaders.DeadOriginalSize] = $"headers={(rawHeaders.IsEmpty ? originalBytes : rawHeaders.Length)} body={body.Length}";
        }

        return (headers, kept);
    }
}
