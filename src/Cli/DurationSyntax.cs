using System.Globalization;

namespace TypedTasks.Cli;

/// <summary>The durations <c>tt</c>'s options take (<c>--wait</c>, <c>--countdown</c>): friendlier for a shell than the
/// <c>hh:mm:ss</c> of <c>[Task]</c>'s options (src/Semantics), which it also reads.</summary>
internal static class DurationSyntax
{
    /// <summary>Reads <c>30s</c>, <c>5m</c>, <c>1h30m</c>, <c>250ms</c>, <c>2d</c>, <c>00:05:00</c>, or a bare number of seconds (<c>0.5</c>).</summary>
    public static bool TryParse(string text, out TimeSpan span)
    {
        span = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        if (text.Contains(':', StringComparison.Ordinal))
        {
            return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out span);
        }

        if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var bare))
        {
            return TryFrom(bare, 1000, out span);
        }

        var total = 0.0;
        var rest = text.AsSpan();
        while (!rest.IsEmpty)
        {
            var digits = 0;
            while (digits < rest.Length && (char.IsAsciiDigit(rest[digits]) || rest[digits] == '.'))
            {
                digits++;
            }

            var units = digits;
            while (units < rest.Length && char.IsAsciiLetter(rest[units]))
            {
                units++;
            }

            if (digits == 0 || units == digits
                || !double.TryParse(rest[..digits], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            {
                return false;
            }

            double? scale = rest[digits..units] switch
            {
                "ms" => 1,
                "s" => 1000,
                "m" or "min" => 60_000,
                "h" => 3_600_000,
                "d" => 86_400_000,
                _ => null,
            };
            if (scale is null)
            {
                return false;
            }

            total += value * scale.Value;
            rest = rest[units..];
        }

        return TryFrom(total / 1000, 1000, out span);
    }

    private static bool TryFrom(double seconds, double perSecond, out TimeSpan span)
    {
        span = TimeSpan.Zero;
        var milliseconds = seconds * perSecond;
        if (double.IsNaN(milliseconds) || milliseconds < 0 || milliseconds > TimeSpan.FromDays(3650).TotalMilliseconds)
        {
            return false;
        }

        span = TimeSpan.FromMilliseconds(milliseconds);
        return true;
    }
}
