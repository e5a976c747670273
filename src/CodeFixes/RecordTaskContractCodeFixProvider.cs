using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Text;
using TypedTasks.Analyzers;
using TypedTasks.Semantics;

namespace TypedTasks.CodeFixes;

/// <summary>
/// TT0301–TT0304: records the task's current contract in <c>TaskContracts.Unshipped.txt</c> (creating the file next to
/// <c>TaskContracts.Shipped.txt</c> when it is missing). The analyzer puts the edit in the diagnostic's properties:
/// earlier Unshipped lines of the task are replaced, the new line is added, and a shipped task that is gone gets a
/// <c>*REMOVED*</c> line. Entries stay sorted by task name so that the file diffs well.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(RecordTaskContractCodeFixProvider), DocumentKinds = new[] { nameof(TextDocumentKind.Document), nameof(TextDocumentKind.AdditionalDocument) }), Shared]
public sealed class RecordTaskContractCodeFixProvider : CodeFixProvider
{
    internal const string EquivalenceKey = "TT0301.RecordTaskContract";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(
        Descriptors.ContractMustBeRecorded.Id,
        Descriptors.ShippedContractBroken.Id,
        Descriptors.ShippedContractExtended.Id,
        Descriptors.ShippedContractQueueChanged.Id);

    public override FixAllProvider GetFixAllProvider() => RecordAllFixAllProvider.Instance;

    public override Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var project = context.TextDocument.Project;
        foreach (var diagnostic in context.Diagnostics)
        {
            var edit = ContractEdit.From(diagnostic);
            if (edit.IsEmpty)
            {
                continue;
            }

            var title = edit.Contracts.Length > 0
                ? $"Record the contract of '{edit.TaskNames.FirstOrDefault() ?? "the task"}' in {TaskContractsAnalyzer.UnshippedFileName}"
                : edit.RemovedLines.Length > 0
                    ? $"Record the removal of '{edit.TaskNames.FirstOrDefault() ?? "the task"}' in {TaskContractsAnalyzer.UnshippedFileName}"
                    : $"Remove the stale line of '{edit.TaskNames.FirstOrDefault() ?? "the task"}' from {TaskContractsAnalyzer.UnshippedFileName}";
            context.RegisterCodeFix(
                CodeAction.Create(title, cancellationToken => ApplyAsync(project.Solution, project.Id, edit, cancellationToken), EquivalenceKey),
                diagnostic);
        }

