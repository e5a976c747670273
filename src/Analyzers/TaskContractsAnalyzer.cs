using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

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

            var shipped = new List<AdditionalText>();
            var unshipped = new List<AdditionalText>();
            foreach (var file in start.Options.AdditionalFiles)
            {
                var fileName = Path.GetFileName(file.Path);
                if (string.Equals(fileName, ShippedFileName, StringComparison.OrdinalIgnoreCase))
                {
                    shipped.Add(file);
                }
                else if (string.Equals(fileName, UnshippedFileName, StringComparison.OrdinalIgnoreCase))
                {
                    unshipped.Add(file);
                }
            }

            // Projects that do not opt in see nothing.
            if (shipped.Count == 0 && unshipped.Count == 0)
            {
                return;
            }

            var symbols = new ContractSymbols(start.Compilation);
            var tasks = new ConcurrentBag<SourceTask>();
            start.RegisterSymbolAction(
                symbolContext =>
                {
                    var method = (IMethodSymbol)symbolContext.Symbol;
                    if (TaskSymbols.GetTaskAttribute(method, taskAttribute) is { } attribute)
                    {
                        tasks.Add(new SourceTask(method, TaskContract.FromMethod(method, attribute, symbols)));
                    }
                },
                SymbolKind.Method);
            start.RegisterCompilationEndAction(end =>
            {
                var shippedEntries = shipped.SelectMany(file => ContractFile.Read(file, end.CancellationToken)).ToList();
                var unshippedEntries = unshipped.SelectMany(file => ContractFile.Read(file, end.CancellationToken)).ToList();
                Analyze(end, tasks.OrderBy(t => t.Contract.Name, StringComparer.Ordinal).ToList(), shippedEntries, unshippedEntries);
            });
        });
    }

    private static void Analyze(
        CompilationAnalysisContext context,
        IReadOnlyList<SourceTask> tasks,
        IReadOnlyList<ContractEntry> shippedEntries,
        IReadOnlyList<ContractEntry> unshippedEntries)
    {
        var shipped = FirstByName(shippedEntries.Where(e => !e.IsRemoved));
        var unshipped = FirstByName(unshippedEntries.Where(e => !e.IsRemoved));
        var removed = new HashSet<string>(unshippedEntries.Where(e => e.IsRemoved).Select(e => e.Name), StringComparer.Ordinal);
        var sourceNames = new HashSet<string>(tasks.Select(t => t.Contract.Name), StringComparer.Ordinal);

        // Shipped tasks that are gone from source without a *REMOVED* line, and source tasks recorded nowhere.
        var missing = shipped.Values.Where(e => !sourceNames.Contains(e.Name) && !removed.Contains(e.Name)).ToList();
        var unrecorded = tasks.Where(t => !shipped.ContainsKey(t.Contract.Name) && !unshipped.ContainsKey(t.Contract.Name)).ToList();
        var renames = MatchRenames(missing, unrecorded);

        foreach (var task in tasks)
        {
            var current = task.Contract;
            var line = current.Format();
            shipped.TryGetValue(current.Name, out var shippedEntry);
            unshipped.TryGetValue(current.Name, out var unshippedEntry);

            if (renames.TryGetValue(task, out var renamedFrom))
            {
                var reasons = new List<string>
                {
                    $"it was renamed from '{renamedFrom.Name}' (messages queued under '{renamedFrom.Name}' find no task and are dead-lettered; " +
                    $"keep the old name with [Task(Name = \"{renamedFrom.Name}\")])",
                };
                reasons.AddRange(TaskContractComparer.Compare(renamedFrom.Contract!, current).Breaking);
                Report(context, Descriptors.ShippedContractBroken, task.Location, line, current.Name, renamedFrom.Line, current.Name, string.Join("; ", reasons));
                continue;
            }

            if (unshippedEntry is not null && unshippedEntry.Line == line)
            {
                continue;
            }

            if (shippedEntry is null)
            {
                var reason = unshippedEntry is null
                    ? $"has no recorded contract; record it in {UnshippedFileName}"
                    : $"does not match its contract in {UnshippedFileName}; record the new one";
                Report(context, Descriptors.ContractMustBeRecorded, task.Location, line, current.Name, null, current.Name, reason);
                continue;
            }

            if (shippedEntry.Line == line)
            {
                if (unshippedEntry is not null)
                {
                    // Back to the shipped contract: the Unshipped line is stale, and the fix removes it.
                    Report(
                        context,
                        Descriptors.ContractMustBeRecorded,
                        task.Location,
                        null,
                        current.Name,
                        null,
                        current.Name,
                        $"matches its shipped contract again, but {UnshippedFileName} records another; remove that line");
                }

                continue;
            }

            if (shippedEntry.Contract is null)
            {
                Report(
                    context,
                    Descriptors.ShippedContractBroken,
                    task.Location,
                    line,
                    current.Name,
                    null,
                    current.Name,
                    $"its line in {ShippedFileName} cannot be read, so the change cannot be checked (write it as '{line}' if that is what shipped)");
                continue;
            }

            var comparison = TaskContractComparer.Compare(shippedEntry.Contract, current);
            if (comparison.Breaking.Count > 0)
            {
                Report(context, Descriptors.ShippedContractBroken, task.Location, line, current.Name, null, current.Name, string.Join("; ", comparison.Breaking));
            }
            else if (comparison.Compatible.Count > 0)
            {
                Report(context, Descriptors.ShippedContractExtended, task.Location, line, current.Name, null, current.Name, string.Join("; ", comparison.Compatible));
            }

            if (comparison.QueueChanged)
            {
                Report(context, Descriptors.ShippedContractQueueChanged, task.Location, line, current.Name, null, current.Name, shippedEntry.Contract.Queue, current.Queue);
            }
        }

        foreach (var gone in missing)
        {
            if (renames.Values.Contains(gone))
            {
                continue;
            }

            Report(
                context,
                Descriptors.ShippedContractBroken,
                gone.Location,
                null,
                gone.Name,
                gone.Line,
                gone.Name,
                $"it no longer exists (messages queued under '{gone.Name}' find no task and are dead-lettered; keep a task with that name until they are drained)");
        }

        // Unshipped lines of tasks that no longer exist (and never shipped): the record is stale.
        foreach (var stale in unshipped.Values.Where(e => !sourceNames.Contains(e.Name) && !shipped.ContainsKey(e.Name)))
        {
            Report(
                context,
                Descriptors.ContractMustBeRecorded,
                stale.Location,
                null,
                stale.Name,
                null,
                stale.Name,
                $"is recorded in {UnshippedFileName} but no longer exists; remove the line");
        }
    }

    /// <summary>
    /// Pairs a missing shipped task with the one unrecorded source task that looks like it renamed: the same
    /// arguments, and the same method name, the same containing type, or a <c>Name</c> that moved away from the default.
    /// Only unambiguous pairs count.
    /// </summary>
    private static Dictionary<SourceTask, ContractEntry> MatchRenames(IReadOnlyList<ContractEntry> missing, IReadOnlyList<SourceTask> unrecorded)
    {
        var candidates = new List<(ContractEntry Entry, SourceTask Task)>();
        foreach (var entry in missing)
        {
            if (entry.Contract is null)
            {
                continue;
            }

            var arguments = FormatArguments(entry.Contract);
            foreach (var task in unrecorded)
            {
                if (FormatArguments(task.Contract) == arguments && LooksLikeRename(entry.Name, task))
                {
                    candidates.Add((entry, task));
                }
            }
        }

        var renames = new Dictionary<SourceTask, ContractEntry>();
        foreach (var (entry, task) in candidates)
        {
            if (candidates.Count(c => c.Entry == entry) == 1 && candidates.Count(c => c.Task == task) == 1)
            {
                renames.Add(task, entry);
            }
        }

        return renames;

        static string FormatArguments(TaskContract contract) => string.Join(", ", contract.Parameters.Select(p => p.Format()));
    }

    private static bool LooksLikeRename(string oldName, SourceTask task)
    {
        var defaultName = TaskContract.GetDefaultName(task.Method);
        var lastDot = oldName.LastIndexOf('.');
        var oldMethod = lastDot < 0 ? oldName : oldName.Substring(lastDot + 1);
        var oldType = lastDot < 0 ? string.Empty : oldName.Substring(0, lastDot);
        var typeName = defaultName.Substring(0, defaultName.Length - task.Method.Name.Length).TrimEnd('.');
        return oldName == defaultName || oldMethod == task.Method.Name || (oldType.Length > 0 && oldType == typeName);
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

    private static void Report(
        CompilationAnalysisContext context,
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

        context.ReportDiagnostic(Diagnostic.Create(descriptor, location, properties, arguments));
    }

    private sealed class SourceTask
    {
        public SourceTask(IMethodSymbol method, TaskContract contract)
        {
            Method = method;
            Contract = contract;
        }

        public IMethodSymbol Method { get; }

        public TaskContract Contract { get; }

        public Location Location => TaskSymbols.GetIdentifierLocation(Method);
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
