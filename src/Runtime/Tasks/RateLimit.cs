using TypedTasks.Semantics;

namespace TypedTasks;

/// <summary>
/// A task type's rate limit: at most <see cref="Count"/> starts per <see cref="Per"/>, across all workers of the
/// cluster. Written as <c>"10/s"</c>, <c>"100/m"</c> or <c>"1000/h"</c> (Celery's notation).
/// </summary>
/// <param name="Count">How many starts per interval.</param>
/// <param name="Per">The interval: one second, minute or hour.</param>
public readonly record struct RateLimit(int Count, TimeSpan Per)
{
    /// <summary>Parses Celery's notation: <c>"10/s"</c>, <c>"100/m"</c>, <c>"1000/h"</c>.</summary>
    /// <param name="text">The rate limit.</param>
    /// <returns>The parsed rate limit.</returns>
    /// <exception cref="FormatException">The text is not a positive count, a slash and one of s, m, h.</exception>
    public static RateLimit Parse(string text)
        => TryParse(text, out var limit)
            ? limit
            : throw new FormatException($"The rate limit '{text}' is not valid: {RateLimitSyntax.Fix}.");

    /// <summary>Parses Celery's notation, by the same rules as the generator and the analyzer TT0008.</summary>
    /// <param name="text">The rate limit.</param>
    /// <param name="limit">The parsed rate limit.</param>
    /// <returns>Whether the text is valid.</returns>
    public static bool TryParse(string? text, out RateLimit limit)
    {
        var valid = RateLimitSyntax.TryParse(text, out var count, out var per);
        limit = valid ? new RateLimit(count, per) : default;
        return valid;
    }

    /// <inheritdoc/>
    public override string ToString() => RateLimitSyntax.Format(Count, Per);
}
