using System.Collections.Generic;
using System.Text;

namespace TypedTasks.Semantics;

/// <summary>
/// The one definition of a task's name and queue: the default name the generator gives a task without <c>Name</c>
/// (the one the analyzers compare, TT0005, and record, TT0301), and the characters <c>Name</c> and <c>Queue</c> may
/// hold (TT0007).
/// </summary>
/// <remarks>Linked into the generator, the analyzers and the runtime: netstandard2.0-compatible and internal.</remarks>
internal static class TaskNames
{
    /// <summary>The queue of a task without <c>Queue</c>, or with <c>Queue = ""</c>.</summary>
    public const string DefaultQueue = "default";

    /// <summary>What to write instead of an invalid <c>Queue</c>.</summary>
    public const string QueueFix = "use only letters, digits, '-' and '_'";

    /// <summary>What to write instead of an invalid <c>Name</c>.</summary>
    public const string NameFix = "use a non-empty name of printable ASCII characters, without whitespace, '*' or '>'";

    /// <summary>What to write when the default name (namespace, types, method) is not a valid name.</summary>
    public const string DefaultNameFix = "the name made of the namespace, types and method has characters a NATS header cannot carry (only printable ASCII, no '*' or '>'); set Name = \"…\" on [Task] to such a name";

    /// <summary>
    /// The task's name: <paramref name="explicitName"/> unless it is null or empty, else the namespace (none for the
    /// global namespace), the containing types from the outermost, and the method, joined by dots:
    /// <c>MyApp.Reports.ReportTasks.GenerateReport</c>.
    /// </summary>
    public static string Resolve(string? explicitName, string? @namespace, IEnumerable<string> containingTypes, string method)
        => string.IsNullOrEmpty(explicitName) ? Default(@namespace, containingTypes, method) : explicitName!;

    /// <summary>The name of a task without <c>Name</c>: namespace, containing types and method joined by dots.</summary>
    public static string Default(string? @namespace, IEnumerable<string> containingTypes, string method)
    {
        var builder = new StringBuilder();
        if (!string.IsNullOrEmpty(@namespace))
        {
            builder.Append(@namespace).Append('.');
        }

        foreach (var type in containingTypes)
        {
            builder.Append(type).Append('.');
        }

        return builder.Append(method).ToString();
    }

    /// <summary>The queue a task is sent to: <paramref name="explicitQueue"/> unless it is null or empty, else <see cref="DefaultQueue"/>.</summary>
    public static string ResolveQueue(string? explicitQueue)
        => string.IsNullOrEmpty(explicitQueue) ? DefaultQueue : explicitQueue!;

    /// <summary>A queue is a NATS subject token and a consumer name: <c>^[A-Za-z0-9_-]+$</c>.</summary>
    public static bool IsValidQueue(string queue)
    {
        if (queue.Length == 0)
        {
            return false;
        }

        foreach (var c in queue)
        {
            if (!(c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A name is a key of the dispatcher table and a message header (<c>TT-Task</c>), which NATS carries as ASCII:
    /// non-empty printable ASCII, without white space, <c>*</c> or <c>&gt;</c>.</summary>
    public static bool IsValidName(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (c is <= ' ' or > '~' or '*' or '>')
            {
                return false;
            }
        }

        return true;
    }
}
