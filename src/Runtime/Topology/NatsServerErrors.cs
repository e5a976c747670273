using NATS.Client.Core;

namespace TypedTasks.Topology;

/// <summary>
/// Remembers the permission violations the server reports on this connection, and names the real cause of a failure.
/// The server answers a refused publish or subscription with <c>-ERR 'Permissions Violation for Publish to "…"'</c> and
/// nothing else: NATS.Net raises it as <see cref="NatsConnection.ServerError"/> while the request that caused it waits
/// for its timeout and then reports "no response" (issue 11). A guarded step fails at once with the server's words
/// instead, and a failure after the fact is explained with the violation seen while it ran.
/// </summary>
internal sealed class NatsServerErrors
{
    private const int Remembered = 16;
    private const string PermissionsViolation = "Permissions Violation";

    private readonly object _gate = new();
    private readonly Queue<Violation> _recent = new();
    private readonly List<Guard> _guards = [];

    public NatsServerErrors(NatsConnection nats)
    {
        nats.ServerError += OnServerErrorAsync;
    }

    /// <summary>A refused publish or subscription.</summary>
    /// <param name="Operation"><c>Publish</c> or <c>Subscription</c>, as the server says it.</param>
    /// <param name="Subject">The subject refused.</param>
    /// <param name="Error">The server's error line.</param>
    /// <param name="At">When it arrived.</param>
    public sealed record Violation(string Operation, string Subject, string Error, DateTimeOffset At)
    {
        public bool IsPublish => Operation.StartsWith("Publish", StringComparison.Ordinal);
    }

    /// <summary>Parses <c>Permissions Violation for Publish to "subject"</c> (and Subscription); false for other errors.</summary>
    public static bool TryParse(string error, DateTimeOffset at, out Violation violation)
    {
        violation = null!;
        if (!error.StartsWith(PermissionsViolation, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var open = error.IndexOf('"', StringComparison.Ordinal);
        var close = error.LastIndexOf('"');
        var forAt = error.IndexOf(" for ", StringComparison.OrdinalIgnoreCase);
        var subject = open >= 0 && close > open ? error[(open + 1)..close] : string.Empty;
        var operation = forAt >= 0 ? error[(forAt + 5)..].Split(' ')[0] : "Publish";
        violation = new Violation(operation, subject, error, at);
        return true;
    }

    /// <summary>The latest violation since <paramref name="since"/> that <paramref name="match"/> accepts.</summary>
    public Violation? LatestSince(DateTimeOffset since, Func<Violation, bool>? match = null)
    {
        lock (_gate)
        {
            return _recent.LastOrDefault(v => v.At >= since && (match is null || match(v)));
        }
    }

    /// <summary>
    /// Runs <paramref name="step"/>; a violation that <paramref name="match"/> accepts, arriving while it runs, ends it at
    /// once with a <see cref="NatsServerException"/> carrying the server's words.
    /// </summary>
    public Task GuardAsync(Func<Violation, bool> match, Func<CancellationToken, Task> step, CancellationToken cancellationToken)
        => GuardAsync(
            match,
            async token =>
            {
                await step(token).ConfigureAwait(false);
                return true;
            },
            cancellationToken);

    /// <inheritdoc cref="GuardAsync(Func{Violation, bool}, Func{CancellationToken, Task}, CancellationToken)"/>
    public async Task<T> GuardAsync<T>(Func<Violation, bool> match, Func<CancellationToken, Task<T>> step, CancellationToken cancellationToken)
    {
        using var refused = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var guard = new Guard(match, refused);
        lock (_gate)
        {
            _guards.Add(guard);
        }

        try
        {
            return await step(refused.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (guard.Violation is { } violation && !cancellationToken.IsCancellationRequested
            && ex is OperationCanceledException or NatsException or TimeoutException)
        {
            throw new NatsServerException(violation.Error);
        }
        finally
        {
            lock (_gate)
            {
                _guards.Remove(guard);
            }
        }
    }

    /// <summary>Whether a subject is one of the JetStream API's, or a reply inbox, as set-up steps use them.</summary>
    public static bool IsJetStreamApiOrInbox(Violation violation)
        => violation.Subject.StartsWith("$JS.", StringComparison.Ordinal)
           || violation.Subject.StartsWith("$KV.", StringComparison.Ordinal)
           || (!violation.IsPublish && violation.Subject.StartsWith("_INBOX", StringComparison.Ordinal));

    private ValueTask OnServerErrorAsync(object? sender, NatsServerErrorEventArgs args)
    {
        if (!TryParse(args.Error, DateTimeOffset.UtcNow, out var violation))
        {
            return default;
        }

        List<Guard> hit;
        lock (_gate)
        {
            _recent.Enqueue(violation);
            if (_recent.Count > Remembered)
            {
                _recent.Dequeue();
            }

            hit = _guards.Where(g => g.Violation is null && g.Match(violation)).ToList();
            foreach (var guard in hit)
            {
                guard.Violation = violation;
            }
        }

        foreach (var guard in hit)
        {
            try
            {
                guard.Refused.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The step ended meanwhile.
            }
        }

        return default;
    }

    private sealed class Guard(Func<Violation, bool> match, CancellationTokenSource refused)
    {
        public Func<Violation, bool> Match { get; } = match;

        public CancellationTokenSource Refused { get; } = refused;

        public Violation? Violation { get; set; }
    }
}
