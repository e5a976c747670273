using Microsoft.CodeAnalysis;

namespace TypedTasks.Generator.Tests.Docs;

/// <summary>docs/workflows.md's program (a typed three-step chain) and its chord and batch examples, compiled as written
/// (issue 12: the docs' examples compile), and the same chain with two steps swapped, which must not.</summary>
public sealed class WorkflowsDocsTests
{
    [Fact]
    public void ChainChordAndBatch_AsWritten_Compile()
    {
        var files = DocExamples.Extract("workflows.md");

        Assert.Equal(["ReportTasks.cs", "Program.cs", "DecadeTasks.cs", "MailTasks.cs"], files.Select(f => f.File));
        var problems = DocExamples.Compile(files, "MyApp");
        Assert.True(problems.IsEmpty, "docs/workflows.md does not compile as written:\n" + DocExamples.Describe(problems));
    }

    [Fact]
    public void Chain_WithTwoStepsSwapped_DoesNotCompile()
    {
        var files = DocExamples.Extract("workflows.md")
            .Select(f => (f.File, f.Code
                .Replace("""ReportTasks.RenderTask.Partial(title: "Annual report")""", "SWAP", StringComparison.Ordinal)
                .Replace("ReportTasks.PublishTask.Partial(year: 2024)", """ReportTasks.RenderTask.Partial(title: "Annual report")""", StringComparison.Ordinal)
                .Replace("SWAP", "ReportTasks.PublishTask.Partial(year: 2024)", StringComparison.Ordinal)))
            .ToList();

        var problems = DocExamples.Compile(files, "MyApp");
        Assert.Contains(problems, d => d.Id == "CS1503" && d.Severity == DiagnosticSeverity.Error);
    }

    [Fact]
    public void Chord_WhoseCallbackTakesTheWrongList_DoesNotCompile()
    {
        var files = DocExamples.Extract("workflows.md")
            .Select(f => (f.File, f.Code.Replace("Summarize(IReadOnlyList<int> rows", "Summarize(IReadOnlyList<string> rows", StringComparison.Ordinal).Replace("rows.Sum()", "rows.Count", StringComparison.Ordinal)))
            .ToList();

        var problems = DocExamples.Compile(files, "MyApp");
        Assert.Contains(problems, d => d.Id == "CS1503" && d.Severity == DiagnosticSeverity.Error);
    }
}
