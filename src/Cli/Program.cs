// tt: TypedTasks from the shell (docs/cli.md). Celery's `inspect`, `events`, `purge` and `result`, for NATS.
using TypedTasks.Cli;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // Ctrl+C ends a command that waits (events) cleanly instead of killing the process.
    e.Cancel = true;
    cancel.Cancel();
};

return await TtCommand.RunAsync(args, Console.Out, Console.Error, cancel.Token);
