using TypedTasks.Semantics;
using Verifier = TypedTasks.Analyzers.Tests.AnalyzerVerifier<TypedTasks.Analyzers.TaskParameterMustBeByValueAnalyzer>;

namespace TypedTasks.Analyzers.Tests;

public class TaskParameterMustBeByValueAnalyzerTests
{
    [Theory]
    [InlineData("ref int value", "a ref parameter", "Run(ref int)")]
    [InlineData("out int value", "an out parameter", "Run(out int)")]
    [InlineData("in int value", "an in parameter", "Run(in int)")]
    [InlineData("ref readonly int value", "a ref readonly parameter", "Run(ref readonly int)")]
    [InlineData("int* value", "a pointer", "Run(int*)")]
    [InlineData("delegate*<int, void> value", "a pointer", "Run(delegate*<int, void>)")]
    public async Task Parameter_ByReferenceOrPointer_ReportsOnParameter(string parameter, string problem, string method)
    {
        var source = $$"""
            using TypedTasks;

            public unsafe partial class Jobs
            {
                [Task]
                public static void Run({|#0:{{parameter}}|}) { {{(parameter.StartsWith("out", StringComparison.Ordinal) ? "value = 0;" : "")}} }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.ParameterMustBeByValue).WithLocation(0).WithArguments("value", "Jobs." + method, problem));
    }

    [Fact]
    public async Task Parameter_ParamsSpan_ReportsOnParameter()
    {
        // The tests compile with Roslyn 4.8 (C# 12), which rejects params spans (CS0225) but still binds
        // the parameter as params; the C# 13 compilers that accept them take the same path in the analyzer.
        const string source = """
            using System;
            using TypedTasks;

            public partial class Jobs
            {
                [Task]
                public static void Run({|#0:{|#1:params|} ReadOnlySpan<int> ids|}) { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Microsoft.CodeAnalysis.Testing.DiagnosticResult.CompilerError("CS0225").WithLocation(1),
            Verifier.Diagnostic(Descriptors.ParameterMustBeByValue).WithLocation(0)
                .WithArguments("ids", "Jobs.Run(params ReadOnlySpan<int>)", "a params span"));
    }

    [Fact]
    public async Task Parameters_SeveralInvalid_ReportsEach()
    {
        const string source = """
            using System.Threading;
            using TypedTasks;

            public interface IStore { }

            public partial class Jobs
            {
                [Task]
                public void Run(int ok, {|#0:ref string name|}, [FromServices] IStore store, {|#1:in CancellationToken cancellationToken|}) { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.ParameterMustBeByValue).WithLocation(0)
                .WithArguments("name", "Jobs.Run(int, ref string, IStore, in CancellationToken)", "a ref parameter"),
            Verifier.Diagnostic(Descriptors.ParameterMustBeByValue).WithLocation(1)
                .WithArguments("cancellationToken", "Jobs.Run(int, ref string, IStore, in CancellationToken)", "an in parameter"));
    }

    [Fact]
    public async Task Parameter_ByReferenceWithoutTask_NoDiagnostic()
    {
        const string source = """
            public partial class Jobs
            {
                public static void Run(ref int value, out int result) => result = value;
            }
            """;

        await Verifier.VerifyAsync(source);
    }

    [Fact]
    public async Task Parameter_ParamsArray_NoDiagnostic()
    {
        const string source = """
            using TypedTasks;

            public partial class Jobs
            {
                [Task]
                public static void Run(params string[] names) { }
            }
            """;

        await Verifier.VerifyAsync(source);
    }

    [Fact]
    public async Task ValidTasks_AllShapes_NoDiagnostic()
        => await Verifier.VerifyAsync(ValidTasks.Source);
}
