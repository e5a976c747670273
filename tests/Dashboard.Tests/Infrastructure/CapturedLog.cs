using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace TypedTasks.Dashboard.Tests.Infrastructure;

/// <summary>The dashboard's log lines (category <c>TypedTasks.Dashboard</c>), kept so that a test can read who did what.</summary>
public sealed class CapturedLog : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => category == "TypedTasks.Dashboard" && logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                log._lines.Enqueue($"{eventId.Id} {logLevel}: {formatter(state, exception)}");
            }
        }
    }
}
