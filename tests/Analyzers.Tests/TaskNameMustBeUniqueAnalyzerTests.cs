using TypedTasks.Semantics;
using Verifier = TypedTasks.Analyzers.Tests.AnalyzerVerifier<TypedTasks.Analyzers.TaskNameMustBeUniqueAnalyzer>;

namespace TypedTasks.Analyzers.Tests;

public class TaskNameMustBeUniqueAnalyzerTests
{
    [Fact]
    public async Task ExplicitNames_Equal_ReportsEachAttribute()
    {
        const string source = """
            using TypedTasks;

            namespace MyApp;

            public partial class Reports
            {
                [{|#0:Task(Name = "reports.generate")|}]
                public static void Generate(int year) { }
            }

            public partial class Exports
            {
                [{|#1:Task(Name = "reports.generate")|}]
                public static void Export(int year) { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TaskNameMustBeUnique).WithLocation(0).WithArguments("reports.generate", "'Exports.Export(int)'"),
            Verifier.Diagnostic(Descriptors.TaskNameMustBeUnique).WithLocation(1).WithArguments("reports.generate", "'Reports.Generate(int)'"));
    }

    [Fact]
    public async Task Overloads_DefaultNames_ReportsBoth()
    {
        const string source = """
            using TypedTasks;

            namespace MyApp.Reports;

            public partial class ReportTasks
            {
                [{|#0:Task|}]
                public static void GenerateReport(int year) { }

                [{|#1:Task|}]
                public static void GenerateReport(string name) { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TaskNameMustBeUnique).WithLocation(0)
                .WithArguments("MyApp.Reports.ReportTasks.GenerateReport", "'ReportTasks.GenerateReport(string)'"),
            Verifier.Diagnostic(Descriptors.TaskNameMustBeUnique).WithLocation(1)
                .WithArguments("MyApp.Reports.ReportTasks.GenerateReport", "'ReportTasks.GenerateReport(int)'"));
    }

    [Fact]
    public async Task ExplicitName_EqualsDefaultName_ReportsBoth()
    {
        string[] sources =
        [
            """
            using TypedTasks;

            namespace MyApp.Reports;

            public partial class ReportTasks
            {
                [{|#0:Task|}]
                public static void GenerateReport(int year) { }
            }
            """,
            """
            using TypedTasks;

            namespace MyApp.Legacy;

            public partial class OldReports
            {
                [{|#1:Task(Name = "MyApp.Reports.ReportTasks.GenerateReport")|}]
                public static void Generate(int year) { }
            }
            """,
        ];

        await Verifier.VerifyAsync(
            sources,
            Verifier.Diagnostic(Descriptors.TaskNameMustBeUnique).WithLocation(0)
                .WithArguments("MyApp.Reports.ReportTasks.GenerateReport", "'OldReports.Generate(int)'"),
            Verifier.Diagnostic(Descriptors.TaskNameMustBeUnique).WithLocation(1)
                .WithArguments("MyApp.Reports.ReportTasks.GenerateReport", "'ReportTasks.GenerateReport(int)'"));
    }

    [Fact]
    public async Task ExplicitNames_ThreeEqual_ReportsEachNamingTheOthers()
    {
        const string source = """
            using TypedTasks;

            public partial class Jobs
            {
                [{|#0:Task(Name = "run")|}]
                public static void A() { }

                [{|#1:Task(Name = "run")|}]
                public static void B() { }

                [{|#2:Task(Name = "run")|}]
                public static void C() { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TaskNameMustBeUnique).WithLocation(0).WithArguments("run", "'Jobs.B()', 'Jobs.C()'"),
            Verifier.Diagnostic(Descriptors.TaskNameMustBeUnique).WithLocation(1).WithArguments("run", "'Jobs.A()', 'Jobs.C()'"),
            Verifier.Diagnostic(Descriptors.TaskNameMustBeUnique).WithLocation(2).WithArguments("run", "'Jobs.A()', 'Jobs.B()'"));
    }

    [Fact]
    public async Task SameMethodName_DifferentNestedTypes_NoDiagnostic()
    {
        const string source = """
            using TypedTasks;

            public partial class Outer
            {
                [Task]
                public static void Run() { }

                public partial class Inner
                {
                    [Task]
                    public static void Run() { }
                }
            }

            namespace Other
            {
                public partial class Outer
                {
                    [Task]
                    public static void Run() { }
                }
            }
            """;

        await Verifier.VerifyAsync(source);
    }

    [Fact]
    public async Task ExplicitNames_DifferOnlyInCase_NoDiagnostic()
    {
        const string source = """
            using TypedTasks;

            public partial class Jobs
            {
                [Task(Name = "Run")]
                public static void A() { }

                [Task(Name = "run")]
                public static void B() { }
            }
            """;

        await Verifier.VerifyAsync(source);
    }

    [Fact]
    public async Task Overloads_DistinctExplicitNames_NoDiagnostic()
    {
        const string source = """
            using TypedTasks;

            public partial class ReportTasks
            {
                [Task(Name = "reports.by-year")]
                public static void GenerateReport(int year) { }

                [Task(Name = "reports.by-name")]
                public static void GenerateReport(string name) { }
            }
            """;

        await Verifier.VerifyAsync(source);
    }

    [Fact]
    public async Task ValidTasks_AllShapes_NoDiagnostic()
        => await Verifier.VerifyAsync(ValidTasks.Source);
}
