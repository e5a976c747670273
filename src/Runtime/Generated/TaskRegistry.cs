using System.Collections.Frozen;

namespace TypedTasks.Generated;

/// <summary>The dispatcher table of a worker: task name → definition, built from the generated registrations.</summary>
internal sealed class TaskRegistry
{
    private readonly FrozenDictionary<string, TaskDefinition> _byName;

    public TaskRegistry(IEnumerable<TaskDefinition> tasks)
    {
        var byName = new Dictionary<string, TaskDefinition>(StringComparer.Ordinal);
        foreach (var task in tasks)
        {
            if (byName.TryGetValue(task.Name, out var existing) && !ReferenceEquals(existing, task))
            {
                throw new InvalidOperationException($"Two tasks are registered under the name '{task.Name}'. Give one of them another name with [Task(Name = \"…\")].");
            }

            byName[task.Name] = task;
        }

        _byName = byName.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public IEnumerable<TaskDefinition> All => _byName.Values;

    public bool TryGet(string name, out TaskDefinition task) => _byName.TryGetValue(name, out task!);
}
