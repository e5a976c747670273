using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using TypedTasks.Generated;
using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Integration.Tests;

/// <summary>
/// <see cref="WorkerOptions.ErrorDetails"/> on a real nats-server (issue 11): what of a task's exception the stored record
/// and the <c>failed</c> event carry, read as the bytes on the server; the worker's log keeps all of it.
/// </summary>
public sealed class ErrorDetailsTests(NatsServer server) : IClassFixture<NatsServer>
{
    /// <summary>In the exception's message, as a connection string would be.</summary>
    private const string Secret = "Password=s3cret-5d1f";

    /// <summary>The name of the method that throws, in the stack trace only.</summary>
    private const string Marker = nameof(ThrowFromMarkerMethod_b7e2);

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly NatsRawSerializer<ReadOnlyMemory<byte>> Raw = NatsRawSerializer<ReadOnlyMemory<byte>>.Default;
    private static readonly TaskDefinition<int> Leaky = new("tests.leaky", InvokeLeaky, TestJson.Default.Int32) { MaxRetries = 0 };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    // The defaults: the record keeps everything, events never a stack trace.
    [InlineData(null, null, true, true, true, false)]
    [InlineData(ErrorDetail.TypeAndMessage, ErrorDetail.TypeAndMessage, true, false, true, false)]
    [InlineData(ErrorDetail.TypeOnly, ErrorDetail.TypeOnly, false, false, false, false)]
    [InlineData(ErrorDetail.TypeOnly, ErrorDetail.Full, false, false, true, true)]
    public async Task RecordAndEvent_CarryWhatErrorDetailsAllows_TheLogEverything(
        ErrorDetail? inRecords, ErrorDetail? inEvents, bool recordHasMessage, bool recordHasStack, bool eventHasMessage, bool eventHasStack)
    {
        var logs = new CapturedLogs();
        await using var app = await TestApp.StartAsync(
            server,
            tasks: b => b.AddTask(Leaky),
            options: o => o.SendTaskEvents = true,
            workerOptions: o =>
            {
                o.ErrorDetails.InRecords = inRecords ?? o.ErrorDetails.InRecords;
                o.ErrorDetails.InEvents = inEvents ?? o.ErrorDetails.InEvents;
            },
            services: s => s.AddSingleton<ILoggerProvider>(logs));
        var names = app.Connection.Names;
        await using var events = await app.Connection.Nats.SubscribeCoreAsync<ReadOnlyMemory<byte>>(names.TaskEventsPrefix + "failed", serializer: Raw, cancellationToken: Ct);

        var handle = await app.Client.EnqueueAsync(Leaky, HandWrittenTasks.Value(1), cancellationToken: Ct);
        var failed = await Assert.ThrowsAsync<TaskFailedException>(() => handle.GetAsync(Timeout, Ct));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(Timeout);
        var taskEvent = Encoding.UTF8.GetString((await events.Msgs.ReadAsync(deadline.Token)).Data.Span);
        var results = await app.Connection.KeyValue.GetStoreAsync(names.ResultsBucket, Ct);
        var record = Encoding.UTF8.GetString((await results.GetEntryAsync<ReadOnlyMemory<byte>>(handle.Id, serializer: Raw, cancellationToken: Ct)).Value.Span);

        Assert.Contains(handle.Id, taskEvent, StringComparison.Ordinal);
        Assert.Equal(recordHasMessage, record.Contains(Secret, StringComparison.Ordinal));
        Assert.Equal(recordHasStack, record.Contains(Marker, StringComparison.Ordinal));
        Assert.Equal(eventHasMessage, taskEvent.Contains(Secret, StringComparison.Ordinal));
        Assert.Equal(eventHasStack, taskEvent.Contains(Marker, StringComparison.Ordinal));
        // The type is always there; a withheld message says so and where to look.
        Assert.Contains(typeof(InvalidOperationException).FullName!, record, StringComparison.Ordinal);
        Assert.Contains(typeof(InvalidOperationException).FullName!, taskEvent, StringComparison.Ordinal);
        Assert.Equal(typeof(InvalidOperationException).FullName, failed.RemoteType);
        Assert.Equal(recordHasMessage ? $"connection refused ({Secret})" : TaskError.WithheldMessage, failed.RemoteMessage);
        Assert.Equal(recordHasStack, failed.RemoteStackTrace?.Contains(Marker, StringComparison.Ordinal) ?? false);
        Assert.Equal(!recordHasMessage, record.Contains("withheld", StringComparison.Ordinal));
        Assert.Equal(!eventHasMessage, taskEvent.Contains("withheld", StringComparison.Ordinal));
        // The worker's log has the exception as thrown, whatever left the worker.
        var logged = logs.Text[logs.Text.IndexOf($"[{handle.Id}] failed", StringComparison.Ordinal)..];
        Assert.Contains(Secret, logged, StringComparison.Ordinal);
        Assert.Contains(Marker, logged, StringComparison.Ordinal);
    }

    private static ValueTask InvokeLeaky(TaskInvocation invocation) => ThrowFromMarkerMethod_b7e2();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ValueTask ThrowFromMarkerMethod_b7e2() => throw new InvalidOperationException($"connection refused ({Secret})");
}
