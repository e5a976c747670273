namespace TypedTasks.Worker;

/// <summary>
/// Reads the delivery count and the consumer's pending count from a JetStream ack subject without allocating
/// (NATS.Net's <c>Metadata</c> splits the subject into strings and boxes a <c>Lazy</c> per message).
/// v1: <c>$JS.ACK.&lt;stream&gt;.&lt;consumer&gt;.&lt;delivered&gt;.&lt;sseq&gt;.&lt;cseq&gt;.&lt;ts&gt;.&lt;pending&gt;</c> (9 tokens);
/// v2: <c>$JS.ACK.&lt;domain&gt;.&lt;hash&gt;.&lt;stream&gt;.&lt;consumer&gt;.&lt;delivered&gt;.&lt;sseq&gt;.&lt;cseq&gt;.&lt;ts&gt;.&lt;pending&gt;[.&lt;token&gt;]</c>.
/// </summary>
internal static class AckSubject
{
    public static bool TryParse(string? subject, out ulong delivered, out ulong pending)
    {
        delivered = 0;
        pending = 0;
        if (subject is null || !subject.StartsWith("$JS.ACK.", StringComparison.Ordinal))
        {
            return false;
        }

        Span<Range> tokens = stackalloc Range[13];
        var span = subject.AsSpan();
        var count = span.Split(tokens, '.');
        var (deliveredAt, pendingAt) = count switch
        {
            9 => (4, 8),
            11 or 12 => (6, 10),
            _ => (-1, -1),
        };

        return deliveredAt >= 0
            && ulong.TryParse(span[tokens[deliveredAt]], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out delivered)
            && ulong.TryParse(span[tokens[pendingAt]], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out pending);
    }
}
