using TypedTasks.Semantics;
using Verifier = TypedTasks.Analyzers.Tests.AnalyzerVerifier<TypedTasks.Analyzers.TaskAttributeValuesMustBeValidAnalyzer>;

namespace TypedTasks.Analyzers.Tests;

public class TaskAttributeValuesMustBeValidAnalyzerTests
{
    private const string QueueFix = "use only letters, digits, '-' and '_'";
    private const string NameFix = "use a non-empty name of printable ASCII characters, without whitespace, '*' or '>'";

    [Theory]
    [InlineData("")]
    [InlineData("reports.high")]
    [InlineData("reports high")]
    [InlineData("reports*")]
    [InlineData("reports>")]
    [InlineData("rapports-été")]
    public async Task Queue_Invalid_ReportsOnArgument(string queue)
    {
        var source = $$"""
            using TypedTasks;

            public partial class Jobs
            {
                [Task({|#0:Queue = "{{queue}}"|})]
                public static void Run() { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.AttributeValueMustBeValid).WithLocation(0).WithArguments("Queue", queue, "Jobs.Run()", QueueFix));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("reports generate")]
    [InlineData("reports.*")]
    [InlineData("reports.>")]
    [InlineData("reports\\tgenerate")]
    [InlineData("rapports.générer")]
    [InlineData("отчёт")]
    public async Task Name_Invalid_ReportsOnArgument(string name)
    {
        var source = $$"""
            using TypedTasks;

            public partial class Jobs
            {
                [Task(Queue = "reports", {|#0:Name = "{{name}}"|})]
                public static void Run() { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.AttributeValueMustBeValid).WithLocation(0)
                .WithArguments("Name", name.Replace("\\t", "\t", StringComparison.Ordinal), "Jobs.Run()", NameFix));
    }

    /// <summary>The default name is made of identifiers, which C# allows outside ASCII; the header cannot carry it, so the
    /// task would never run (issue 14). Reported on the attribute, with what to do.</summary>
    [Fact]
    public async Task DefaultName_NotAscii_ReportsOnAttribute()
    {
        const string source = """
            using TypedTasks;

            namespace Équipe;

            public partial class Tâches
            {
                [{|#0:Task(Queue = "reports")|}]
                public static void Générer() { }

                [Task(Queue = "reports", Name = "equipe.taches.generer-ascii")]
                public static void NomExplicite() { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.AttributeValueMustBeValid).WithLocation(0)
                .WithArguments("Name", "Équipe.Tâches.Générer", "Tâches.Générer()", TaskNames.DefaultNameFix));
    }

    [Fact]
    public async Task NameAndQueue_BothInvalidViaConstants_ReportsBoth()
    {
        const string source = """
            using TypedTasks;

            public partial class Jobs
            {
                private const string Prefix = "reports";

                [Task({|#0:Name = Prefix + " run"|}, {|#1:Queue = Prefix + ".high"|})]
                public static void Run() { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.AttributeValueMustBeValid).WithLocation(0).WithArguments("Name", "reports run", "Jobs.Run()", NameFix),
            Verifier.Diagnostic(Descriptors.AttributeValueMustBeValid).WithLocation(1).WithArguments("Queue", "reports.high", "Jobs.Run()", QueueFix));
    }

    [Theory]
    [InlineData("default")]
    [InlineData("reports-high_2")]
    [InlineData("A")]
    public async Task Queue_Valid_NoDiagnostic(string queue)
    {
        var source = $$"""
            using TypedTasks;

            public partial class Jobs
            {
                [Task(Queue = "{{queue}}", Name = "MyApp.Jobs.Run/v2:e")]
                public static void Run() { }
            }
            """;

        await Verifier.VerifyAsync(source);
    }

    [Fact]
    public async Task ArrayOption_NextToInvalidQueue_ReportsQueueWithoutCrashing()
    {
        const string source = """
            using System;
            using TypedTasks;

            public partial class Jobs
            {
                [Task(AutoRetryFor = [typeof(TimeoutException)], {|#0:Queue = "a.b"|}, TimeLimit = "00:01:00")]
                public static void Run() { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.AttributeValueMustBeValid).WithLocation(0).WithArguments("Queue", "a.b", "Jobs.Run()", QueueFix));
    }

    [Fact]
    public async Task ValidTasks_AllShapes_NoDiagnostic()
        => await Verifier.VerifyAsync(ValidTasks.Source);
}
