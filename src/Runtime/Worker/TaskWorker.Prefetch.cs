namespace TypedTasks.Worker;

internal sealed partial class TaskWorker
{
    /// <summary>Auto prefetch aims for a held task to wait about this long before a slot takes it.</summary>
    private static readonly TimeSpan AutoPrefetchTargetWait = TimeSpan.FromMilliseconds(100);

    private const int AutoPrefetchMax = 256;
    private const int AutoPrefetchStart = 8;

    private double _averageTicks = TimeSpan.FromMilliseconds(10).Ticks;

    /// <summary>
    /// The window: slots + prefetch, plus one place per extra queue so that an idle queue's waiting pull
    /// never starves the busy queues of the same worker (see FetchLoopAsync).
    /// </summary>
    private int WindowFor(int prefetch) => _options.Concurrency + Math.Max(1, prefetch) + _queues.Count - 1;

    /// <summary>
    /// Auto prefetch (<see cref="WorkerOptions.Prefetch"/> unset): short tasks get a wide window, so the worker is
    /// not bound by one pull round trip per task; long tasks get prefetch = concurrency, so a worker does not hoard
    /// tasks that other workers could start now. The rule: hold about as many as the slots finish in
    /// <see cref="AutoPrefetchTargetWait"/>, between concurrency and <see cref="AutoPrefetchMax"/>.
    /// </summary>
    private void AdjustPrefetch(TimeSpan duration)
    {
        if (_options.Prefetch is not null)
        {
            return;
        }

        // A moving average over about the last 20 tasks; races between slots only blur it.
        var average = _averageTicks = (_averageTicks * 0.95) + (duration.Ticks * 0.05);
        var perSlot = AutoPrefetchTargetWait.Ticks / Math.Max(average, 1);
        var prefetch = (int)Math.Clamp(_options.Concurrency * perSlot, _options.Concurrency, AutoPrefetchMax);
        // Large bodies: hold about two pulls' worth of bytes at most, not hundreds of megabytes.
        prefetch = Math.Min(prefetch, Math.Max(_options.Concurrency, (int)(2.0 * PullMaxBytes / Math.Max(_averageBodyBytes, 1))));
        var window = WindowFor(prefetch);
        if (window != _window.Limit)
        {
            _window.Limit = window;
        }
    }
}
