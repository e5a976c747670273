using TypedTasks.CodeFixes;
using TypedTasks.Semantics;
using Verifier = TypedTasks.Analyzers.Tests.CodeFixVerifier<TypedTasks.Analyzers.TaskTypeMustBePartialAnalyzer, TypedTasks.CodeFixes.MakeTaskTypePartialCodeFixProvider>;

namespace TypedTasks.Analyzers.Tests.CodeFixes;

public class MakeTaskTypePartialCodeFixProviderTests
{
    [Fact]
    public async Task Type_WithModifiers_AddsPartialBeforeKeyword()
    {
        const string source = """
            using TypedTasks;

            namespace MyApp;

            public sealed class {|#0:ReportTasks|}
            {
                [Task]
                public static void GenerateReport(int year) { }
            }
            """;
        const string fixedSource = """
            using TypedTasks;

            namespace MyApp;

            public sealed partial class ReportTasks
            {
                [Task]
                public static void GenerateReport(int year) { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            fixedSource,
            Verifier.Diagnostic(Descriptors.TypeMustBePartial).WithLocation(0).WithArguments("ReportTasks"));
    }

    [Fact]
    public async Task Type_WithoutModifiersAfterAttribute_KeepsTrivia()
    {
        const string source = """
            using System;
            using TypedTasks;

            // Report jobs.
            [Serializable]
            record {|#0:Jobs|}
            {
                [Task]
                public static void Run() { }
            }
            """;
        const string fixedSource = """
            using System;
            using TypedTasks;

            // Report jobs.
            [Serializable]
            partial record Jobs
            {
                [Task]
                public static void Run() { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            fixedSource,
            Verifier.Diagnostic(Descriptors.TypeMustBePartial).WithLocation(0).WithArguments("Jobs"));
    }

    [Fact]
    public async Task NestedTypes_NeitherPartial_FixesInnerAndOuter()
    {
        const string source = """
            using TypedTasks;

            public static class {|#0:Outer|}
            {
                internal struct {|#1:Inner|}
                {
                    [Task]
                    public void Run() { }
                }
            }
            """;
        const string fixedSource = """
            using TypedTasks;

            public static partial class Outer
            {
                internal partial struct Inner
                {
                    [Task]
                    public void Run() { }
                }
            }
            """;

        await Verifier.VerifyAsync(
            [source],
            [fixedSource],
            [
                Verifier.Diagnostic(Descriptors.TypeMustBePartial).WithLocation(0).WithArguments("Outer"),
                Verifier.Diagnostic(Descriptors.TypeMustBePartial).WithLocation(1).WithArguments("Outer.Inner"),
            ],
            test =>
            {
                // Fixing Inner also fixes Outer, so one iteration may suffice.
                test.NumberOfIncrementalIterations = -2;
                test.NumberOfFixAllIterations = -2;
            });
    }

    [Fact]
    public async Task OuterType_NotPartial_FixesOuterOnly()
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
        const string fixedSource = """
            using TypedTasks;

            public partial class Outer
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
            fixedSource,
            Verifier.Diagnostic(Descriptors.TypeMustBePartial).WithLocation(0).WithArguments("Outer"));
    }

    [Fact]
    public void Provider_FixableIds_TT0001()
        => Assert.Equal(["TT0001"], new MakeTaskTypePartialCodeFixProvider().FixableDiagnosticIds);
}
