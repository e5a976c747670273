using NATS.Client.Core;
using NATS.Client.KeyValueStore;

namespace TypedTasks.Topology;

/// <summary>The one watch loop over a whole KV bucket, for the revocations and the periodic schedules.</summary>
internal static class KeyValueWatch
{
    /// <summary>
    /// Watches every key of <paramref name="store"/> until cancelled: <paramref name="onEntry"/> gets each entry (every
    /// key's current value, then each change), and <paramref name="loaded"/> completes once the current values are in (at
    /// once for an empty bucket). The watch's ordered consumer follows reconnections; an error is told to
    /// <paramref name="onError"/> and the watch starts again after <paramref name="retryDelay"/>.
    /// </summary>
    public static async Task RunAsync<T>(INatsKVStore store, INatsDeserialize<T> serializer, Action<NatsKVEntry<T>> onEntry, TaskCompletionSource loaded, Action<Exception> onError, TimeSpan retryDelay, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var options = new NatsKVWatchOpts
                {
                    // An empty bucket: loaded, and keep watching. (Returning true would end the watch, and this loop would
                    // re-create it at once, for ever: an ordered consumer created and deleted in a tight loop.)
                    OnNoData = _ =>
                    {
                        loaded.TrySetResult();
                        return ValueTask.FromResult(false);
                    },
                };
                await foreach (var entry in store.WatchAsync(">", serializer, options, cancellationToken).ConfigureAwait(false))
                {
                    onEntry(entry);
                    if (entry.Delta == 0)
                    {
                        loaded.TrySetResult();
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                onError(ex);
                await Task.Delay(retryDelay, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
