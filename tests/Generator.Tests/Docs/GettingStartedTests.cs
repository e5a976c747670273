using Microsoft.CodeAnalysis;

namespace TypedTasks.Generator.Tests.Docs;

/// <summary>docs/getting-started.md, steps 3 and 4, compiled as written (issue 10: step 4 lacked <c>using MyApp;</c>).</summary>
public sealed class GettingStartedTests
{
    [Fact]
    public void Steps_AsWritten_Compile()
    {
        var files = DocExamples.Extract("getting-started.md");

        Assert.Equal(["MathTasks.cs", "Program.cs"], files.Select(f => f.File));
        var problems = DocExamples.Compile(files, "MyApp");
        Assert.True(problems.IsEmpty, "docs/getting-started.md does not compile as written:\n" + DocExamples.Describe(problems));
    }

    [Fact]
    public void Steps_WithoutUsingMyApp_DoNotCompile()
    {
        // The check catches the mistake it was written for: without the task's namespace, client.Add() is CS1061.
        var files = DocExamples.Extract("getting-started.md")
            .Select(f => (f.File, f.Code.Replace("using MyApp;", "//", StringComparison.Ordinal)))
            .ToList();

        var problems = DocExamples.Compile(files, "MyApp");
        Assert.Contains(problems, d => d.Id == "CS1061" && d.Severity == DiagnosticSeverity.Error);
    }
}
