using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;

namespace TypedTasks.Generator.Model;

/// <summary>Whole-assembly views of the task models: the sorted table, the files per type, the JSON types.</summary>
internal static class TaskTable
{
    /// <summary>The tasks sorted ordinally by name, without duplicated names (the analyzer reports those; both are skipped).</summary>
    public static EquatableArray<TaskModel> Create(ImmutableArray<TaskModel> tasks)
    {
        var duplicateNames = new HashSet<string>(tasks.GroupBy(t => t.TaskName, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key), StringComparer.Ordinal);

        // Two tasks of one type with the same method name (overloads) would give two proxies of the same name.
        var duplicateProxies = new HashSet<(string, string)>(tasks.GroupBy(t => (t.ContainingTypeFullName, t.ProxyName)).Where(g => g.Count() > 1).Select(g => g.Key));
        return tasks
            .Where(t => !duplicateNames.Contains(t.TaskName) && !duplicateProxies.Contains((t.ContainingTypeFullName, t.ProxyName)))
            .OrderBy(t => t.TaskName, StringComparer.Ordinal)
            .ToEquatableArray();
    }

    public static ImmutableArray<TypeGroupModel> GroupByType(EquatableArray<TaskModel> tasks)
    {
        var hintNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        return tasks
            .GroupBy(t => t.ContainingTypeFullName, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var first = g.First();

                // `A.Outer.Inner` can be namespace A.Outer's Inner or A's Outer.Inner: keep hint names unique.
                var baseName = string.Join(".", (first.Namespace is null ? Enumerable.Empty<string>() : new[] { first.Namespace })
                    .Concat(first.ContainingTypes.Select(t => t.Name.TrimStart('@'))));
                var hintName = baseName + ".Tasks.g.cs";
                for (var i = 2; !hintNames.Add(hintName); i++)
                {
                    hintName = $"{baseName}.{i}.Tasks.g.cs";
                }

                return new TypeGroupModel(
                    hintName,
                    first.Namespace,
                    first.ContainingTypeFullName,
                    first.ContainingTypes,
                    g.All(t => t.IsPublic),
                    g.OrderBy(t => t.MethodName, StringComparer.Ordinal).ToEquatableArray());
            })
            .ToImmutableArray();
    }

    public static EquatableArray<JsonTypeSpec> JsonTypes(EquatableArray<TaskModel> tasks)
    {
        var types = new Dictionary<string, JsonTypeSpec>(StringComparer.Ordinal);
        foreach (var task in tasks)
        {
            foreach (var type in task.JsonTypes)
            {
                if (!types.ContainsKey(type.FullName))
                {
                    types.Add(type.FullName, type);
                }
            }
        }

        return types.Values.OrderBy(t => t.FullName, StringComparer.Ordinal).ToEquatableArray();
    }
}
