using Microsoft.CodeAnalysis;

namespace TypedTasks.Generator.Tests.Docs;

/// <summary>docs/periodic.md's worker (the attribute and the registration API), compiled as written (issue 12: the docs'
/// examples compile).</summary>
public sealed class PeriodicDocsTests
{
    [Fact]
    public void Worker_AsWritten_Compiles()
    {
        var files = DocExamples.Extract("periodic.md");

        Assert.Equal(["CleanupTasks.cs", "Program.cs"], files.Select(f => f.File));
        var problems = DocExamples.Compile(files, "MyApp");
        Assert.True(problems.IsEmpty, "docs/periodic.md does not compile as written:\n" + DocExamples.Describe(problems));
    }

    [Fact]
    public void Call_WithArgumentsInTheWrongOrder_DoesNotCompile()
    {
        var files = DocExamples.Extract("periodic.md")
            .Select(f => (f.File, f.Code.Replace("""Call("ops@example.com", 20)""", """Call(20, "ops@example.com")""", StringComparison.Ordinal)))
            .ToList();

        var problems = DocExamples.Compile(files, "MyApp");
        Assert.Contains(problems, d => d.Id == "CS1503" && d.Severity == DiagnosticSeverity.Error);
    }
}
