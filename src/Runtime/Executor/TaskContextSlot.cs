namespace TypedTasks.Executor;

/// <summary>Holds the <see cref="TaskContext"/> of the execution that owns a DI scope, so that services
/// (and instance task types) can take <see cref="TaskContext"/> in their constructors.</summary>
internal sealed class TaskContextSlot
{
    private TaskContext? _context;

    public TaskContext Context => _context ?? throw new InvalidOperationException("TaskContext is only available inside a running task (a DI scope the worker created for it).");

    public void Set(TaskContext context) => _context = context;
}
