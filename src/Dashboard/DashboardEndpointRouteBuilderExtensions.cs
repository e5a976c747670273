using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TypedTasks;
using TypedTasks.Client;
using TypedTasks.Dashboard;
using TypedTasks.Dashboard.Internal;

// In ASP.NET Core's namespace, as MapHealthChecks is: `app.MapTypedTasksDashboard("/tasks")` needs no using in a web app.
namespace Microsoft.AspNetCore.Builder;

/// <summary>Mounts the TypedTasks dashboard in an ASP.NET Core app.</summary>
public static class DashboardEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Serves the dashboard under <paramref name="prefix"/>: an overview with live numbers, queues, workers, tasks (search
    /// by id, recent by state, from the task history), one task with its state history and workflow, workflows, and dead letters; for operators (<see cref="TypedTasksDashboardOptions.OperatorPolicy"/>)
    /// actions: requeue, purge, revoke, terminate, shut a worker down. Plain server-rendered pages that work without
    /// JavaScript; the CSS and the small script for live updates are served from the assembly. The actions' antiforgery
    /// tokens use the app's <c>IAntiforgery</c> when it registered one, else the dashboard's own.
    /// </summary>
    /// <param name="endpoints">The app (<c>WebApplication</c>) or another route builder; its services need
    /// <c>services.AddTypedTasks(…)</c>.</param>
    /// <param name="prefix">Where to mount it, a literal path such as <c>/tasks</c> (no route parameters). Default <c>/tasks</c>.</param>
    /// <param name="options">Authorization and limits; default: no policy, which serves only local requests in Development
    /// (<see cref="TypedTasksDashboardOptions"/>).</param>
    /// <returns>The group of the dashboard's endpoints, to add conventions (e.g. <c>RequireHost</c>).</returns>
    /// <exception cref="InvalidOperationException">TypedTasks is not registered in the app's services.</exception>
    /// <exception cref="ArgumentException">The prefix holds route parameters, or an option is out of range.</exception>
    public static IEndpointConventionBuilder MapTypedTasksDashboard(this IEndpointRouteBuilder endpoints, string prefix = "/tasks", TypedTasksDashboardOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);
        options ??= new TypedTasksDashboardOptions();
        Validate(prefix, options);
        var services = endpoints.ServiceProvider;
        if (services.GetService<IWorkerInspector>() is null)
        {
            throw new InvalidOperationException("The TypedTasks dashboard reads through TypedTasks' services: call builder.Services.AddTypedTasks(builder.Configuration) before app.MapTypedTasksDashboard(…).");
        }

        var loggerFactory = services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
        var events = services.GetRequiredService<ITaskEvents>();
        // Over NATS, the list starts from the history stream (TT_HISTORY); eagerly there is none.
        var history = events is NatsTaskEvents ? services.GetService<TypedTasks.Topology.TypedTasksConnection>() : null;
        var recent = new RecentTasks(events, options.RecentTasks, loggerFactory.CreateLogger<RecentTasks>(), history);
        if (options.RecentTasks > 0 && services.GetService<IHostApplicationLifetime>() is { } lifetime)
        {
            lifetime.ApplicationStarted.Register(() => recent.Start(lifetime.ApplicationStopping));
        }

        var actionServices = ActionServices(services);
        if (!ReferenceEquals(actionServices, services) && actionServices is IDisposable own && services.GetService<IHostApplicationLifetime>() is { } stopping)
        {
            stopping.ApplicationStopped.Register(own.Dispose);
        }

        var dashboard = new DashboardApp(services, actionServices, options, recent, loggerFactory.CreateLogger("TypedTasks.Dashboard"));
        var trimmed = prefix.TrimEnd('/');
        // The list is endpoint metadata too, so that a test can wait until it listens.
        var group = endpoints.MapGroup(trimmed).WithMetadata(recent);
        var readPolicy = options.ReadPolicy ?? options.OperatorPolicy;
        if (readPolicy is not null)
        {
            group.RequireAuthorization(readPolicy);
        }

        dashboard.Map(group, trimmed, localDevelopmentOnly: readPolicy is null);
        return group;
    }

    /// <summary>
    /// Antiforgery and data protection for the actions' forms: the app's when it registered them (<c>AddAntiforgery</c>,
    /// or anything that calls it, such as Razor Pages or MVC), else a small container of the dashboard's own, so that
    /// the one line above is still all it takes. The own container uses the app's data protection keys and logging when
    /// the app has them (a farm shares its keys that way).
    /// </summary>
    private static IServiceProvider ActionServices(IServiceProvider app)
    {
        if (app.GetService<IAntiforgery>() is not null && app.GetService<IDataProtectionProvider>() is not null)
        {
            return app;
        }

        var own = new ServiceCollection();
        own.AddLogging();
        own.AddAntiforgery();
        if (app.GetService<ILoggerFactory>() is { } loggerFactory)
        {
            own.AddSingleton(loggerFactory);
        }

        if (app.GetService<IDataProtectionProvider>() is { } dataProtection)
        {
            own.AddSingleton(dataProtection);
        }

        return own.BuildServiceProvider();
    }

    private static void Validate(string prefix, TypedTasksDashboardOptions options)
    {
        if (!prefix.StartsWith('/') || prefix.Contains('{', StringComparison.Ordinal) || prefix.Contains('?', StringComparison.Ordinal))
        {
            throw new ArgumentException($"The dashboard's prefix '{prefix}' must be a literal path starting with '/', such as \"/tasks\".", nameof(prefix));
        }

        if (options.DeadLettersPageSize is < 1 or > DeploymentQueries.MaxPageSize)
        {
            throw new ArgumentException($"TypedTasksDashboardOptions.DeadLettersPageSize is {options.DeadLettersPageSize}: use 1 to {DeploymentQueries.MaxPageSize}.", nameof(options));
        }

        if (options.MaxJsonBytes < 256)
        {
            throw new ArgumentException($"TypedTasksDashboardOptions.MaxJsonBytes is {options.MaxJsonBytes}: use 256 or more.", nameof(options));
        }

        if (options.RecentTasks is < 0 or > 100_000)
        {
            throw new ArgumentException($"TypedTasksDashboardOptions.RecentTasks is {options.RecentTasks}: use 0 (off) to 100,000.", nameof(options));
        }

        if (options.LiveInterval < TimeSpan.FromMilliseconds(100))
        {
            throw new ArgumentException($"TypedTasksDashboardOptions.LiveInterval is {options.LiveInterval}: use 100 ms or more.", nameof(options));
        }
    }
}
