using System.Globalization;

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
            : throw new FormatException($"The rate limit '{text}' is not valid: write a positive count, '/', and s, m or h, e.g. \"10/s\", \"100/m\", \"1000/h\".");

    /// <summary>Parses Celery's notation.</summary>
    /// <param name="text">The rate limit.</param>
    /// <param name="limit">The parsed rate limit.</param>
    /// <returns>Whether the text is valid.</returns>
    public static bool TryParse(string? text, out RateLimit limit)
    {
        limit = default;
        var slash = text?.IndexOf('/') ?? -1;
        if (text is null || slash <= 0 || slash != text.Length - 2
            || !int.TryParse(text.AsSpan(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count <= 0)
        {
            return false;
        }

        TimeSpan? per = text[^1] switch
        {
            's' => TimeSpan.FromSeconds(1),
            'm' => TimeSpan.FromMinutes(1),
            'h' => TimeSpan.FromHours(1),
            _ => null,
        };
        if (per is null)
        {
            return false;
        }

        limit = new RateLimit(count, per.Value);
        return true;
    }

    /// <inheritdoc/>
    public override string ToString()
        => Count.ToString(CultureInfo.InvariantCulture) + "/" + (Per == TimeSpan.FromSeconds(1) ? "s" : Per == TimeSpan.FromMinutes(1) ? "m" : "h");
}
