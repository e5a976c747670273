namespace TypedTasks.Executor;

/// <summary>Celery's retry rules: when a failed attempt is retried, and after how long.</summary>
internal static class RetryPolicy
{
    /// <summary>Whether <paramref name="error"/> asks for another attempt: an explicit <see cref="TaskContext.Retry"/>
    /// or an exception listed in <see cref="TaskDefinition.AutoRetryFor"/>.</summary>
    public static bool WantsRetry(TaskDefinition task, Exception error)
        => error is TaskRetryException || (task.AutoRetryFor?.Invoke(error) ?? false);

    /// <summary>
    /// The delay before retry number <paramref name="retry"/> (1 for the first retry): the task's own countdown
    /// if it gave one; else exponential backoff base × 2^(retry-1) capped at the maximum, with full jitter
    /// (uniform in [0, delay]) when enabled; else the default retry delay.
    /// </summary>
    public static TimeSpan Delay(TaskDefinition task, int retry, TimeSpan? countdown, Random random)
    {
        if (countdown is { } explicitDelay)
        {
            return explicitDelay < TimeSpan.Zero ? TimeSpan.Zero : explicitDelay;
        }

        if (!task.RetryBackoff)
        {
            return task.DefaultRetryDelay;
        }

        var exponent = Math.Min(Math.Max(retry - 1, 0), 62);
        var ticks = task.RetryBackoffBase.Ticks * Math.Pow(2, exponent);
        var capped = Math.Min(ticks, task.RetryBackoffMax.Ticks);
        if (task.RetryJitter)
        {
            capped = random.NextDouble() * capped;
        }

        return TimeSpan.FromTicks((long)capped);
    }
}
