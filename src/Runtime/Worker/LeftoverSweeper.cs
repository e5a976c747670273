using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using TypedTasks.Client;
using TypedTasks.Topology;

namespace TypedTasks.Worker;

/// <summary>
/// Removes the acknowledged messages nats-server 2.9.x leaves in the task stream below a queue's ack floor after a
/// crash (docs/nats.md, "After a crash"; <see cref="LeftoverScanner"/> says why they are safe to delete), with one log
/// line per queue and sweep that tells the operator.
/// </summary>
/// <remarks>
/// Sweeps once the worker's consumers are in place, after each reconnect (the server may have restarted; and again a
/// minute later, when what the restart redelivered has run and the ack floors have moved past the leftovers) and every
/// <see cref="WorkerOptions.LeftoverSweepInterval"/>, every queue of the prefix. Every worker sweeps: deletes are
/// idempotent, and a scan that finds nothing is one request per queue.
/// </remarks>
internal sealed partial class LeftoverSweeper : BackgroundService
{
    /// <summary>After a failed sweep (say, a server still starting), the next try comes at most this much later.</summary>
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(30);

    /// <summary>After the sweep that follows a reconnect, the next one comes at most this much later.</summary>
    private static readonly TimeSpan FollowUpAfterReconnect = TimeSpan.FromMinutes(1);

    private readonly TypedTasksConnection _connection;
    private readonly IServiceProvider _services;
    private readonly ILogger<LeftoverSweeper> _logger;
    private readonly TimeSpan _interval;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public LeftoverSweeper(TypedTasksConnection connection, IServiceProvider services, IOptions<WorkerOptions> options, ILogger<LeftoverSweeper> logger)
    {
        _connection = connection;
        _services = services;
        _logger = logger;
        _interval = options.Value.LeftoverSweepInterval;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_interval <= TimeSpan.Zero)
        {
            return;
        }

        try
        {
            // The first sweep after the consumers exist: their ack floors are what the scan goes by.
            if (_services.GetServices<IHostedService>().OfType<TaskWorker>().FirstOrDefault() is { } worker)
            {
                await worker.Started.WaitAsync(stoppingToken).ConfigureAwait(false);
            }

            _connection.Nats.ConnectionOpened += OnConnectionOpenedAsync;
            try
            {
                await SweepLoopAsync(stoppingToken).ConfigureAwait(false);
            }
            finally
            {
                _connection.Nats.ConnectionOpened -= OnConnectionOpenedAsync;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task SweepLoopAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        var reconnected = false;
        while (true)
        {
            TimeSpan next;
            try
            {
                next = await SweepAsync(stoppingToken).ConfigureAwait(false) ? TimeSpan.Zero : _interval;
                failures = 0;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // Once per run of failures as a warning (a role without the rights would fail every time: docs/security.md).
                if (failures++ == 0)
                {
                    Log.SweepFailed(_logger, ex);
                }
                else
                {
                    Log.SweepFailedAgain(_logger, failures, ex);
                }

                next = _interval < RetryAfterFailure ? _interval : RetryAfterFailure;
            }

            // A reconnect while this sweep ran counts as one after it.
            while (_wake.Reader.TryRead(out _))
            {
                reconnected = true;
            }

            if (reconnected)
            {
                // Right after a server restart, the tasks whose acks it lost are pending again and hold the ack floor
                // below leftovers after them: look again once they have run.
                reconnected = false;
                next = next < FollowUpAfterReconnect ? next : FollowUpAfterReconnect;
            }

            if (next > TimeSpan.Zero)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                wait.CancelAfter(next);
                try
                {
                    await _wake.Reader.ReadAsync(wait.Token).ConfigureAwait(false);
                    reconnected = true;
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                    // The interval is over.
                }
            }
        }
    }

    /// <summary>One sweep of every queue; true when a queue had more leftovers than one scan takes.</summary>
    private async Task<bool> SweepAsync(CancellationToken cancellationToken)
    {
        var more = false;
        foreach (var found in await LeftoverScanner.ScanAsync(_connection, LeftoverScanner.DefaultLimit, cancellationToken).ConfigureAwait(false))
        {
            if (found.Sequences.Count == 0)
            {
                continue;
            }

            var removed = await LeftoverScanner.RemoveAsync(_connection, found, cancellationToken).ConfigureAwait(false);
            if (removed > 0)
            {
                Log.Removed(_logger, removed, found.Queue, _connection.Names.TasksStream, found.Sequences[0], found.Sequences[^1], found.AckFloor);
            }

            more |= found.More;
        }

        return more;
    }

    private ValueTask OnConnectionOpenedAsync(object? sender, NatsEventArgs args)
    {
        _wake.Writer.TryWrite(true);
        return ValueTask.CompletedTask;
    }

    private static partial class Log
    {
        [LoggerMessage(270, LogLevel.Warning, "Removed {Count} acknowledged messages of queue {Queue} that the server had kept in stream {Stream} below the queue's ack floor {AckFloor} (sequences {First}-{Last}): nats-server 2.9.x leaves them after a crash; they were done and do not run again (docs/nats.md, \"After a crash\")")]
        public static partial void Removed(ILogger logger, int count, string queue, string stream, ulong first, ulong last, ulong ackFloor);

        [LoggerMessage(271, LogLevel.Warning, "Looking for acknowledged messages left below the queues' ack floors failed; trying again later (the worker needs $JS.API.CONSUMER.LIST, STREAM.MSG.GET and STREAM.MSG.DELETE on the task stream: docs/security.md)")]
        public static partial void SweepFailed(ILogger logger, Exception exception);

        [LoggerMessage(272, LogLevel.Debug, "Looking for leftovers failed again ({Failures} times in a row)")]
        public static partial void SweepFailedAgain(ILogger logger, int failures, Exception exception);
    }
}
