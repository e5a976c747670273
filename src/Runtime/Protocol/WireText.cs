namespace TypedTasks.Protocol;

/// <summary>How user-controlled text from the wire is echoed back: in reasons, log lines and header values.</summary>
internal static class WireText
{
    /// <summary>Longest piece of a user-controlled string that goes into a reason or a log line.</summary>
    public const int MaxEcho = 200;

    /// <summary>A user-controlled string cut to <see cref="MaxEcho"/> characters, control characters shown as '?'.</summary>
    public static string Bound(string? text)
    {
        if (text is null)
        {
            return string.Empty;
        }

        var cut = text.Length > MaxEcho ? text[..MaxEcho] : text;
        if (cut.AsSpan().IndexOfAnyInRange('\0', '\x1f') >= 0 || cut.Contains('\x7f', StringComparison.Ordinal))
        {
            cut = string.Create(cut.Length, cut, static (span, source) =>
            {
                for (var i = 0; i < span.Length; i++)
                {
                    span[i] = char.IsControl(source[i]) ? '?' : source[i];
                }
            });
        }

        return text.Length > MaxEcho ? cut + $"… ({text.Length} characters)" : cut;
    }

    /// <summary>The longest header value <see cref="Header"/> writes, cut marker included.</summary>
    public const int MaxHeader = 1024;

    /// <summary>
    /// A header value as NATS carries it unchanged: printable ASCII, with every other character (and the backslash)
    /// escaped as <c>\uXXXX</c> (JSON's escape, UTF-16 code units) — so a reason quoting a non-ASCII name keeps it — and
    /// at most <see cref="MaxHeader"/> characters: a longer one is cut before an escape and ends with <c>...</c>.
    /// </summary>
    public static string Header(string text)
    {
        var builder = new System.Text.StringBuilder(Math.Min(text.Length + 16, MaxHeader + 8));
        foreach (var c in text)
        {
            if (builder.Length > MaxHeader)
            {
                break;
            }

            if (c is >= ' ' and < '\x7f' && c != '\\')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
        }

        if (builder.Length <= MaxHeader)
        {
            return builder.ToString();
        }

        // Cut to leave room for the marker, never inside an escape.
        var cut = MaxHeader - 3;
        var escape = builder.ToString(0, cut).LastIndexOf('\\');
        if (escape >= 0 && escape + 6 > cut)
        {
            cut = escape;
        }

        return builder.ToString(0, cut) + "...";
    }

    /// <summary>Undoes <see cref="Header"/>: <c>\uXXXX</c> back to the character.</summary>
    public static string FromHeader(string value)
    {
        if (!value.Contains("\\u", StringComparison.Ordinal))
        {
            return value;
        }

        var builder = new System.Text.StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && i + 5 < value.Length && value[i + 1] == 'u'
                && int.TryParse(value.AsSpan(i + 2, 4), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var code))
            {
                builder.Append((char)code);
                i += 5;
            }
            else
            {
                builder.Append(value[i]);
            }
        }

        return builder.ToString();
    }
}
