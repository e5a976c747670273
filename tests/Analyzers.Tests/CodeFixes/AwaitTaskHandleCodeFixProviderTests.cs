using TypedTasks.Semantics;
using Verifier = TypedTasks.Analyzers.Tests.CodeFixVerifier<TypedTasks.Analyzers.TaskHandleMustBeAwaitedAnalyzer, TypedTasks.CodeFixes.AwaitTaskHandleCodeFixProvider>;

namespace TypedTasks.Analyzers.Tests.CodeFixes;

public class AwaitTaskHandleCodeFixProviderTests
{
    private const string Proxy = """
        using System.Threading.Tasks;
        using TypedTasks;

        public readonly struct GenerateReportProxy
        {
            public ValueTask<TaskHandle<int>> DelayAsync(int year) => default;

            public ValueTask<TaskHandle> ApplyAsync(int year, string queue) => default;
        }
        """;

    [Fact]
    public async Task DelayAsync_StatementInAsyncMethod_AddsAwait()
    {
        const string source = """
            using System.Threading.Tasks;

            public static class Caller
            {
                public static async Task RunAsync(GenerateReportProxy proxy)
                {
                    // Queue it.
                    {|#0:proxy.DelayAsync(2024)|}; // fire
                }
            }
            """;
        const string fixedSource = """
            using System.Threading.Tasks;

            public static class Caller
            {
                public static async Task RunAsync(GenerateReportProxy proxy)
                {
                    // Queue it.
                    await proxy.DelayAsync(2024); // fire
                }
            }
            """;

        await Verifier.VerifyAsync(
            [Proxy, source],
            [Proxy, fixedSource],
            [Verifier.Diagnostic(Descriptors.HandleMustBeAwaited).WithLocation(0).WithArguments("GenerateReportProxy.DelayAsync")]);
    }

    [Fact]
    public async Task ApplyAsync_DiscardInAsyncLambda_ReplacesDiscardWithAwait()
    {
        const string source = """
            using System;
            using System.Threading.Tasks;

            public static class Caller
            {
                public static Func<Task> Run(GenerateReportProxy proxy) => async () =>
                {
                    _ = {|#0:proxy.ApplyAsync(2024, "reports")|};
                };
            }
            """;
        const string fixedSource = """
            using System;
            using System.Threading.Tasks;

            public static class Caller
            {
                public static Func<Task> Run(GenerateReportProxy proxy) => async () =>
                {
                    await proxy.ApplyAsync(2024, "reports");
                };
            }
            """;

        await Verifier.VerifyAsync(
            [Proxy, source],
            [Proxy, fixedSource],
            [Verifier.Diagnostic(Descriptors.HandleMustBeAwaited).WithLocation(0).WithArguments("GenerateReportProxy.ApplyAsync")]);
    }

    [Fact]
    public async Task DelayAsync_InAsyncLocalFunction_AddsAwait()
    {
        const string source = """
            using System.Threading.Tasks;

            public static class Caller
            {
                public static Task Run(GenerateReportProxy proxy)
                {
                    return QueueAsync();

                    async Task QueueAsync()
                    {
                        {|#0:proxy.DelayAsync(2024)|};
                    }
                }
            }
            """;
        const string fixedSource = """
            using System.Threading.Tasks;

            public static class Caller
            {
                public static Task Run(GenerateReportProxy proxy)
                {
                    return QueueAsync();

                    async Task QueueAsync()
                    {
                        await proxy.DelayAsync(2024);
                    }
                }
            }
            """;

        await Verifier.VerifyAsync(
            [Proxy, source],
            [Proxy, fixedSource],
            [Verifier.Diagnostic(Descriptors.HandleMustBeAwaited).WithLocation(0).WithArguments("GenerateReportProxy.DelayAsync")]);
    }

    [Fact]
    public async Task DelayAsync_TopLevelStatement_AddsAwait()
    {
        const string source = """
            {|#0:new GenerateReportProxy().DelayAsync(2024)|};
            """;
        const string fixedSource = """
            await new GenerateReportProxy().DelayAsync(2024);
            """;

        await Verifier.VerifyAsync(
            [source, Proxy],
            [fixedSource, Proxy],
            [Verifier.Diagnostic(Descriptors.HandleMustBeAwaited).WithLocation(0).WithArguments("GenerateReportProxy.DelayAsync")],
            test => test.TestState.OutputKind = Microsoft.CodeAnalysis.OutputKind.ConsoleApplication);
    }

    [Fact]
    public async Task DelayAsync_InSyncMethodOrSyncLambda_NoFix()
    {
        const string source = """
            using System;

            public static class Caller
            {
                public static void Run(GenerateReportProxy proxy)
                {
                    {|#0:proxy.DelayAsync(2024)|};
                    Action later = () => _ = {|#1:proxy.ApplyAsync(2024, "reports")|};
                }
            }
            """;

        await Verifier.VerifyAsync(
            [Proxy, source],
            [Proxy, source],
            [
                Verifier.Diagnostic(Descriptors.HandleMustBeAwaited).WithLocation(0).WithArguments("GenerateReportProxy.DelayAsync"),
                Verifier.Diagnostic(Descriptors.HandleMustBeAwaited).WithLocation(1).WithArguments("GenerateReportProxy.ApplyAsync"),
            ]);
    }

    [Fact]
    public async Task DelayAsync_SyncLambdaInsideAsyncMethod_NoFix()
    {
        const string source = """
            using System;
            using System.Threading.Tasks;

            public static class Caller
            {
                public static async Task RunAsync(GenerateReportProxy proxy)
                {
                    await Task.Yield();
                    Action later = () => {|#0:proxy.DelayAsync(2024)|};
                    later();
                }
            }
            """;

        await Verifier.VerifyAsync(
            [Proxy, source],
            [Proxy, source],
            [Verifier.Diagnostic(Descriptors.HandleMustBeAwaited).WithLocation(0).WithArguments("GenerateReportProxy.DelayAsync")]);
    }
}
