using TypedTasks.Semantics;
using Verifier = TypedTasks.Analyzers.Tests.AnalyzerVerifier<TypedTasks.Analyzers.TaskMustNotWaitForTaskAnalyzer>;

namespace TypedTasks.Analyzers.Tests;

public class TaskMustNotWaitForTaskAnalyzerTests
{
    /// <summary>Stands in for the generator's output: proxies whose methods return handles.</summary>
    private const string Proxies = """
        using System.Threading.Tasks;
        using TypedTasks;

        public readonly struct CountProxy
        {
            public ValueTask<TaskHandle<int>> DelayAsync(int year) => default;
        }

        public readonly struct CleanupProxy
        {
            public ValueTask<TaskHandle> DelayAsync() => default;
        }

        public static class Client
        {
            public static CountProxy Count() => default;

            public static CleanupProxy Cleanup() => default;
        }

        public sealed class Unrelated
        {
            public Task<int> GetAsync(System.TimeSpan timeout) => Task.FromResult(0);

            public Task WaitAsync(System.TimeSpan timeout) => Task.CompletedTask;
        }
        """;

    [Fact]
    public async Task GetAsync_InTaskBody_ReportsOnInvocation()
    {
        const string source = """
            using System;
            using System.Threading.Tasks;
            using TypedTasks;

            public partial class ReportTasks
            {
                [Task]
                public static async Task<int> Total(int year)
                {
                    var handle = await Client.Count().DelayAsync(year);
                    return await {|#0:handle.GetAsync(TimeSpan.FromMinutes(1))|};
                }
            }
            """;

        await Verifier.VerifyAsync(
            [Proxies, source],
            Verifier.Diagnostic(Descriptors.TaskMustNotWaitForTask).WithLocation(0).WithArguments("ReportTasks.Total(int)", "GetAsync"));
    }

    [Fact]
    public async Task WaitAsync_OnNonGenericHandle_Reports()
    {
        const string source = """
            using System;
            using System.Threading.Tasks;
            using TypedTasks;

            public partial class ReportTasks
            {
                [Task]
                public async Task Nightly()
                {
                    var handle = await Client.Cleanup().DelayAsync();
                    await {|#0:handle.WaitAsync(TimeSpan.FromMinutes(1))|};
                }
            }
            """;

        await Verifier.VerifyAsync(
            [Proxies, source],
            Verifier.Diagnostic(Descriptors.TaskMustNotWaitForTask).WithLocation(0).WithArguments("ReportTasks.Nightly()", "WaitAsync"));
    }

    [Fact]
    public async Task WaitAsync_OnGenericHandleViaBaseMethod_Reports()
    {
        const string source = """
            using System;
            using System.Threading.Tasks;
            using TypedTasks;

            public partial class ReportTasks
            {
                [Task]
                public static async Task Nightly()
                {
                    await {|#0:(await Client.Count().DelayAsync(2024)).WaitAsync(TimeSpan.FromMinutes(1))|};
                }
            }
            """;

        await Verifier.VerifyAsync(
            [Proxies, source],
            Verifier.Diagnostic(Descriptors.TaskMustNotWaitForTask).WithLocation(0).WithArguments("ReportTasks.Nightly()", "WaitAsync"));
    }

    [Fact]
    public async Task GetAsync_InLambdaAndLocalFunction_ReportsBoth()
    {
        const string source = """
            using System;
            using System.Linq;
            using System.Threading.Tasks;
            using TypedTasks;

            public partial class ReportTasks
            {
                [Task]
                public static async Task<int> Sum(int[] years)
                {
                    var handles = await Task.WhenAll(years.Select(async year => await Client.Count().DelayAsync(year)));
                    var results = await Task.WhenAll(handles.Select(handle => {|#0:handle.GetAsync(TimeSpan.FromMinutes(1))|}));
                    return results.Sum() + await WaitFirstAsync();

                    async Task<int> WaitFirstAsync() => await {|#1:handles[0].GetAsync(TimeSpan.FromMinutes(1))|};
                }
            }
            """;

        await Verifier.VerifyAsync(
            [Proxies, source],
            Verifier.Diagnostic(Descriptors.TaskMustNotWaitForTask).WithLocation(0).WithArguments("ReportTasks.Sum(int[])", "GetAsync"),
            Verifier.Diagnostic(Descriptors.TaskMustNotWaitForTask).WithLocation(1).WithArguments("ReportTasks.Sum(int[])", "GetAsync"));
    }

    [Fact]
    public async Task GetAsync_OutsideTask_NoDiagnostic()
    {
        const string source = """
            using System;
            using System.Threading.Tasks;

            public static class Controller
            {
                public static async Task<int> GetReportAsync()
                {
                    var handle = await Client.Count().DelayAsync(2024);
                    await handle.WaitAsync(TimeSpan.FromSeconds(5));
                    return await handle.GetAsync(TimeSpan.FromSeconds(5));
                }
            }
            """;

        await Verifier.VerifyAsync([Proxies, source]);
    }

    [Fact]
    public async Task OtherCalls_InTask_NoDiagnostic()
    {
        const string source = """
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using TypedTasks;

            public partial class ReportTasks
            {
                [Task]
                public static async Task<string> Chain(int year, CancellationToken cancellationToken)
                {
                    var handle = await Client.Count().DelayAsync(year);
                    var state = await handle.GetStatusAsync(cancellationToken);
                    await new Unrelated().WaitAsync(TimeSpan.FromSeconds(1));
                    await new SemaphoreSlim(1).WaitAsync(cancellationToken);
                    await Task.Delay(1, cancellationToken).WaitAsync(cancellationToken);
                    return handle.Id + state + await new Unrelated().GetAsync(TimeSpan.FromSeconds(1));
                }
            }
            """;

        await Verifier.VerifyAsync([Proxies, source]);
    }

    [Fact]
    public async Task ValidTasks_AllShapes_NoDiagnostic()
        => await Verifier.VerifyAsync(ValidTasks.Source);
}
