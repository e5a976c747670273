using System.Linq;
using System.Text;
using TypedTasks.Generator.Model;
using TypedTasks.Generator.Parsing;

namespace TypedTasks.Generator.Emitting;

/// <summary>Emits <c>TypedTasks.Dispatcher.g.cs</c>: the assembly's task table and its registration method.</summary>
internal static class DispatcherEmitter
{
    public const string HintName = "TypedTasks.Dispatcher.g.cs";

    /// <summary>The assembly name without non-identifier characters, each dot-separated part kept as is, its first letter upper-cased.</summary>
    public static string Sanitize(string assemblyName)
    {
        var builder = new StringBuilder();
        foreach (var part in assemblyName.Split('.'))
        {
            var cleaned = new string(part.Where(c => char.IsLetterOrDigit(c) || c == '_').ToArray());
            if (cleaned.Length > 0)
            {
                builder.Append(char.ToUpperInvariant(cleaned[0])).Append(cleaned, 1, cleaned.Length - 1);
            }
        }

        if (builder.Length == 0)
        {
            return "Assembly";
        }

        return char.IsDigit(builder[0]) ? "_" + builder : builder.ToString();
    }

    public static string MethodName(string sanitized)
        => "Add" + sanitized + (sanitized.EndsWith("Tasks", System.StringComparison.Ordinal) ? string.Empty : "Tasks");

    public static string Emit(EquatableArray<TaskModel> tasks, string assemblyName)
    {
        var sanitized = Sanitize(assemblyName);
        var writer = new SourceWriter();
        writer.WriteHeader();
        writer.OpenBlock("namespace Microsoft.Extensions.DependencyInjection");
        writer.WriteLine($"/// <summary>Registers the TypedTasks tasks of assembly <c>{assemblyName}</c>.</summary>");
        writer.WriteLine(GeneratorInfo.GeneratedCodeAttribute);
        writer.OpenBlock($"public static class {sanitized}TypedTasksBuilderExtensions");
        writer.WriteLine("/// <summary>The tasks of this assembly, sorted by name.</summary>");
        writer.WriteLine($"public static global::System.Collections.Generic.IReadOnlyList<{Names.TaskDefinition}> Tasks {{ get; }} = new {Names.TaskDefinition}[]");
        writer.WriteLine("{");
        writer.Indent();
        foreach (var task in tasks)
        {
            writer.WriteLine($"{task.ContainingTypeFullName}.{task.ProxyName}.Definition,");
        }

        writer.Unindent();
        writer.WriteLine("};");
        writer.WriteLine();
        writer.WriteLine("/// <summary>Adds the tasks of this assembly to the table of tasks this process can run, and registers the types of its instance tasks.</summary>");
        writer.WriteLine("/// <param name=\"builder\">The TypedTasks builder.</param>");
        writer.WriteLine("/// <returns>The builder.</returns>");
        writer.OpenBlock($"public static {Names.TypedTasksBuilder} {MethodName(sanitized)}(this {Names.TypedTasksBuilder} builder)");
        writer.WriteLine("global::System.ArgumentNullException.ThrowIfNull(builder);");
        foreach (var task in tasks)
        {
            writer.WriteLine($"builder.AddTask({task.ContainingTypeFullName}.{task.ProxyName}.Definition);");
        }

        foreach (var task in tasks)
        {
            foreach (var periodic in task.Periodic)
            {
                // The public AddPeriodic, as a user would write it: the generated registration adds no API of its own.
                var when = periodic.Cron is not null
                    ? Literals.String(periodic.Cron)
                    : $"{Names.TimeSpan}.FromTicks({periodic.EveryTicks!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)})";
                var named = periodic.Name is null ? string.Empty : $", name: {Literals.String(periodic.Name)}";
                var zone = periodic.TimeZone is null ? string.Empty : $", timeZone: {Literals.String(periodic.TimeZone)}";
                var catchUp = periodic.CatchUp == 0 ? string.Empty : $", catchUp: ({Names.PeriodicCatchUp}){periodic.CatchUp.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
                writer.WriteLine($"builder.AddPeriodic({task.ContainingTypeFullName}.{task.ProxyName}.Call(), {when}{named}{zone}{catchUp});");
            }
        }

        foreach (var type in tasks.Where(t => !t.IsStatic).Select(t => t.ContainingTypeFullName).Distinct().OrderBy(t => t, System.StringComparer.Ordinal))
        {
            writer.WriteLine($"builder.AddTaskType<{type}>();");
        }

        writer.WriteLine("return builder;");
        writer.CloseBlock();
        writer.CloseBlock();
        writer.CloseBlock();
        return writer.ToString();
    }
}
