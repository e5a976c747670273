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

    /// <summary>The previous queue snapshot, kept in memory for the in and out rates: every read of the queues (the overview's
    /// live numbers and the queues page) goes through it.</summary>
    private readonly QueueRateTracker _rates = new();

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
            var rates = _rates.Observe(snapshot);
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
                numbers[$"queue.{q.Queue}.oldest"] = Age(q.OldestWaitingSince, snapshot.ReadAt);
                numbers[$"queue.{q.Queue}.in"] = Rate(rates, q.Queue, incoming: true);
                numbers[$"queue.{q.Queue}.out"] = Rate(rates, q.Queue, incoming: false);
            }

            _numbers = (now, numbers, snapshot);
            return (numbers, snapshot, now);
        }
        finally
        {
            _numbersGate.Release();
        }
    }

    /// <summary>How long ago the oldest waiting task was stored, as of the snapshot ("3 min ago"); "–" when none waits.</summary>
    private static string Age(DateTimeOffset? since, DateTimeOffset readAt) => since is { } at ? Html.Ago(readAt - at) : "–";

    /// <summary>A queue's in or out rate, per second; "–" until two snapshots far enough apart were read.</summary>
    private static string Rate(QueueRateReading? rates, string queue, bool incoming)
    {
        if (rates is null || !rates.Rates.TryGetValue(queue, out var rate))
        {
            return "–";
        }

        var perSecond = incoming ? rate.InPerSecond : rate.OutPerSecond;
        return perSecond == 0 ? "0"
            : perSecond < 0.01 ? "< 0.01"
            : perSecond < 10 ? perSecond.ToString("0.##", CultureInfo.InvariantCulture)
            : perSecond.ToString("N0", CultureInfo.InvariantCulture);
    }

    /// <summary>The queues page's in, out and oldest-waiting cells of one queue.</summary>
    private static string FlowCells(QueueDepth queue, QueueRateReading? rates, DateTimeOffset readAt)
    {
        var cells = new Html().Raw("<td class=\"num rate-in\">").Text(Rate(rates, queue.Queue, incoming: true))
            .Raw("</td><td class=\"num rate-out\">").Text(Rate(rates, queue.Queue, incoming: false)).Raw("</td><td class=\"num oldest\">");
        if (queue.OldestWaitingSince is { } since)
        {
            var iso = since.ToString("O", CultureInfo.InvariantCulture);
            cells.Raw("<time datetime=").Attr(iso).Raw(" title=").Attr(iso).Raw(">").Text(Age(since, readAt)).Raw("</time>");
        }
        else
        {
            cells.Text("–");
        }

        return cells.Raw("</td>").ToString();
    }

    /// <summary>What the queues page's in, out and oldest-waiting figures count.</summary>
    private static string FlowNote(QueueSnapshot snapshot, QueueRateReading? rates)
    {
        var note = new Html().Raw("In /s: tasks arriving per second (waiting + delivered grew); out /s: deliveries ended per second (acknowledged, or given up for a redelivery, which then counts in again); ")
            .Text(rates is null
                ? "shown from the second read of the queues on (reload in a few seconds). "
                : $"over the {rates.Over.TotalSeconds:N0} s before this read. ")
            .Raw("Oldest waiting: when the oldest task no worker has received yet was stored. ");
        if (snapshot.OldestUnreadable)
        {
            note.Raw("<strong>Oldest waiting could not be read</strong>: this app may not read the task stream's messages (<code>$JS.API.STREAM.MSG.GET</code> on the task stream, docs/security.md) or got no answer in time. ");
        }

        return note.ToString();
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
