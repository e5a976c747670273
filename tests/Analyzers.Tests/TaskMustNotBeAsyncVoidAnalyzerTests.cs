using TypedTasks.Semantics;
using Verifier = TypedTasks.Analyzers.Tests.AnalyzerVerifier<TypedTasks.Analyzers.TaskMustNotBeAsyncVoidAnalyzer>;

namespace TypedTasks.Analyzers.Tests;

public class TaskMustNotBeAsyncVoidAnalyzerTests
{
    [Fact]
    public async Task Method_AsyncVoid_ReportsOnAsyncKeyword()
    {
        const string source = """
            using System.Threading.Tasks;
            using TypedTasks;

            public partial class Jobs
            {
                [Task]
                public {|#0:async|} void SendEmail(string to) => await Task.Delay(1);
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TaskMustNotBeAsyncVoid).WithLocation(0).WithArguments("Jobs.SendEmail(string)"));
    }

    [Fact]
    public async Task StaticMethod_AsyncVoidModifiersReordered_ReportsOnAsyncKeyword()
    {
        const string source = """
            using System.Threading.Tasks;
            using TypedTasks;

            public static partial class Jobs
            {
                [Task]
                {|#0:async|} public static void Run() => await Task.Yield();
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TaskMustNotBeAsyncVoid).WithLocation(0).WithArguments("Jobs.Run()"));
    }

    [Fact]
    public async Task Method_SyncVoid_NoDiagnostic()
    {
        const string source = """
            using TypedTasks;

            public partial class Jobs
            {
                [Task]
                public void Run() { }
            }
            """;

        await Verifier.VerifyAsync(source);
    }

    [Fact]
    public async Task Method_AsyncVoidWithoutTask_NoDiagnostic()
    {
        const string source = """
            using System.Threading.Tasks;

            public partial class Handlers
            {
                public async void OnClick() => await Task.Yield();
            }
            """;

        await Verifier.VerifyAsync(source);
    }

    [Fact]
    public async Task ValidTasks_AllShapes_NoDiagnostic()
        => await Verifier.VerifyAsync(ValidTasks.Source);
}
