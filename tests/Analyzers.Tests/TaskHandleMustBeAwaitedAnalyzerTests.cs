using TypedTasks.Semantics;
using Verifier = TypedTasks.Analyzers.Tests.AnalyzerVerifier<TypedTasks.Analyzers.TaskHandleMustBeAwaitedAnalyzer>;

namespace TypedTasks.Analyzers.Tests;

public class TaskHandleMustBeAwaitedAnalyzerTests
{
    /// <summary>Stands in for the generator's output: a proxy whose methods return handles.</summary>
    private const string Proxy = """
        using System.Threading.Tasks;
        using TypedTasks;

        public readonly struct GenerateReportProxy
        {
            public ValueTask<TaskHandle<int>> DelayAsync(int year) => default;

            public ValueTask<TaskHandle> ApplyAsync(int year, string queue) => default;

            public ValueTask<int> CountAsync() => default;
        }

        public readonly struct SendEmailProxy
        {
            public ValueTask<TaskHandle> DelayAsync(string to) => default;
        }

        public sealed class Unrelated
        {
            public ValueTask<int> DelayAsync() => default;

            public Task ApplyAsync() => Task.CompletedTask;
        }
        """;

    [Fact]
    public async Task DelayAsync_ExpressionStatement_Reports()
    {
        const string source = """
            public static class Caller
            {
                public static void Run(GenerateReportProxy proxy)
                {
                    {|#0:proxy.DelayAsync(2024)|};
                }
            }
            """;

        await Verifier.VerifyAsync(
            [Proxy, source],
            Verifier.Diagnostic(Descriptors.HandleMustBeAwaited).WithLocation(0).WithArguments("GenerateReportProxy.DelayAsync"));
    }

    [Fact]
    public async Task ApplyAsync_AssignedToDiscard_Reports()
    {
        const string source = """
            public static class Caller
            {
                public static void Run(GenerateReportProxy proxy)
                {
                    _ = {|#0:proxy.ApplyAsync(2024, "reports")|};
                }
            }
            """;

        await Verifier.VerifyAsync(
            [Proxy, source],
            Verifier.Diagnostic(Descriptors.HandleMustBeAwaited).WithLocation(0).WithArguments("GenerateReportProxy.ApplyAsync"));
    }

    [Fact]
    public async Task DelayAsync_NonGenericHandleInAsyncMethod_Reports()
    {
        const string source = """
            using System.Threading.Tasks;

            public static class Caller
            {
                public static async Task RunAsync(SendEmailProxy proxy)
                {
                    await Task.Yield();
                    {|#0:proxy.DelayAsync("a@example.com")|};
                }
            }
            """;

        await Verifier.VerifyAsync(
            [Proxy, source],
            Verifier.Diagnostic(Descriptors.HandleMustBeAwaited).WithLocation(0).WithArguments("SendEmailProxy.DelayAsync"));
    }

    [Fact]
    public async Task DelayAsync_Awaited_NoDiagnostic()
    {
        const string source = """
            using System.Threading.Tasks;
            using TypedTasks;

            public static class Caller
            {
                public static async Task<TaskHandle<int>> RunAsync(GenerateReportProxy proxy, SendEmailProxy email)
                {
                    await email.DelayAsync("a@example.com");
                    _ = await proxy.ApplyAsync(2023, "reports");
                    await proxy.DelayAsync(2022).ConfigureAwait(false);
                    return await proxy.DelayAsync(2024);
                }
            }
            """;

        await Verifier.VerifyAsync([Proxy, source]);
    }

    [Fact]
    public async Task DelayAsync_StoredOrReturned_NoDiagnostic()
    {
        const string source = """
            using System.Threading.Tasks;
            using TypedTasks;

            public static class Caller
            {
                public static ValueTask<TaskHandle<int>> Forward(GenerateReportProxy proxy) => proxy.DelayAsync(2024);

                public static async Task RunAsync(GenerateReportProxy proxy)
                {
                    var pending = proxy.DelayAsync(2024);
                    await pending;
                }
            }
            """;

        await Verifier.VerifyAsync([Proxy, source]);
    }

    [Fact]
    public async Task SameNames_OtherReturnTypes_NoDiagnostic()
    {
        const string source = """
            public static class Caller
            {
                public static void Run(Unrelated unrelated, GenerateReportProxy proxy)
                {
                    unrelated.DelayAsync();
                    _ = unrelated.ApplyAsync();
                    _ = proxy.CountAsync();
                }
            }
            """;

        await Verifier.VerifyAsync([Proxy, source]);
    }
}
