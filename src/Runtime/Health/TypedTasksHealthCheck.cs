using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using NATS.Client.Core;
using TypedTasks.Executor;
using TypedTasks.Generated;
using TypedTasks.Topology;
using TypedTasks.Worker;

namespace TypedTasks.Health;

/// <summary>
/// Reports whether this process can use TypedTasks: the NATS server answers, JetStream is there, and — in a worker —
/// the worker is pulling tasks (not starting, not stopping). Registered by <c>AddHealthChecks().AddTypedTasks()</c>.
/// </summary>
internal sealed class TypedTasksHealthCheck : IHealthCheck
{
    private readonly TypedTasksConnection _connection;
    private readonly TaskWorker? _worker;

    public TypedTasksHealthCheck(TypedTasksConnection connection, IEnumerable<IHostedService> hostedServices)
    {
        _connection = connection;
        _worker = hostedServices.OfType<TaskWorker>().FirstOrDefault();
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var url = Redaction.Url(_connection.Options.Url);
        var data = new Dictionary<string, object> { ["url"] = url };
        var state = _connection.Nats.ConnectionState;
        if (state is NatsConnectionState.Connecting or NatsConnectionState.Reconnecting)
        {
            // While the client reconnects a ping would only wait for it: say so now.
            return new HealthCheckResult(context.Registration.FailureStatus, $"Not connected to the NATS server at {url} ({state}).", data: data);
        }

        // Answer before the registration's timeout does, so a slow server is reported with what was asked of whom.
        using var answerBy = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (context.Registration.Timeout > TimeSpan.Zero && context.Registration.Timeout != Timeout.InfiniteTimeSpan)
        {
            answerBy.CancelAfter(context.Registration.Timeout * 0.8);
        }

        try
        {
            var rtt = await _connection.Nats.PingAsync(answerBy.Token).ConfigureAwait(false);
            data["rtt_ms"] = Math.Round(rtt.TotalMilliseconds, 3);
            data["server_version"] = _connection.Nats.ServerInfo?.Version ?? "unknown";
            var account = await _connection.JetStream.GetAccountInfoAsync(answerBy.Token).ConfigureAwait(false);
            data["jetstream_streams"] = account.Streams;
        }
        catch (Exception ex) when (ex is NatsException or TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, NatsFailure.Cause(ex, _connection.Options, _connection.ServerErrors, DateTimeOffset.UtcNow - context.Registration.Timeout) ?? $"The NATS server at {url} does not answer, or has no JetStream: {Redaction.Text(ex.Message, _connection.Options)}", ex, data);
        }

        if (_worker is null)
        {
            return HealthCheckResult.Healthy($"NATS at {url} answers with JetStream.", data);
        }

        data["worker"] = _worker.Id;
        data["running"] = _worker.Running;
        if (_worker.IsStopping)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "The worker is stopping: it takes no new tasks.", data: data);
        }

        return _worker.Started.IsCompletedSuccessfully
            ? HealthCheckResult.Healthy($"NATS at {url} answers with JetStream; the worker pulls tasks.", data)
            : HealthCheckResult.Degraded("The worker has not started pulling tasks yet (creating its consumers, or waiting for the server).", data: data);
    }
}
