namespace TypedTasks.Generator.Model;

/// <summary>The retry, time-limit, expiry and rate-limit options set explicitly on <c>[Task]</c>; unset ones keep the runtime's defaults.</summary>
/// <param name="MaxRetries">How many times a failed task is retried, when set.</param>
/// <param name="DefaultRetryDelay">Ticks, when set.</param>
/// <param name="RetryBackoff">Whether exponential backoff is on (emitted only when <see langword="true"/>).</param>
/// <param name="RetryBackoffBase">Ticks, when set.</param>
/// <param name="RetryBackoffMax">Ticks, when set.</param>
/// <param name="RetryJitter">Whether full jitter is on (emitted only when <see langword="false"/>).</param>
/// <param name="AutoRetryFor">The exception types that trigger a retry, as <c>global::</c> names; none when empty.</param>
/// <param name="SoftTimeLimit">Ticks, when set.</param>
/// <param name="TimeLimit">Ticks, when set.</param>
/// <param name="Expires">Ticks, when set.</param>
/// <param name="RateLimit">The rate limit, when set.</param>
internal sealed record LifecycleModel(
    int? MaxRetries,
    long? DefaultRetryDelay,
    bool RetryBackoff,
    long? RetryBackoffBase,
    long? RetryBackoffMax,
    bool RetryJitter,
    EquatableArray<string> AutoRetryFor,
    long? SoftTimeLimit,
    long? TimeLimit,
    long? Expires,
    RateLimitModel? RateLimit)
{
    /// <summary>Nothing set: every option keeps the runtime's default.</summary>
    public static readonly LifecycleModel Default = new(null, null, false, null, null, true, EquatableArray<string>.Empty, null, null, null, null);
}

/// <summary>A rate limit of <c>[Task]</c>: at most <paramref name="Count"/> starts per <paramref name="PerTicks"/>.</summary>
/// <param name="Count">How many starts per interval, positive.</param>
/// <param name="PerTicks">The interval in ticks: one second, minute or hour.</param>
internal readonly record struct RateLimitModel(int Count, long PerTicks);
