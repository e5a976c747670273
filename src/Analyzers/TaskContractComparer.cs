using System;
using System.Collections.Generic;
using System.Linq;

namespace TypedTasks.Analyzers;

/// <summary>
/// Compares a task's shipped contract with its contract in source, from the point of view of a message queued under
/// the shipped one: its body is a JSON object with one property per shipped argument, unknown properties are skipped,
/// and a missing property takes the parameter's default or dead-letters the message.
/// </summary>
internal static class TaskContractComparer
{
    /// <summary>The differences, each phrased as a reason that says what happens to queued messages.</summary>
    public static Comparison Compare(TaskContract shipped, TaskContract current)
    {
        var breaking = new List<string>();
        var compatible = new List<string>();
        var oldByName = ByName(shipped.Parameters);
        var newByName = ByName(current.Parameters);
        var renamedTo = new HashSet<string>(StringComparer.Ordinal);

        for (var i = 0; i < shipped.Parameters.Count; i++)
        {
            var old = shipped.Parameters[i];
            if (newByName.TryGetValue(old.Name, out var now))
            {
                CompareParameter(old, now, breaking, compatible);
                continue;
            }

            // A new name at the same position with the same type, while the old name is gone: a rename.
            if (i < current.Parameters.Count
                && current.Parameters[i] is var candidate
                && !oldByName.ContainsKey(candidate.Name)
                && candidate.Type == old.Type)
            {
                renamedTo.Add(candidate.Name);
                breaking.Add(
                    $"parameter '{old.Name}' was renamed to '{candidate.Name}' (queued messages carry '{old.Name}', " +
                    (candidate.IsOptional
                        ? $"so '{candidate.Name}' silently takes its default and their value is lost"
                        : $"not '{candidate.Name}', and are dead-lettered") +
                    $"; keep the name '{old.Name}')");
                continue;
            }

            breaking.Add(
                $"parameter '{old.Name}' was removed (queued messages still carry it and its value would be silently dropped; " +
                "keep the parameter, even unused, until they are drained)");
        }

        foreach (var now in current.Parameters)
        {
            if (oldByName.ContainsKey(now.Name) || renamedTo.Contains(now.Name))
            {
                continue;
            }

            if (now.IsOptional)
            {
                compatible.Add($"optional parameter '{now.Name}' was added");
            }
            else
            {
                breaking.Add($"parameter '{now.Name}' was added without a default (queued messages lack it and are dead-lettered; give it a default)");
            }
        }

        var oldOrder = shipped.Parameters.Select(p => p.Name).Where(newByName.ContainsKey);
        var newOrder = current.Parameters.Select(p => p.Name).Where(oldByName.ContainsKey);
        if (!oldOrder.SequenceEqual(newOrder, StringComparer.Ordinal))
        {
            compatible.Add("parameters were reordered (arguments travel by name)");
        }

        if (!string.Equals(shipped.Result, current.Result, StringComparison.Ordinal))
        {
            breaking.Add(
                $"its result changed from '{shipped.Result}' to '{current.Result}' (callers holding handles of tasks already queued " +
                $"read a result stored as '{current.Result}' as '{shipped.Result}'; keep the result type, or add a new task)");
        }

        var queueChanged = !string.Equals(shipped.Queue, current.Queue, StringComparison.Ordinal);
        return new Comparison(breaking, compatible, queueChanged);
    }

    /// <summary>Parameters by name; a damaged line may repeat a name, and then its first parameter counts.</summary>
    private static Dictionary<string, ContractParameter> ByName(IReadOnlyList<ContractParameter> parameters)
    {
        var byName = new Dictionary<string, ContractParameter>(StringComparer.Ordinal);
        foreach (var parameter in parameters)
        {
            if (!byName.ContainsKey(parameter.Name))
            {
                byName.Add(parameter.Name, parameter);
            }
        }

        return byName;
    }

    private static void CompareParameter(ContractParameter old, ContractParameter now, List<string> breaking, List<string> compatible)
    {
        if (now.Type != old.Type)
        {
            if (now.Type == old.Type + "?")
            {
                compatible.Add($"parameter '{now.Name}' now accepts null");
            }
            else
            {
                breaking.Add(
                    $"parameter '{now.Name}' changed type from '{old.Type}' to '{now.Type}' (queued messages hold a '{old.Type}', which may not " +
                    $"decode as '{now.Type}'; keep the type, or add a new parameter with a default)");
            }
        }

        if (old.IsOptional && !now.IsOptional)
        {
            breaking.Add(
                $"parameter '{now.Name}' no longer has a default (messages that omit it, such as those queued before it was added, " +
                "are dead-lettered; keep the default)");
        }
        else if (!old.IsOptional && now.IsOptional)
        {
            compatible.Add($"parameter '{now.Name}' now has a default");
        }
        else if (old.IsOptional && !string.Equals(old.Default, now.Default, StringComparison.Ordinal))
        {
            compatible.Add($"the default of parameter '{now.Name}' changed from {old.Default} to {now.Default}");
        }
    }

    internal sealed class Comparison
    {
        public Comparison(IReadOnlyList<string> breaking, IReadOnlyList<string> compatible, bool queueChanged)
        {
            Breaking = breaking;
            Compatible = compatible;
            QueueChanged = queueChanged;
        }

        /// <summary>Changes that break queued messages (TT0302).</summary>
        public IReadOnlyList<string> Breaking { get; }

        /// <summary>Changes queued messages survive (TT0303).</summary>
        public IReadOnlyList<string> Compatible { get; }

        /// <summary>The queue changed (TT0304).</summary>
        public bool QueueChanged { get; }
    }
}
