using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using TypedTasks.Semantics;

namespace TypedTasks.Analyzers;

/// <summary>
/// TT0301–TT0304: every task's contract (name, queue, arguments, result) is recorded in
/// <c>TaskContracts.Shipped.txt</c> / <c>TaskContracts.Unshipped.txt</c>, and a change to a shipped task is judged by
/// what it does to messages already queued. Modelled on Microsoft.CodeAnalysis.PublicApiAnalyzers: only active when at
/// least one of the two files is an <c>AdditionalFiles</c> item of the project.
/// </summary>
/// <remarks>
/// A task's recorded contract is its Unshipped line when there is one, else its Shipped line. An Unshipped line
/// <c>*REMOVED*{shipped line}</c> records that a shipped task was removed on purpose. Diagnostics carry the
/// edit the code fix makes in their properties (<see cref="ContractProperty"/>, <see cref="TaskNameProperty"/>,
/// <see cref="RemovedLineProperty"/>).
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TaskContractsAnalyzer : DiagnosticAnalyzer
{
    public const string ShippedFileName = "TaskContracts.Shipped.txt";
    public const string UnshippedFileName = "TaskContracts.Unshipped.txt";

    /// <summary>The line the fix adds to Unshipped.</summary>
    public const string ContractProperty = "Contract";

    /// <summary>The task whose earlier Unshipped lines the fix removes.</summary>
    public const string TaskNameProperty = "TaskName";

    /// <summary>The Shipped line the fix marks as removed in Unshipped.</summary>
    public const string RemovedLineProperty = "RemovedLine";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        Descriptors.ContractMustBeRecorded,
        Descriptors.ShippedContractBroken,
        Descriptors.ShippedContractExtended,
        Descriptors.ShippedContractQueueChanged);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var taskAttribute = start.Compilation.GetTypeByMetadataName(TaskSymbols.TaskAttributeMetadataName);
            if (taskAttribute is null)
            {
                return;
            }

            var shippedFiles = new List<AdditionalText>();
            var unshippedFiles = new List<AdditionalText>();
            foreach (var file in start.Options.AdditionalFiles)
            {
                if (IsShippedFile(file))
                {
                    shippedFiles.Add(file);
                }
                else if (IsUnshippedFile(file))
                {
                    unshippedFiles.Add(file);
                }
            }

            // Projects that do not opt in see nothing.
            if (shippedFiles.Count == 0 && unshippedFiles.Count == 0)
            {
                return;
            }

            var shipped = shippedFiles.SelectMany(file => ContractFile.Read(file, start.CancellationToken)).ToList();
            var unshipped = unshippedFiles.SelectMany(file => ContractFile.Read(file, start.CancellationToken)).ToList();
            var state = new ContractState(start.Compilation, taskAttribute, new ContractSymbols(start.Compilation), shipped, unshipped);

            // Both kinds of diagnostics are local, so that the fix is offered while editing: those of a task on the
            // task, found by a symbol action; those of a line that has no task (a shipped task gone, a stale unshipped
            // line) on that line, found by an additional file action.
            start.RegisterSymbolAction(state.AnalyzeTask, SymbolKind.Method);
            start.RegisterAdditionalFileAction(state.AnalyzeFile);
        });
    }

    private static bool IsShippedFile(AdditionalText file)
        => string.Equals(Path.GetFileName(file.Path), ShippedFileName, StringComparison.OrdinalIgnoreCase);

    private static bool IsUnshippedFile(AdditionalText file)
        => string.Equals(Path.GetFileName(file.Path), UnshippedFileName, StringComparison.OrdinalIgnoreCase);

    /// <summary>The recorded contracts of one compilation, and, computed only when needed, every task in it.</summary>
    private sealed class ContractState
    {
        private readonly Compilation _compilation;
        private readonly INamedTypeSymbol _taskAttribute;
        private readonly ContractSymbols _symbols;
        private readonly Dictionary<string, ContractEntry> _shipped;
        private readonly Dictionary<string, ContractEntry> _unshipped;
        private readonly HashSet<string> _removed;
        private readonly object _gate = new();
        private SourceTasks? _sourceTasks;

        public ContractState(
            Compilation compilation,
            INamedTypeSymbol taskAttribute,
            ContractSymbols symbols,
            IReadOnlyList<ContractEntry> shipped,
            IReadOnlyList<ContractEntry> unshipped)
        {
            _compilation = compilation;
            _taskAttribute = taskAttribute;
            _symbols = symbols;
            _shipped = FirstByName(shipped.Where(e => !e.IsRemoved));
            _unshipped = FirstByName(unshipped.Where(e => !e.IsRemoved));
            _removed = new HashSet<string>(unshipped.Where(e => e.IsRemoved).Select(e => e.Name), StringComparer.Ordinal);
        }

        public void AnalyzeTask(SymbolAnalysisContext context)
        {
            var method = (IMethodSymbol)context.Symbol;
            if (TaskSymbols.GetTaskAttribute(method, _taskAttribute) is not { } attribute)
            {
                return;
            }

            var current = TaskContract.FromMethod(method, attribute, _symbols);
            var location = TaskSymbols.GetIdentifierLocation(method);
            var line = current.Format();
            _shipped.TryGetValue(current.Name, out var shippedEntry);
            _unshipped.TryGetValue(current.Name, out var unshippedEntry);
            void Report(DiagnosticDescriptor descriptor, string? contract, string? removedLine, params object[] arguments)
                => context.ReportDiagnostic(CreateDiagnostic(descriptor, location, contract, current.Name, removedLine, arguments));

            if (unshippedEntry is not null && unshippedEntry.Line == line)
            {
                return;
            }

            if (shippedEntry is null)
            {
                if (unshippedEntry is null && MayBeRename(current) && GetSourceTasks(context.CancellationToken).Renames.TryGetValue(current.Name, out var renamedFrom))
                {
                    var reasons = new List<string>
                    {
                        $"it was renamed from '{renamedFrom.Name}' (messages queued under '{renamedFrom.Name}' find no task and are dead-lettered; " +
                        $"keep the old name with [Task(Name = \"{renamedFrom.Name}\")])",
                    };
                    reasons.AddRange(TaskContractComparer.Compare(renamedFrom.Contract!, current).Breaking);
                    Report(Descriptors.ShippedContractBroken, line, renamedFrom.Line, current.Name, string.Join("; ", reasons));
                    return;
                }

                var reason = unshippedEntry is null
                    ? $"has no recorded contract; record it in {UnshippedFileName}"
                    : $"does not match its contract in {UnshippedFileName}; record the new one";
                Report(Descriptors.ContractMustBeRecorded, line, null, current.Name, reason);
                return;
            }

            if (shippedEntry.Line == line)
            {
                if (unshippedEntry is not null)
                {
                    // Back to the shipped contract: the Unshipped line is stale, and the fix removes it.
                    Report(
                        Descriptors.ContractMustBeRecorded,
                        null,
                        null,
                        current.Name,
                        $"matches its shipped contract again, but {UnshippedFileName} records another; remove that line");
                }

                return;
            }

            if (shippedEntry.Contract is null)
            {
                Report(
                    Descriptors.ShippedContractBroken,
                    line,
                    null,
                    current.Name,
                    $"its line in {ShippedFileName} cannot be read, so the change cannot be checked (write it as '{line}' if that is what shipped)");
                return;
            }

            var comparison = TaskContractComparer.Compare(shippedEntry.Contract, current);
            if (comparison.Breaking.Count > 0)
            {
                Report(Descriptors.ShippedContractBroken, line, null, current.Name, string.Join("; ", comparison.Breaking));
            }
            else if (comparison.Compatible.Count > 0)
            {
                Report(Descriptors.ShippedContractExtended, line, null, current.Name, string.Join("; ", comparison.Compatible));
            }

            if (comparison.QueueChanged)
            {
                Report(Descriptors.ShippedContractQueueChanged, line, null, current.Name, shippedEntry.Contract.Queue, current.Queue);
            }
        }

        public void AnalyzeFile(AdditionalFileAnalysisContext context)
        {
            var isShipped = IsShippedFile(context.AdditionalFile);
            if (!isShipped && !IsUnshippedFile(context.AdditionalFile))
            {
                return;
            }

            var tasks = GetSourceTasks(context.CancellationToken);
            if (isShipped)
            {
                // Shipped tasks gone from source without a *REMOVED* line; a rename is reported on the renamed task.
                foreach (var gone in tasks.Missing)
                {
                    if (gone.Location.GetLineSpan().Path != context.AdditionalFile.Path || tasks.Renames.Values.Contains(gone))
                    {
                        continue;
                    }

                    context.ReportDiagnostic(CreateDiagnostic(
                        Descriptors.ShippedContractBroken,
                        gone.Location,
                        null,
                        gone.Name,
                        gone.Line,
                        gone.Name,
                        $"it no longer exists (messages queued under '{gone.Name}' find no task and are dead-lettered; keep a task with that name until they are drained)"));
                }

                return;
            }

            // Unshipped lines of tasks that no longer exist and never shipped: the record is stale.
            foreach (var stale in _unshipped.Values)
            {
                if (stale.Location.GetLineSpan().Path != context.AdditionalFile.Path || tasks.Names.Contains(stale.Name) || _shipped.ContainsKey(stale.Name))
                {
                    continue;
                }

                context.ReportDiagnostic(CreateDiagnostic(
                    Descriptors.ContractMustBeRecorded,
                    stale.Location,
                    null,
                    stale.Name,
                    null,
                    stale.Name,
                    $"is recorded in {UnshippedFileName} but no longer exists; remove the line"));
            }
        }

        /// <summary>Whether a shipped task has the same arguments as <paramref name="current"/>, so that it may have been renamed to it.</summary>
        private bool MayBeRename(TaskContract current)
        {
            var arguments = FormatArguments(current);
            return _shipped.Values.Any(e => e.Contract is not null && !_removed.Contains(e.Name) && FormatArguments(e.Contract) == arguments);
        }

        /// <summary>Every task of the compilation, found once by walking its symbols.</summary>
        private SourceTasks GetSourceTasks(CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                return _sourceTasks ??= FindSourceTasks(cancellationToken);
            }
        }

        private SourceTasks FindSourceTasks(CancellationToken cancellationToken)
        {
            var tasks = new List<(IMethodSymbol Method, TaskContract Contract)>();
            var namespaces = new Stack<INamespaceSymbol>();
            namespaces.Push(_compilation.Assembly.GlobalNamespace);
            while (namespaces.Count > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var ns = namespaces.Pop();
                foreach (var member in ns.GetMembers())
                {
                    if (member is INamespaceSymbol child)
                    {
                        namespaces.Push(child);
                    }
                    else if (member is INamedTypeSymbol type)
                    {
                        foreach (var method in TaskSymbols.GetTaskMethods(type, _taskAttribute))
                        {
                            tasks.Add((method, TaskContract.FromMethod(method, TaskSymbols.GetTaskAttribute(method, _taskAttribute)!, _symbols)));
                        }
                    }
                }
            }

            var names = new HashSet<string>(tasks.Select(t => t.Contract.Name), StringComparer.Ordinal);
            var missing = _shipped.Values.Where(e => !names.Contains(e.Name) && !_removed.Contains(e.Name)).ToList();
            var unrecorded = tasks.Where(t => !_shipped.ContainsKey(t.Contract.Name) && !_unshipped.ContainsKey(t.Contract.Name)).ToList();
            return new SourceTasks(names, missing, MatchRenames(missing, unrecorded));
        }
    }

    /// <summary>
    /// Pairs a missing shipped task with the one unrecorded source task that looks like it renamed: the same
    /// arguments, and the same method name, the same containing type, or a <c>Name</c> that moved away from the default.
    /// Only unambiguous pairs count. Keyed by the new task name.
    /// </summary>
    private static Dictionary<string, ContractEntry> MatchRenames(
        IReadOnlyList<ContractEntry> missing,
        IReadOnlyList<(IMethodSymbol Method, TaskContract Contract)> unrecorded)
    {
        var candidates = new List<(ContractEntry Entry, string Task)>();
        foreach (var entry in missing)
        {
            if (entry.Contract is null)
            {
                continue;
            }

            var arguments = FormatArguments(entry.Contract);
            foreach (var (method, contract) in unrecorded)
            {
                if (FormatArguments(contract) == arguments && LooksLikeRename(entry.Name, method))
                {
                    candidates.Add((entry, contract.Name));
                }
            }
        }

        var renames = new Dictionary<string, ContractEntry>(StringComparer.Ordinal);
        foreach (var (entry, task) in candidates)
        {
            if (candidates.Count(c => c.Entry == entry) == 1 && candidates.Count(c => c.Task == task) == 1)
            {
                renames[task] = entry;
            }
        }

        return renames;
    }

    private static string FormatArguments(TaskContract contract) => string.Join(", ", contract.Parameters.Select(p => p.Format()));

    private static bool LooksLikeRename(string oldName, IMethodSymbol method)
    {
        var defaultName = TaskSymbolNames.GetDefaultName(method);
        var lastDot = oldName.LastIndexOf('.');
        var oldMethod = lastDot < 0 ? oldName : oldName.Substring(lastDot + 1);
        var oldType = lastDot < 0 ? string.Empty : oldName.Substring(0, lastDot);
        var typeName = defaultName.Substring(0, defaultName.Length - method.Name.Length).TrimEnd('.');
        return oldName == defaultName || oldMethod == method.Name || (oldType.Length > 0 && oldType == typeName);
    }

    private static Dictionary<string, ContractEntry> FirstByName(IEnumerable<ContractEntry> entries)
    {
        var byName = new Dictionary<string, ContractEntry>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            if (entry.Name.Length > 0 && !byName.ContainsKey(entry.Name))
            {
                byName.Add(entry.Name, entry);
            }
        }

        return byName;
    }

    private static Diagnostic CreateDiagnostic(
        DiagnosticDescriptor descriptor,
        Location location,
        string? contract,
        string? taskName,
        string? removedLine,
        params object[] arguments)
    {
        var properties = ImmutableDictionary<string, string?>.Empty;
        if (contract is not null)
        {
            properties = properties.Add(ContractProperty, contract);
        }

        if (taskName is not null)
        {
            properties = properties.Add(TaskNameProperty, taskName);
        }

        if (removedLine is not null)
        {
            properties = properties.Add(RemovedLineProperty, removedLine);
        }

        return Diagnostic.Create(descriptor, location, properties, arguments);
    }

    private sealed class SourceTasks
    {
        public SourceTasks(HashSet<string> names, IReadOnlyList<ContractEntry> missing, Dictionary<string, ContractEntry> renames)
        {
            Names = names;
            Missing = missing;
            Renames = renames;
        }

        /// <summary>The names of all tasks in source.</summary>
        public HashSet<string> Names { get; }

        /// <summary>Shipped tasks that are gone from source without a <c>*REMOVED*</c> line.</summary>
        public IReadOnlyList<ContractEntry> Missing { get; }

        /// <summary>Renamed tasks: new name to the shipped entry they replace.</summary>
        public Dictionary<string, ContractEntry> Renames { get; }
    }
}
/// <summary>One line of a contract file that is not blank and not a <c>#</c> comment.</summary>
internal sealed class ContractEntry
{
    public ContractEntry(string line, bool isRemoved, string name, TaskContract? contract, Location location)
    {
        Line = line;
        IsRemoved = isRemoved;
        Name = name;
        Contract = contract;
        Location = location;
    }

