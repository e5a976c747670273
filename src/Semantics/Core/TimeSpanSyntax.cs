using System;
using System.Globalization;

namespace TypedTasks.Semantics;

/// <summary>
/// The one definition of the duration strings of <c>[Task]</c> (<c>TimeLimit = "00:10:00"</c>, <c>Expires</c>,
/// <c>DefaultRetryDelay</c>…): <see cref="TimeSpan.TryParse(string, IFormatProvider, out TimeSpan)"/> with the invariant
/// culture, and not negative. The generator and the analyzer (TT0008) read them with this.
/// </summary>
/// <remarks>Linked into the generator, the analyzers and the runtime: netstandard2.0-compatible and internal.</remarks>
internal static class TimeSpanSyntax
{
    /// <summary>The options of <c>[Task]</c> that hold a duration string, in declaration order.</summary>
    public static readonly string[] Options =
    {
        "DefaultRetryDelay",
        "RetryBackoffBase",
        "RetryBackoffMax",
        "SoftTimeLimit",
        "TimeLimit",
        "Expires",
    };

    /// <summary>What to write instead of text that is not a duration.</summary>
    public const string FormatFix = "write it as [d.]hh:mm[:ss[.fffffff]], such as \"00:03:00\" or \"1.00:00:00\"";

    /// <summary>What to write instead of a negative duration.</summary>
    public const string NegativeFix = "use a duration of zero or more, such as \"00:03:00\"";

    /// <summary>Whether <paramref name="option"/> is one of <see cref="Options"/>.</summary>
    public static bool IsOption(string option) => Array.IndexOf(Options, option) >= 0;

    /// <summary>Parses <paramref name="text"/> as a duration of zero or more.</summary>
    public static bool TryParse(string? text, out TimeSpan value)
        => GetProblem(text, out value) is null;

    /// <summary>
    /// What is wrong with <paramref name="text"/> (quoted in the result, followed by the fix), or
    /// <see langword="null"/> when it is a duration of zero or more, then in <paramref name="value"/>.
    /// </summary>
    public static string? GetProblem(string? text, out TimeSpan value)
    {
        if (text is null || !TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value))
        {
            value = default;
            return $"\"{text}\" is not a TimeSpan; {FormatFix}";
        }

        if (value < TimeSpan.Zero)
        {
            return $"\"{text}\" is negative; {NegativeFix}";
        }

        return null;
    }
}
