using System;

namespace TypedTasks.Semantics;

/// <summary>
/// The one definition of the <c>RateLimit</c> notation of <c>[Task]</c> (Celery's <c>rate_limit</c>): a positive
/// count in ASCII digits (no sign, no white space, at most <see cref="int.MaxValue"/>), <c>/</c>, then exactly one
/// of <c>s</c>, <c>m</c>, <c>h</c>. The generator, the analyzer (TT0008) and the runtime's <c>RateLimit</c> all parse
/// with this, so what compiles is what runs.
/// </summary>
/// <remarks>Linked into the generator, the analyzers and the runtime: netstandard2.0-compatible and internal.</remarks>
internal static class RateLimitSyntax
{
    /// <summary>What to write instead, ending the messages of TT0008 and of the runtime's <c>FormatException</c>.</summary>
    public const string Fix = "write a positive count, '/', and s, m or h, with no spaces, such as \"10/s\", \"100/m\" or \"1000/h\"";

    /// <summary>Parses <paramref name="text"/>; <paramref name="per"/> is one second, minute or hour.</summary>
    public static bool TryParse(string? text, out int count, out TimeSpan per)
    {
        count = 0;
        per = default;
        if (text is null || Check(text, out var parsed, out var unit) is not null)
        {
            return false;
        }

        count = parsed;
        per = unit;
        return true;
    }

    /// <summary>What is wrong with <paramref name="text"/> (quoted in the result), or <see langword="null"/> when it is valid.</summary>
    public static string? GetProblem(string text) => Check(text, out _, out _);

    /// <summary>The notation of a parsed limit: <c>"10/s"</c>.</summary>
    public static string Format(int count, TimeSpan per)
        => count.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/"
            + (per == TimeSpan.FromSeconds(1) ? "s" : per == TimeSpan.FromMinutes(1) ? "m" : "h");

    private static string? Check(string text, out int count, out TimeSpan per)
    {
        count = 0;
        per = default;
        var slash = text.IndexOf('/');
        if (slash <= 0 || slash != text.Length - 2)
        {
            return NotARateLimit(text);
        }

        switch (text[text.Length - 1])
        {
            case 's':
                per = TimeSpan.FromSeconds(1);
                break;
            case 'm':
                per = TimeSpan.FromMinutes(1);
                break;
            case 'h':
                per = TimeSpan.FromHours(1);
                break;
            default:
                return NotARateLimit(text);
        }

        // ASCII digits only, as int.TryParse(…, NumberStyles.None, InvariantCulture) reads them.
        var value = 0L;
        for (var i = 0; i < slash; i++)
        {
            if (text[i] is < '0' or > '9')
            {
                return NotARateLimit(text);
            }

            value = (value * 10) + (text[i] - '0');
            if (value > int.MaxValue)
            {
                return $"\"{text}\" has a count above {int.MaxValue}";
            }
        }

        if (value == 0)
        {
            return $"\"{text}\" allows no starts at all";
        }

        count = (int)value;
        return null;
    }

    private static string NotARateLimit(string text) => $"\"{text}\" is not a rate limit";
}
