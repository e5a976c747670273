using Microsoft.Extensions.Diagnostics.HealthChecks;
using TypedTasks.Health;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds TypedTasks to ASP.NET Core / generic-host health checks.</summary>
public static class TypedTasksHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a check that the NATS server answers with JetStream and, in a worker, that the worker is pulling tasks
    /// (Degraded while it starts, the failure status while it stops), for liveness and readiness probes.
    /// </summary>
    /// <param name="builder">The health checks builder (<c>services.AddHealthChecks()</c>).</param>
    /// <param name="name">The check's name. Default <c>typedtasks</c>.</param>
    /// <param name="failureStatus">What a failure reports. Default <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags to filter checks by (e.g. <c>ready</c>).</param>
    /// <param name="timeout">How long the check may take. Default 5 s.</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddTypedTasks(this IHealthChecksBuilder builder, string name = "typedtasks", HealthStatus? failureStatus = null, IEnumerable<string>? tags = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddCheck<TypedTasksHealthCheck>(name, failureStatus, tags ?? [], timeout ?? TimeSpan.FromSeconds(5));
    }
}
