using System.Reflection;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using TypedTasks.Client;
using TypedTasks.Protocol;

namespace TypedTasks.Worker;

/// <summary>The worker's entries in the task catalog (<c>TT_CATALOG</c>, docs/protocol.md §2): one per task it serves.</summary>
internal sealed partial class TaskWorker
{
    /// <summary>How long publishing the catalog may hold up <see cref="Started"/>.</summary>
    internal static readonly TimeSpan CatalogTimeout = TimeSpan.FromSeconds(20);

    /// <summary>How long becoming visible (first heartbeat, catalog, remote control) may hold up the first fetch; on a
    /// server that answers, it takes milliseconds.</summary>
    internal static readonly TimeSpan VisibleWait = TimeSpan.FromSeconds(2);

    private static readonly string? AppName = AppOf(Assembly.GetEntryAssembly());

    /// <summary>
    /// Writes one entry per task in the worker's table, each only when it differs from the one stored (read first, then
    /// compare, ignoring who wrote it and when), so a fleet restarting rewrites nothing. Never fails the worker: a server
    /// that refuses the bucket (a role without the right, docs/security.md) or does not answer in time is logged, and the
    /// worker runs on without a catalog entry. Returns how many entries were written.
    /// </summary>
    private async Task<int> PublishCatalogAsync(CancellationToken stoppingToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        bounded.CancelAfter(CatalogTimeout);
        var bucket = _connection.Names.CatalogBucket;
        try
        {
            // A refused request is never answered: end at the server's refusal, not after the timeout.
            return await _connection.ServerErrors.GuardAsync(
                violation => violation.Subject.Contains(bucket, StringComparison.Ordinal),
                async token =>
                {
                    var store = await _connection.GetCatalogStoreAsync(token).ConfigureAwait(false);
                    var written = 0;
                    foreach (var task in _registry.All.OrderBy(t => t.Name, StringComparer.Ordinal))
                    {
                        var entry = TaskCatalogEntry.From(task, RuntimeVersion, AppName, _workerId, DateTimeOffset.UtcNow);
                        var bytes = entry.ToBytes();
                        if (bytes.Length > TaskCatalogEntry.MaxBytes)
                        {
                            Log.CatalogEntryTooLarge(_logger, WireText.Bound(task.Name), bytes.Length, TaskCatalogEntry.MaxBytes);
                            continue;
                        }

                        var (stored, _) = await TaskCatalog.ReadAsync(store, task.Name, token).ConfigureAwait(false);
                        if (stored is not null && stored.SameDescription(entry))
                        {
                            continue;
                        }

                        await store.PutAsync(TaskCatalogEntry.Key(task.Name), (ReadOnlyMemory<byte>)bytes, NatsRawSerializer<ReadOnlyMemory<byte>>.Default, token).ConfigureAwait(false);
                        written++;
                    }

                    Log.CatalogPublished(_logger, bucket, written, _registry.All.Count());
                    return written;
                },
                bounded.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return 0;
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            // Whatever went wrong (a refusal, a timeout, a bucket made by someone else with other settings), the catalog
            // is an aid: the worker runs without it.
            Log.CatalogFailed(_logger, bucket, ex);
            return 0;
        }
    }

    private static string? AppOf(Assembly? assembly)
    {
        if (assembly?.GetName() is not { Name: { } name } assemblyName)
        {
            return null;
        }

        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? assemblyName.Version?.ToString();
        return version is null ? name : name + " " + version;
    }
}

// The catalog's log messages.
internal static partial class Log
{
    [LoggerMessage(240, LogLevel.Debug, "Task catalog {Bucket}: wrote {Written} of {Tasks} entries (the others were up to date)")]
    public static partial void CatalogPublished(ILogger logger, string bucket, int written, int tasks);

    [LoggerMessage(241, LogLevel.Warning, "Could not publish this worker's tasks in the task catalog {Bucket}; the worker runs on (tt send cannot check arguments against it, and tt tasks and the dashboard do not list these tasks). Does the worker's NATS user have the rights docs/security.md lists?")]
    public static partial void CatalogFailed(ILogger logger, string bucket, Exception exception);

    [LoggerMessage(242, LogLevel.Warning, "Task {TaskName}: its catalog entry takes {Bytes} bytes, more than the {Max} a reader takes; not published")]
    public static partial void CatalogEntryTooLarge(ILogger logger, string taskName, int bytes, int max);
}
