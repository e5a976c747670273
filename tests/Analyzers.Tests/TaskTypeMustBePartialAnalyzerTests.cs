using TypedTasks.Semantics;
using Verifier = TypedTasks.Analyzers.Tests.AnalyzerVerifier<TypedTasks.Analyzers.TaskTypeMustBePartialAnalyzer>;

namespace TypedTasks.Analyzers.Tests;

public class TaskTypeMustBePartialAnalyzerTests
{
    [Fact]
    public async Task Type_NotPartial_ReportsOnIdentifier()
    {
        const string source = """
            using TypedTasks;

            namespace MyApp.Reports;

            public class {|#0:ReportTasks|}
            {
                [Task]
                public static void GenerateReport(int year) { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TypeMustBePartial).WithLocation(0).WithArguments("ReportTasks"));
    }

    [Fact]
    public async Task Type_NotPartialWithSeveralTasks_ReportsOnce()
    {
        const string source = """
            using TypedTasks;

            public class {|#0:ReportTasks|}
            {
                [Task]
                public static void First() { }

                [Task]
                public static void Second() { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TypeMustBePartial).WithLocation(0).WithArguments("ReportTasks"));
    }

    [Fact]
    public async Task OuterType_NotPartial_ReportsOuterOnly()
    {
        const string source = """
            using TypedTasks;

            public class {|#0:Outer|}
            {
                public partial class Inner
                {
                    [Task]
                    public static void Run() { }
                }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TypeMustBePartial).WithLocation(0).WithArguments("Outer"));
    }

    [Fact]
    public async Task NestedTypes_NeitherPartial_ReportsEach()
    {
        const string source = """
            using TypedTasks;

            public class {|#0:Outer|}
            {
                public struct {|#1:Inner|}
                {
                    [Task]
                    public void Run() { }
                }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TypeMustBePartial).WithLocation(0).WithArguments("Outer"),
            Verifier.Diagnostic(Descriptors.TypeMustBePartial).WithLocation(1).WithArguments("Outer.Inner"));
    }

    [Fact]
    public async Task Record_NotPartial_Reports()
    {
        const string source = """
            using TypedTasks;

            public record {|#0:Jobs|}
            {
                [Task]
                public static void Run() { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TypeMustBePartial).WithLocation(0).WithArguments("Jobs"));
    }

    [Fact]
    public async Task Type_NotPartialWithoutTasks_NoDiagnostic()
    {
        const string source = """
            public class Plain
            {
                public static void Run() { }
            }
            """;

        await Verifier.VerifyAsync(source);
    }

    [Fact]
    public async Task NestedTypes_AllPartial_NoDiagnostic()
    {
        const string source = """
            using TypedTasks;

            namespace MyApp;

            public static partial class Outer
            {
                internal partial struct Inner
                {
                    [Task]
                    public void Run() { }
                }
            }

            public partial record Jobs
            {
                [Task]
                public static void Run() { }
            }
            """;

        await Verifier.VerifyAsync(source);
    }

    [Fact]
    public async Task ValidTasks_AllShapes_NoDiagnostic()
        => await Verifier.VerifyAsync(ValidTasks.Source);
}
