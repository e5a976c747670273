using TypedTasks.Semantics;
using Verifier = TypedTasks.Analyzers.Tests.AnalyzerVerifier<TypedTasks.Analyzers.TaskMustNotBeGenericAnalyzer>;

namespace TypedTasks.Analyzers.Tests;

public class TaskMustNotBeGenericAnalyzerTests
{
    [Fact]
    public async Task Method_Generic_ReportsOnTypeParameterList()
    {
        const string source = """
            using TypedTasks;

            public partial class Jobs
            {
                [Task]
                public static void Run{|#0:<T>|}(T value) { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TaskMustNotBeGeneric).WithLocation(0).WithArguments("Task", "Jobs.Run<T>(T)"));
    }

    [Fact]
    public async Task ContainingType_Generic_ReportsOncePerType()
    {
        const string source = """
            using TypedTasks;

            public partial class Jobs{|#0:<TItem>|}
            {
                [Task]
                public static void First() { }

                [Task]
                public static void Second() { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TaskMustNotBeGeneric).WithLocation(0).WithArguments("Type", "Jobs<TItem>"));
    }

    [Fact]
    public async Task OuterType_Generic_ReportsOuter()
    {
        const string source = """
            using TypedTasks;

            public partial class Outer{|#0:<T>|}
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
            Verifier.Diagnostic(Descriptors.TaskMustNotBeGeneric).WithLocation(0).WithArguments("Type", "Outer<T>"));
    }

    [Fact]
    public async Task GenericTypeAndMethod_Both_ReportsBoth()
    {
        const string source = """
            using TypedTasks;

            public partial struct Jobs{|#0:<T>|}
            {
                [Task]
                public void Run{|#1:<TOther>|}() { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TaskMustNotBeGeneric).WithLocation(0).WithArguments("Type", "Jobs<T>"),
            Verifier.Diagnostic(Descriptors.TaskMustNotBeGeneric).WithLocation(1).WithArguments("Task", "Jobs<T>.Run<TOther>()"));
    }

    [Fact]
    public async Task GenericTypeAndMethod_WithoutTask_NoDiagnostic()
    {
        const string source = """
            using System.Collections.Generic;
            using TypedTasks;

            public partial class Cache<T>
            {
                public static void Put<TKey>(TKey key, T value) { }
            }

            public partial class Jobs
            {
                [Task]
                public static void Run(List<int> values, Dictionary<string, int> counts) { }

                public static void Helper<T>(T value) { }
            }
            """;

        await Verifier.VerifyAsync(source);
    }

    [Fact]
    public async Task ValidTasks_AllShapes_NoDiagnostic()
        => await Verifier.VerifyAsync(ValidTasks.Source);
}