        return Task.CompletedTask;
    }

    /// <summary>Applies <paramref name="edit"/> to the Unshipped file of <paramref name="projectId"/>, creating it when needed.</summary>
    internal static async Task<Solution> ApplyAsync(Solution solution, ProjectId projectId, ContractEdit edit, CancellationToken cancellationToken)
    {
        var project = solution.GetProject(projectId);
        if (project is null)
        {
            return solution;
        }

        var unshipped = project.AdditionalDocuments.FirstOrDefault(d => IsNamed(d, TaskContractsAnalyzer.UnshippedFileName));
        if (unshipped is not null)
        {
            var text = await unshipped.GetTextAsync(cancellationToken).ConfigureAwait(false);
            var updated = Rewrite(text.ToString(), edit);
            return solution.WithAdditionalDocumentText(unshipped.Id, SourceText.From(updated, text.Encoding, text.ChecksumAlgorithm));
        }

        // No Unshipped file yet: create it next to the Shipped one.
        var shipped = project.AdditionalDocuments.FirstOrDefault(d => IsNamed(d, TaskContractsAnalyzer.ShippedFileName));
        var directory = shipped?.FilePath is { } shippedPath ? Path.GetDirectoryName(shippedPath) : null;
        var path = directory is null ? null : Path.Combine(directory, TaskContractsAnalyzer.UnshippedFileName);
        var content = Rewrite(string.Empty, edit);
        return project
            .AddAdditionalDocument(TaskContractsAnalyzer.UnshippedFileName, SourceText.From(content, System.Text.Encoding.UTF8), shipped?.Folders, path)
            .Project.Solution;
    }

    /// <summary>The Unshipped file's text after <paramref name="edit"/>: comments and blank lines at the top stay, entries are sorted.</summary>
    internal static string Rewrite(string text, ContractEdit edit)
    {
        var newLine = text.Contains("\r\n") ? "\r\n" : "\n";
        var lines = text.Split('\n').Select(line => line.TrimEnd('\r')).ToList();
        var header = new List<string>();
        var index = 0;
        while (index < lines.Count && (lines[index].Trim().Length == 0 || lines[index].TrimStart().StartsWith("#", StringComparison.Ordinal)))
        {
            header.Add(lines[index]);
            index++;
        }

        // Trailing blank lines of a header-only file are not header.
        while (header.Count > 0 && header[header.Count - 1].Trim().Length == 0)
        {
            header.RemoveAt(header.Count - 1);
        }

        var entries = new List<string>();
        foreach (var line in lines.Skip(index))
        {
            var trimmed = line.Trim();
            if (trimmed.Length == 0)
            {
                continue;
            }

            if (!trimmed.StartsWith(TaskContract.RemovedPrefix, StringComparison.Ordinal) && !trimmed.StartsWith("#", StringComparison.Ordinal))
            {
                TaskContract.TryParse(trimmed, out _, out var name);
                if (edit.TaskNames.Contains(name))
                {
                    continue;
                }
            }

            entries.Add(trimmed);
        }

        entries.AddRange(edit.Contracts);
        entries.AddRange(edit.RemovedLines.Select(line => TaskContract.RemovedPrefix + line));
        var sorted = entries
            .Distinct(StringComparer.Ordinal)
            .OrderBy(SortName, StringComparer.Ordinal)
            .ThenBy(entry => entry.StartsWith(TaskContract.RemovedPrefix, StringComparison.Ordinal) ? 0 : 1)
            .ThenBy(entry => entry, StringComparer.Ordinal);
        var result = header.Concat(sorted).ToList();
        return result.Count == 0 ? string.Empty : string.Join(newLine, result) + newLine;

        static string SortName(string entry)
        {
            var body = entry.StartsWith(TaskContract.RemovedPrefix, StringComparison.Ordinal) ? entry.Substring(TaskContract.RemovedPrefix.Length) : entry;
            var space = body.IndexOf(' ');
            return space < 0 ? body : body.Substring(0, space);
        }
    }

    private static bool IsNamed(TextDocument document, string fileName)
        => string.Equals(Path.GetFileName(document.FilePath ?? document.Name), fileName, StringComparison.OrdinalIgnoreCase);

    /// <summary>Fix all: one rewrite of each project's Unshipped file with the edits of every diagnostic in scope.</summary>
    private sealed class RecordAllFixAllProvider : FixAllProvider
    {
        public static readonly RecordAllFixAllProvider Instance = new();

        public override IEnumerable<FixAllScope> GetSupportedFixAllScopes()
            => new[] { FixAllScope.Document, FixAllScope.Project, FixAllScope.Solution };

        public override Task<CodeAction?> GetFixAsync(FixAllContext fixAllContext)
        {
            var title = $"Record all task contracts in {TaskContractsAnalyzer.UnshippedFileName}";
            return Task.FromResult<CodeAction?>(CodeAction.Create(title, cancellationToken => FixAllAsync(fixAllContext, cancellationToken), EquivalenceKey));
        }

        private static async Task<Solution> FixAllAsync(FixAllContext context, CancellationToken cancellationToken)
        {
            var projects = context.Scope switch
            {
                FixAllScope.Solution => context.Solution.Projects.ToList(),
                _ => new List<Project> { context.Project },
            };

            var solution = context.Solution;
            foreach (var project in projects)
            {
                IEnumerable<Diagnostic> diagnostics;
                if (context.Scope == FixAllScope.Document && context.Document is { } document)
                {
                    diagnostics = await context.GetDocumentDiagnosticsAsync(document).ConfigureAwait(false);
                }
                else
                {
                    // All diagnostics: those in source and those on lines of the contract files.
                    diagnostics = await context.GetAllDiagnosticsAsync(project).ConfigureAwait(false);
                }

                var edits = diagnostics
                    .Where(d => context.DiagnosticIds.Contains(d.Id))
                    .Select(ContractEdit.From)
                    .ToList();
                if (edits.Count == 0)
                {
                    continue;
                }

                solution = await ApplyAsync(solution, project.Id, ContractEdit.Combine(edits), cancellationToken).ConfigureAwait(false);
            }

            return solution;
        }
    }
}

/// <summary>What the fix changes in the Unshipped file, read from a diagnostic's properties.</summary>
internal sealed class ContractEdit
{
    private ContractEdit(ImmutableHashSet<string> taskNames, ImmutableArray<string> contracts, ImmutableArray<string> removedLines)
    {
        TaskNames = taskNames;
        Contracts = contracts;
        RemovedLines = removedLines;
    }

    /// <summary>Tasks whose existing Unshipped lines are replaced.</summary>
    public ImmutableHashSet<string> TaskNames { get; }

    /// <summary>Lines to add.</summary>
    public ImmutableArray<string> Contracts { get; }

    /// <summary>Shipped lines to record as removed.</summary>
    public ImmutableArray<string> RemovedLines { get; }

    public bool IsEmpty => TaskNames.IsEmpty && Contracts.IsEmpty && RemovedLines.IsEmpty;

    public static ContractEdit From(Diagnostic diagnostic)
    {
        var properties = diagnostic.Properties;
        return new ContractEdit(
            properties.TryGetValue(TaskContractsAnalyzer.TaskNameProperty, out var name) && name is not null
                ? ImmutableHashSet.Create(StringComparer.Ordinal, name)
                : ImmutableHashSet.Create<string>(StringComparer.Ordinal),
            properties.TryGetValue(TaskContractsAnalyzer.ContractProperty, out var contract) && contract is not null
                ? ImmutableArray.Create(contract)
                : ImmutableArray<string>.Empty,
            properties.TryGetValue(TaskContractsAnalyzer.RemovedLineProperty, out var removed) && removed is not null
                ? ImmutableArray.Create(removed)
                : ImmutableArray<string>.Empty);
    }

    public static ContractEdit Combine(IReadOnlyList<ContractEdit> edits)
        => new(
            ImmutableHashSet.CreateRange(StringComparer.Ordinal, edits.SelectMany(e => e.TaskNames)),
            edits.SelectMany(e => e.Contracts).Distinct(StringComparer.Ordinal).ToImmutableArray(),
            edits.SelectMany(e => e.RemovedLines).Distinct(StringComparer.Ordinal).ToImmutableArray());
}
