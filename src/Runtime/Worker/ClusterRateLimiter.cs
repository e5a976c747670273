using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using TypedTasks.Executor;
using TypedTasks.Generated;
using TypedTasks.Topology;

namespace TypedTasks.Worker;

/// <summary>
/// Rate limits that hold across every worker of the cluster (Celery's are per worker). Each task type with a
/// <see cref="TaskDefinition.RateLimit"/> has a counter per fixed window (second, minute or hour) in the
/// <c>TT_LIMITS</c> bucket, taken by compare-and-set, so at most <c>Count</c> starts happen in a window whatever
/// the number of workers. A message over the limit waits here, in the worker's window (kept alive by progress
/// acks), not in a slot; it goes to the slots when its task type gets a token.
/// </summary>
internal sealed partial class ClusterRateLimiter
{
    private static readonly NatsRawSerializer<byte[]> Raw = NatsRawSerializer<byte[]>.Default;

    private readonly TypedTasksConnection _connection;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Lane> _lanes = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();

    public ClusterRateLimiter(TypedTasksConnection connection, ILogger logger)
    {
        _connection = connection;
        _logger = logger;
    }

    /// <summary>Queues a message of a rate-limited task; <paramref name="forward"/> gets it once it has a token.</summary>
    public void Park(HeldMessage held, TaskDefinition task, RateLimit limit, Action<HeldMessage> forward)
    {
        var lane = _lanes.GetOrAdd(task.Name, name => new Lane(this, name, limit, forward));
        lane.Parked.Writer.TryWrite(held);
    }

    /// <summary>Stops granting tokens and hands every parked message to <paramref name="handBack"/>.</summary>
    public async Task StopAsync(Action<HeldMessage> handBack)
    {
        _stop.Cancel();
        foreach (var lane in _lanes.Values)
        {
            lane.Parked.Writer.TryComplete();
            await lane.Pump.ConfigureAwait(false);
            while (lane.Parked.Reader.TryRead(out var held))
            {
                handBack(held);
            }

            if (lane.Waiting is { } waiting)
            {
                handBack(waiting);
            }
        }
    }

    /// <summary>Takes one start from the task type's counter for the current window, waiting for the next window when it is spent.</summary>
    internal async Task AcquireAsync(string taskName, RateLimit limit, CancellationToken cancellationToken)
    {
        var store = await _connection.KeyValue.GetStoreAsync(_connection.Names.LimitsBucket, cancellationToken).ConfigureAwait(false);
        var per = limit.Per.Ticks;
        while (true)
        {
            var now = DateTimeOffset.UtcNow;
            var window = (now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / per;
            var key = Key(taskName, window);
            var entry = await store.TryGetEntryAsync(key, serializer: Raw, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!entry.Success)
            {
                var created = await store.TryCreateAsync(key, Encode(1), Raw, cancellationToken).ConfigureAwait(false);
                if (created.Success)
                {
                    return;
                }

                continue;
            }

            var taken = int.Parse(Encoding.ASCII.GetString(entry.Value.Value ?? []), NumberStyles.None, CultureInfo.InvariantCulture);
            if (taken >= limit.Count)
            {
                // Spent: wait for the next window (a little after its start, spread so workers do not collide).
                var next = DateTimeOffset.UnixEpoch.AddTicks((window + 1) * per);
                var wait = next - now + TimeSpan.FromMilliseconds(Random.Shared.Next(1, 20));
                Log.RateLimited(_logger, taskName, limit.ToString(), wait);
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var updated = await store.TryUpdateAsync(key, Encode(taken + 1), entry.Value.Revision, Raw, cancellationToken).ConfigureAwait(false);
            if (updated.Success)
            {
                return;
            }
        }
    }

    /// <summary>The counter key of a task type and window: KV keys allow letters, digits and <c>-/_=.</c>.</summary>
    internal static string Key(string taskName, long window)
    {
        var key = new StringBuilder(taskName.Length + 24);
        foreach (var c in taskName)
        {
            key.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        }

        return key.Append('.').Append(window.ToString(CultureInfo.InvariantCulture)).ToString();
    }

    private static byte[] Encode(int value) => Encoding.ASCII.GetBytes(value.ToString(CultureInfo.InvariantCulture));

    /// <summary>The parked messages of one task type and the loop that gives them tokens in arrival order.</summary>
    private sealed class Lane
    {
        public Lane(ClusterRateLimiter owner, string taskName, RateLimit limit, Action<HeldMessage> forward)
        {
            Pump = Task.Run(() => PumpAsync(owner, taskName, limit, forward));
        }

        public Channel<HeldMessage> Parked { get; } = Channel.CreateUnbounded<HeldMessage>(new UnboundedChannelOptions { SingleReader = true });

        public Task Pump { get; }

        /// <summary>The message waiting for a token right now, if any.</summary>
        public HeldMessage? Waiting { get; private set; }

        private async Task PumpAsync(ClusterRateLimiter owner, string taskName, RateLimit limit, Action<HeldMessage> forward)
        {
            var stop = owner._stop.Token;
            try
            {
                while (await Parked.Reader.WaitToReadAsync(stop).ConfigureAwait(false))
                {
                    while (Parked.Reader.TryRead(out var held))
                    {
                        Waiting = held;
                        while (true)
                        {
                            try
                            {
                                await owner.AcquireAsync(taskName, limit, stop).ConfigureAwait(false);
                                break;
                            }
                            catch (Exception ex) when (ex is not OperationCanceledException)
                            {
                                Log.LimiterFailed(owner._logger, taskName, ex);
                                await Task.Delay(TimeSpan.FromSeconds(1), stop).ConfigureAwait(false);
                            }
                        }

                        Waiting = null;
                        forward(held);
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(260, LogLevel.Debug, "Task {TaskName} reached its rate limit {RateLimit}; next start in {Wait}")]
        public static partial void RateLimited(ILogger logger, string taskName, string rateLimit, TimeSpan wait);

        [LoggerMessage(261, LogLevel.Warning, "Rate limiter of task {TaskName} failed; retrying")]
        public static partial void LimiterFailed(ILogger logger, string taskName, Exception exception);
    }
}
