using TypedTasks.Semantics;
using Verifier = TypedTasks.Analyzers.Tests.AnalyzerVerifier<TypedTasks.Analyzers.TaskTypeMustBeAccessibleAnalyzer>;

namespace TypedTasks.Analyzers.Tests;

public class TaskTypeMustBeAccessibleAnalyzerTests
{
    [Theory]
    [InlineData("private", "private")]
    [InlineData("protected", "protected")]
    [InlineData("private protected", "private protected")]
    [InlineData("", "private")]
    public async Task NestedType_BelowInternal_ReportsOnIdentifier(string modifier, string accessibility)
    {
        var source = $$"""
            using TypedTasks;

            public partial class Outer
            {
                {{modifier}} partial class {|#0:Inner|}
                {
                    [Task]
                    public static void Run() { }
                }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TypeMustBeAccessible).WithLocation(0).WithArguments("Outer.Inner", accessibility));
    }

    [Fact]
    public async Task OuterType_Private_ReportsOnlyThePrivateType()
    {
        const string source = """
            using TypedTasks;

            public partial class Root
            {
                private partial class {|#0:Middle|}
                {
                    public partial class Leaf
                    {
                        [Task]
                        public void Run() { }
                    }
                }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TypeMustBeAccessible).WithLocation(0).WithArguments("Root.Middle", "private"));
    }

    [Fact]
    public async Task PartialPrivateType_SplitAcrossFiles_ReportsOnPartDeclaringTheTask()
    {
        string[] sources =
        [
            """
            public partial class Outer
            {
                private partial class Inner
                {
                    public static void Helper() { }
                }
            }
            """,
            """
            using TypedTasks;

            public partial class Outer
            {
                private partial class {|#0:Inner|}
                {
                    [Task]
                    public static void Run() { }
                }
            }
            """,
        ];

        await Verifier.VerifyAsync(
            sources,
            Verifier.Diagnostic(Descriptors.TypeMustBeAccessible).WithLocation(0).WithArguments("Outer.Inner", "private"));
    }

    [Fact]
    public async Task Method_PrivateOrProtected_NoDiagnostic()
    {
        const string source = """
            using TypedTasks;

            public partial class Jobs
            {
                [Task]
                private void Hidden() { }

                [Task]
                protected void Shared() { }

                [Task]
                private protected static void Narrow() { }
            }
            """;

        await Verifier.VerifyAsync(source);
    }

    [Fact]
    public async Task PrivateType_WithoutTasks_NoDiagnostic()
    {
        const string source = """
            public partial class Outer
            {
                private partial class Inner
                {
                    public static void Run() { }
                }
            }
            """;

        await Verifier.VerifyAsync(source);
    }

    [Fact]
    public async Task ValidTasks_AllShapes_NoDiagnostic()
        => await Verifier.VerifyAsync(ValidTasks.Source);
}
