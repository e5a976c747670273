using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TypedTasks;
using TypedTasks.Backend;
using TypedTasks.Client;
using TypedTasks.Eager;
using TypedTasks.Executor;
using TypedTasks.Generated;
using TypedTasks.Protocol;
using TypedTasks.Topology;
using TypedTasks.Worker;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers TypedTasks in a service collection.</summary>
public static class TypedTasksServiceCollectionExtensions
{
    /// <summary>
    /// Adds the task client (<see cref="ITaskClient"/>) and the NATS connection it uses, with options bound from the
    /// <c>TypedTasks</c> section of <paramref name="configuration"/> (and <c>TypedTasks:Worker</c> for a worker).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The application's configuration (the root or the <c>TypedTasks</c> section).</param>
    /// <param name="configure">Changes applied after binding.</param>
    /// <returns>A builder to register tasks and a worker.</returns>
    public static TypedTasksBuilder AddTypedTasks(this IServiceCollection services, IConfiguration configuration, Action<TypedTasksOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(TypedTasksOptions.SectionName);
        var root = section.Exists() ? section : configuration;
        services.Configure<TypedTasksOptions>(root);
        services.Configure<WorkerOptions>(root.GetSection("Worker"));
        if (section.Exists() || configuration is IConfigurationSection)
        {
            // A key that binds to nothing fails start-up, naming it (not the whole root: it holds other settings).
            services.AddSingleton<IValidateOptions<TypedTasksOptions>>(new TypedTasksConfigurationKeysValidator(root));
        }

        return services.AddTypedTasks(configure);
    }

    /// <summary>Adds the task client (<see cref="ITaskClient"/>) and the NATS connection it uses.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>A builder to register tasks and a worker.</returns>
    public static TypedTasksBuilder AddTypedTasks(this IServiceCollection services, Action<TypedTasksOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<TypedTasksOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TypedTasksOptions>, TypedTasksOptionsValidator>());
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton<TypedTasksConnection>();
        services.TryAddSingleton<TypedTasks.Backend.NatsResultBackend>();
        services.TryAddSingleton<TaskClient>();
        services.TryAddSingleton<ITaskClient>(sp => sp.GetRequiredService<TaskClient>());
        services.TryAddSingleton<IDeadLetters, NatsDeadLetters>();
        services.TryAddSingleton<IWorkerInspector, NatsWorkerInspector>();
        services.TryAddSingleton<ITaskEvents, NatsTaskEvents>();
        services.TryAddSingleton<IPeriodicSchedules>(sp => new NatsPeriodicSchedules(sp.GetRequiredService<TypedTasksConnection>(), sp.GetService<TimeProvider>()));
        return new TypedTasksBuilder(services);
    }

    /// <summary>Adds a worker (a hosted service) that runs the registered tasks.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Sets the worker options.</param>
    /// <returns>The builder.</returns>
    public static TypedTasksBuilder AddWorker(this TypedTasksBuilder builder, Action<WorkerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<WorkerOptions>();
        if (configure is not null)
        {
            builder.Services.Configure(configure);
        }

        builder.Services.TryAddSingleton<TaskRegistry>();
        builder.Services.TryAddSingleton<RevocationRegistry>();
        AddExecutor(builder.Services);
        if (builder.Services.Any(d => d.ServiceType == typeof(EagerTaskClient)))
        {
            // Eager mode: tasks run in the sender; there is no broker to work from.
            return builder;
        }

        builder.Services.AddOptions<WorkerOptions>().ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WorkerOptions>, WorkerOptionsValidator>());
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ScheduleMover>());
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ScheduleForwarder>());
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, TaskWorker>());
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, LeftoverSweeper>());
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PeriodicScheduler>());
        return builder;
    }

    /// <summary>
    /// Eager mode, for tests (Celery's <c>task_always_eager</c>): sending a task runs it at once in the sender — the
    /// arguments through the same JSON round trip, a DI scope, the task context, time limits and the retry policy (retries
    /// run at once) — and stores the outcome in memory, so the handle's <c>GetAsync</c> returns the result or throws
    /// <see cref="TaskFailedException"/>. No NATS connection is made and no worker runs (<c>AddWorker</c> adds none).
    /// Countdown and ETA are not waited for.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Sets the eager options.</param>
    /// <returns>The builder.</returns>
    public static TypedTasksBuilder RunTasksEagerly(this TypedTasksBuilder builder, Action<EagerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<EagerOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton<InMemoryResultBackend>();
        // The eager client looks a chain's later steps up by name; a sender without AddWorker has no registry otherwise.
        services.TryAddSingleton<TaskRegistry>();
        services.TryAddSingleton<EagerTaskClient>();
        services.RemoveAll<ITaskClient>();
        services.AddSingleton<ITaskClient>(sp => sp.GetRequiredService<EagerTaskClient>());
        services.RemoveAll<IDeadLetters>();
        services.AddSingleton<IDeadLetters, NoDeadLetters>();
        services.RemoveAll<IWorkerInspector>();
        services.AddSingleton<IWorkerInspector, NoWorkers>();
        services.RemoveAll<ITaskEvents>();
        services.AddSingleton<ITaskEvents, NoTaskEvents>();
        services.RemoveAll<IPeriodicSchedules>();
        services.AddSingleton<IPeriodicSchedules, NoPeriodicSchedules>();
        AddExecutor(services);
        // A worker added before: nothing to work from.
        var workers = services.Where(d => d.ServiceType == typeof(IHostedService)
            && (d.ImplementationType == typeof(TaskWorker) || d.ImplementationType == typeof(ScheduleMover) || d.ImplementationType == typeof(ScheduleForwarder) || d.ImplementationType == typeof(LeftoverSweeper) || d.ImplementationType == typeof(PeriodicScheduler))).ToList();
        foreach (var worker in workers)
        {
            services.Remove(worker);
        }

        return builder;
    }

    private static void AddExecutor(IServiceCollection services)
    {
        services.TryAddSingleton<TaskExecutor>();
        services.TryAddScoped<TaskContextSlot>();
        services.TryAddScoped(sp => sp.GetRequiredService<TaskContextSlot>().Context);
    }
}
