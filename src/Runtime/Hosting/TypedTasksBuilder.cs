using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace TypedTasks;

/// <summary>
/// Configures TypedTasks in a service collection: returned by <c>services.AddTypedTasks(…)</c>.
/// The generator adds an extension per assembly that registers its tasks (<c>builder.Add{Assembly}Tasks()</c>).
/// </summary>
public sealed class TypedTasksBuilder
{
    internal TypedTasksBuilder(IServiceCollection services)
    {
        Services = services;
    }

    /// <summary>The service collection.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Adds a task to the table of tasks this process can run. Used by generated code.</summary>
    /// <param name="task">The task.</param>
    /// <returns>This builder.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public TypedTasksBuilder AddTask(TaskDefinition task)
    {
        ArgumentNullException.ThrowIfNull(task);
        Services.AddSingleton(task);
        return this;
    }

    /// <summary>Registers the containing type of instance tasks, created from a DI scope per execution.
    /// Used by generated code; keeps an existing registration.</summary>
    /// <typeparam name="T">The type that declares instance tasks.</typeparam>
    /// <returns>This builder.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public TypedTasksBuilder AddTaskType<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] T>()
        where T : class
    {
        Services.TryAddScoped<T>();
        return this;
    }
}
