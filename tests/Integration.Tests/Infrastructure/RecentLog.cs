using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace TypedTasks.Integration.Tests.Infrastructure;

/// <summary>
/// The last warnings and errors a test host logged, kept in memory so that a start-up that times out can say why
/// (a retried consumer creation, a refused bucket) instead of only "timed out".
/// </summary>
public sealed class RecentLog : ILoggerProvider
{
    private const int Capacity = 40;
    private readonly ConcurrentQueue<string> _lines = new();

    /// <summary>The kept lines, oldest first.</summary>
    public IReadOnlyList<string> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(string line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > Capacity && _lines.TryDequeue(out _))
        {
        }
    }

    private sealed class Logger(RecentLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                var name = category[(category.LastIndexOf('.') + 1)..];
                log.Add($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {logLevel} {name}: {formatter(state, exception)}{(exception is null ? string.Empty : " — " + exception.GetType().Name + ": " + exception.Message)}");
            }
        }
    }
}