    /// <summary>The line, trimmed, without <see cref="TaskContract.RemovedPrefix"/>; as written, or as normalized when it parses.</summary>
    public string Line { get; }

    public bool IsRemoved { get; }

    public string Name { get; }

    /// <summary>The parsed contract, or <see langword="null"/> when the line cannot be read.</summary>
    public TaskContract? Contract { get; }

    public Location Location { get; }
}

/// <summary>Reads contract files.</summary>
internal static class ContractFile
{
    public static IEnumerable<ContractEntry> Read(AdditionalText file, CancellationToken cancellationToken)
    {
        var text = file.GetText(cancellationToken);
        if (text is null)
        {
            yield break;
        }

        foreach (var textLine in text.Lines)
        {
            var raw = textLine.ToString();
            var trimmed = raw.Trim();
            if (trimmed.Length == 0 || trimmed[0] == '#')
            {
                continue;
            }

            var isRemoved = trimmed.StartsWith(TaskContract.RemovedPrefix, StringComparison.Ordinal);
            var body = isRemoved ? trimmed.Substring(TaskContract.RemovedPrefix.Length).Trim() : trimmed;
            TaskContract.TryParse(body, out var contract, out var name);

            // Report on the line's text without its indentation.
            var start = textLine.Start + (raw.Length - raw.TrimStart().Length);
            var span = new TextSpan(start, trimmed.Length);
            var location = Location.Create(file.Path, span, text.Lines.GetLinePositionSpan(span));
            yield return new ContractEntry(contract?.Format() ?? body, isRemoved, name, contract, location);
        }
    }
}
