using System.Globalization;
using NATS.Client.Core;

namespace TypedTasks.Protocol;

/// <summary>
/// The headers and body of a dead letter (docs/protocol.md §7): the original's headers (less <c>Nats-Msg-Id</c>, which
/// would dedupe the dead letter against the task) and body, plus why, when, from where. Where the original would not fit
/// the server's limits with them (64 KB of headers, the max payload), header values are cut and the body is cut, and
/// <c>TT-Dead-Truncated</c> says so, with the original's sizes and stream sequence.
/// </summary>
internal static class DeadLetterEnvelope
{
    /// <summary>Above this many header bytes, the dead letter keeps the original's header values cut short.</summary>
    public const int HeaderBudget = 16 * 1024;

    private const int HeaderValueCut = 256;

    public static (NatsHeaders Headers, ReadOnlyMemory<byte> Body) Build(NatsHeaders? original, ReadOnlyMemory<byte> body, string reason, string fromSubject, ulong? sequence, int? maxPayload)
    {
        var headers = new NatsHeaders();
        var truncated = new List<string>(2);
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
                if (string.Equals(key, TaskHeaders.MsgId, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                var text = value.ToString();
                headers[key] = cut && text.Length > HeaderValueCut ? text[..HeaderValueCut] : value;
            }

            if (cut)
            {
                truncated.Add($"headers ({originalBytes} bytes; each value cut to {HeaderValueCut} characters)");
            }
        }

        // Room for the headers kept and ours, below the server's max payload.
        var bodyRoom = Math.Max(4096, (maxPayload ?? 1024 * 1024) - 8192 - Math.Min(originalBytes, HeaderBudget));
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
            headers[TaskHeaders.DeadOriginalSize] = $"headers={originalBytes} body={body.Length}";
        }

        return (headers, kept);
    }
}
