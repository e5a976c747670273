using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using TypedTasks.Generator.Emitting;
using TypedTasks.Generator.Model;
using TypedTasks.Generator.Parsing;

namespace TypedTasks.Generator;

/// <summary>
/// Generates, for every <c>[Task]</c> method, a typed proxy and an invoker; per assembly, the task table with
/// its registration method and the JSON metadata of every argument and result type.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class TaskGenerator : IIncrementalGenerator
{
    private const string TaskAttribute = "TypedTasks.TaskAttribute";

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // Every [Task] method, reduced in the transform to an equatable model and its diagnostics.
        var parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(TaskAttribute, static (node, _) => node is MethodDeclarationSyntax, TaskParser.Parse)
            .WithTrackingName(TrackingNames.Parse);

        // Diagnostics travel apart from the models: their locations change on unrelated edits.
        var diagnostics = parsed
            .Select(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);
        context.RegisterSourceOutput(diagnostics, static (spc, items) =>
        {
            foreach (var item in items)
            {
                spc.ReportDiagnostic(item.ToDiagnostic());
            }
        });

        // The models of the tasks that can be emitted.
        var models = parsed
            .Where(static result => result.Model is not null)
            .Select(static (result, _) => result.Model!)
            .WithTrackingName(TrackingNames.Models);

        // The assembly's task table: sorted by name, duplicated names dropped.
        var table = models
            .Collect()
            .Select(static (tasks, _) => TaskTable.Create(tasks))
            .WithTrackingName(TrackingNames.AllTasks);

        // One file per containing type; unchanged types are not emitted again.
        var groups = table
            .SelectMany(static (tasks, _) => TaskTable.GroupByType(tasks))
            .WithTrackingName(TrackingNames.TypeGroups);
        context.RegisterSourceOutput(groups, static (spc, group) => spc.AddSource(group.HintName, ProxyEmitter.Emit(group)));

        // The dispatcher: the table and the Add{Assembly}Tasks() registration method.
        var assemblyName = context.CompilationProvider
            .Select(static (compilation, _) => compilation.AssemblyName ?? string.Empty)
            .WithTrackingName(TrackingNames.AssemblyName);
        context.RegisterSourceOutput(table.Combine(assemblyName), static (spc, pair) =>
        {
            if (pair.Left.Count > 0)
            {
                spc.AddSource(DispatcherEmitter.HintName, DispatcherEmitter.Emit(pair.Left, pair.Right));
            }
        });

        // The JSON metadata of every argument and result type of the assembly.
        var jsonTypes = table
            .Select(static (tasks, _) => TaskTable.JsonTypes(tasks))
            .WithTrackingName(TrackingNames.JsonTypes);
        context.RegisterSourceOutput(jsonTypes.Combine(table.Select(static (tasks, _) => tasks.Count > 0)), static (spc, pair) =>
        {
            if (pair.Right)
            {
                spc.AddSource(JsonMetadataEmitter.HintName, JsonMetadataEmitter.Emit(pair.Left));
            }
        });
    }
}
