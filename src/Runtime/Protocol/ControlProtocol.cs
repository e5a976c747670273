namespace TypedTasks.Protocol;

/// <summary>The words of remote control on <c>&lt;prefix&gt;.control.*</c> (docs/protocol.md, "remote control").</summary>
internal static class ControlProtocol
{
    /// <summary>Longest reply subject a worker answers to; NATS.Net's inboxes are about 50 characters.</summary>
    public const int MaxReplySubjectLength = 256;

    /// <summary>The start of a refusal: <c>refused: &lt;why, and how to enable it&gt;</c>.</summary>
    public const string RefusedPrefix = "refused: ";

    public static ReadOnlySpan<byte> Ping => "ping"u8;

    public static ReadOnlySpan<byte> Shutdown => "shutdown"u8;

    public static ReadOnlySpan<byte> Stopping => "stopping"u8;

    public static ReadOnlySpan<byte> UnknownCommand => "unknown command"u8;

    /// <summary>
    /// Whether a worker may answer on <paramref name="subject"/>: an inbox as NATS clients make them — first token
    /// <c>_INBOX</c> or <c>_INBOX_&lt;letters, digits, '-', '_'&gt;</c> (<c>TypedTasks:InboxPrefix</c>), then one or more
    /// tokens of printable ASCII without wildcards — at most <see cref="MaxReplySubjectLength"/> characters. A reply
    /// subject is data, never authority (as <c>TT-Reply</c>, <see cref="NatsNames.IsResultsSubject"/>): no request can
    /// make a worker publish to a stream, a KV bucket, the JetStream API or TypedTasks' own subjects.
    /// </summary>
    public static bool IsReplySubject(string? subject)
    {
        if (string.IsNullOrEmpty(subject) || subject.Length > MaxReplySubjectLength || !subject.StartsWith("_INBOX", StringComparison.Ordinal))
        {
            return false;
        }

        var first = subject.IndexOf('.', StringComparison.Ordinal);
        if (first < 0 || first == subject.Length - 1)
        {
            return false;
        }

        foreach (var c in subject.AsSpan(6, first - 6))
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }

        if (first > 6 && (subject[6] != '_' || first == 7))
        {
            return false;
        }

        foreach (var token in subject[(first + 1)..].Split('.'))
        {
            if (token.Length == 0 || token is "*" or ">" || token.AsSpan().IndexOfAnyExceptInRange('!', '~') >= 0)
            {
                return false;
            }
        }

        return true;
    }
}
