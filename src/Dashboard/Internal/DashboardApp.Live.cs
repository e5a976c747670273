using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using TypedTasks.Client;

namespace TypedTasks.Dashboard.Internal;

/// <summary>
/// The overview's numbers, and <c>GET {prefix}/live</c>: server-sent events carrying them every
/// <see cref="TypedTasksDashboardOptions.LiveInterval"/>, which the page's script writes into the elements marked
/// <c>data-live</c>. Without JavaScript the page is complete as served. All open pages share one read per interval.
/// </summary>
internal sealed partial class DashboardApp
{
    private readonly SemaphoreSlim _numbersGate = new(1, 1);
    private (DateTimeOffset At, IReadOnlyDictionary<string, string> Numbers, QueueSnapshot Snapshot)? _numbers;

    /// <summary>The overview's figures by their <c>data-live</c> key, read at most once per half interval.</summary>
    private async Task<(IReadOnlyDictionary<string, string> Numbers, QueueSnapshot Snapshot, DateTimeOffset At)> ReadNumbersAsync(CancellationToken cancellationToken)
    {
        await _numbersGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_numbers is { } cached && DateTimeOffset.UtcNow - cached.At < _options.LiveInterval / 2)
            {
                return (cached.Numbers, cached.Snapshot, cached.At);
            }

            var snapshot = await DeploymentQueries.ReadQueuesAsync(Connection, cancellationToken).ConfigureAwait(false);
            var workers = await Workers.ListAsync(WorkerListing.AliveAndLost, cancellationToken).ConfigureAwait(false);
            var now = DateTimeOffset.UtcNow;
            var alive = workers.Where(w => w.IsAliveAt(now)).ToList();
            static string N(long? value) => value?.ToString("N0", CultureInfo.InvariantCulture) ?? "–";
            var numbers = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["workers.alive"] = N(alive.Count),
                ["workers.lost"] = N(workers.Count - alive.Count),
                ["tasks.waiting"] = N(snapshot.Queues.Sum(q => q.Waiting ?? 0)),
                ["tasks.held"] = N(snapshot.Queues.Sum(q => q.Held ?? 0)),
                ["tasks.due"] = N(snapshot.DueLater ?? 0),
                ["dead"] = N(snapshot.DeadLetters ?? 0),
            };
            foreach (var q in snapshot.Queues)
            {
                numbers[$"queue.{q.Queue}.waiting"] = N(q.Waiting);
                numbers[$"queue.{q.Queue}.held"] = N(q.Held);
                numbers[$"queue.{q.Queue}.workers"] = N(alive.Count(w => w.Queues.Contains(q.Queue)));
            }

            _numbers = (now, numbers, snapshot);
            return (numbers, snapshot, now);
        }
        finally
        {
            _numbersGate.Release();
        }
    }

    private async Task LiveAsync(HttpContext context)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-store";
        response.Headers.XContentTypeOptions = "nosniff";
        // Proxies such as nginx buffer responses unless told not to; the events must go out as they are written.
        response.Headers["X-Accel-Buffering"] = "no";
        // Ends with the request or with the app: an open page must not hold up the app's shutdown (EventSource reconnects).
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping);
        var aborted = linked.Token;
        using var timer = new PeriodicTimer(_options.LiveInterval);
        try
        {
            await SendNumbersAsync(response, timer, aborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
        }
    }

    private async Task SendNumbersAsync(HttpResponse response, PeriodicTimer timer, CancellationToken aborted)
    {
        await response.WriteAsync($"retry: {(int)_options.LiveInterval.TotalMilliseconds * 2}\n\n", aborted).ConfigureAwait(false);
        do
        {
            string data;
            try
            {
                var (numbers, _, at) = await ReadNumbersAsync(aborted).ConfigureAwait(false);
                data = Serialize(numbers, at, error: null);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogWarning(ex, "The TypedTasks dashboard could not read its live numbers");
                data = Serialize(new Dictionary<string, string>(), DateTimeOffset.UtcNow, "could not read from NATS (see the app's log)");
            }

            await response.WriteAsync("data: " + data + "\n\n", aborted).ConfigureAwait(false);
            await response.Body.FlushAsync(aborted).ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(aborted).ConfigureAwait(false));
    }

    private static string Serialize(IReadOnlyDictionary<string, string> numbers, DateTimeOffset at, string? error)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("at", at);
            if (error is not null)
            {
                writer.WriteString("error", error);
            }

            writer.WriteStartObject("numbers");
            foreach (var (key, value) in numbers)
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
