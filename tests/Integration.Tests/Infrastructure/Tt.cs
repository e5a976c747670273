using TypedTasks.Cli;

namespace TypedTasks.Integration.Tests.Infrastructure;

/// <summary>Runs <c>tt</c> in-process against a test server, and watches what a long-running command writes.</summary>
public static class Tt
{
    /// <summary>Runs <c>tt --url <paramref name="url"/> --prefix <paramref name="prefix"/> <paramref name="args"/></c> to
    /// its end (at most <paramref name="timeout"/>) and returns its exit code, standard output and standard error.</summary>
    public static async Task<(int Code, string Output, string Error)> RunAsync(string url, string prefix, TimeSpan timeout, CancellationToken cancellationToken, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await TtCommand.RunAsync(["--url", url, "--prefix", prefix, .. args], output, error, cancellationToken).WaitAsync(timeout, cancellationToken);
        return (code, output.ToString(), error.ToString());
    }
}

/// <summary>
/// A writer for a command that keeps writing (<c>tt events</c>, <c>tt queues --watch</c>): keeps its lines and completes
/// <see cref="WhenLines"/> once enough of them match, so a test waits on the output itself instead of sleeping.
/// </summary>
public sealed class WatchedWriter : StringWriter
{
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Match, int Count, TaskCompletionSource Done)> _waits = [];

    /// <summary>Completes when <paramref name="count"/> lines matching <paramref name="match"/> have been written (lines
    /// written before the call count too).</summary>
    public Task WhenLines(Func<string, bool> match, int count = 1)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lines)
        {
            if (_lines.Count(match) >= count)
            {
                done.TrySetResult();
            }
            else
            {
                _waits.Add((match, count, done));
            }
        }

        return done.Task;
    }

    /// <summary>The lines written so far that match.</summary>
    public IReadOnlyList<string> Lines(Func<string, bool> match)
    {
        lock (_lines)
        {
            return [.. _lines.Where(match)];
        }
    }

    public override void WriteLine(string? value)
    {
        lock (_lines)
        {
            base.WriteLine(value);
            if (value is null)
            {
                return;
            }

            _lines.Add(value);
            foreach (var (match, count, done) in _waits)
            {
                if (!done.Task.IsCompleted && _lines.Count(match) >= count)
                {
                    done.TrySetResult();
                }
            }
        }
    }

    public override Task WriteLineAsync(string? value)
    {
        WriteLine(value);
        return Task.CompletedTask;
    }

    public override string ToString()
    {
        lock (_lines)
        {
            return base.ToString();
        }
    }
}
