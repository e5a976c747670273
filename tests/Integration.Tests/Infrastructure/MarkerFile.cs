using TypedTasks.WorkerHost;

namespace TypedTasks.Integration.Tests.Infrastructure;

/// <summary>
/// A fresh marker file for the crash tasks (each run appends a line), in a directory of its own that is deleted
/// on dispose. Waits for runs with a file watcher rather than sleeps.
/// </summary>
public sealed class MarkerFile : IDisposable
{
    private readonly string _directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tt-crash-" + Guid.NewGuid().ToString("N"));

    public MarkerFile()
    {
        Directory.CreateDirectory(_directory);
        Path = System.IO.Path.Combine(_directory, "runs.txt");
    }

    /// <summary>The path passed to the task.</summary>
    public string Path { get; }

    public IReadOnlyList<(int ProcessId, DateTime StartedAt)> Runs => CrashTasks.ReadRuns(Path);

    /// <summary>Completes when at least <paramref name="count"/> runs are recorded; returns them.</summary>
    public async Task<IReadOnlyList<(int ProcessId, DateTime StartedAt)>> WaitForRunsAsync(int count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var changed = new SemaphoreSlim(0);
        using var watcher = new FileSystemWatcher(_directory) { NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size };
        FileSystemEventHandler onChange = (_, _) => changed.Release();
        watcher.Created += onChange;
        watcher.Changed += onChange;
        watcher.EnableRaisingEvents = true;

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            while (true)
            {
                // Read after the watcher is on, so no write is missed; a partial last line is simply read again later.
                var runs = TryReadRuns();
                if (runs.Count >= count)
                {
                    return runs;
                }

                // The watcher is the signal; the period only guards against a coalesced event.
                await changed.WaitAsync(TimeSpan.FromMilliseconds(500), cts.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Expected {count} runs in {Path} within {timeout}; found {TryReadRuns().Count}.");
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private IReadOnlyList<(int ProcessId, DateTime StartedAt)> TryReadRuns()
    {
        try
        {
            return CrashTasks.ReadRuns(Path);
        }
        catch (Exception ex) when (ex is IOException or FormatException or IndexOutOfRangeException)
        {
            return [];
        }
    }
}
