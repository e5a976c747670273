using Microsoft.CodeAnalysis;
using TypedTasks.Generator.Tests.Infrastructure;

namespace TypedTasks.Generator.Tests;

/// <summary>Misuse at the call site is a compile error: argument count, argument types, result type.</summary>
public sealed class CompileErrorTests
{
    private const string Tasks = """
        namespace Samples.Tasks;

        public static partial class ReportTasks
        {
            [Task(Queue = "reports")]
            public static Task<int> GenerateReport(int year, CancellationToken ct) => Task.FromResult(year);

            [Task(IgnoreResult = true)]
            public static int Ignored(int x) => x;
        }
        """;

    private static List<string> ErrorsOf(string callSite)
    {
        var result = GeneratorRunner.Run(Tasks, "Samples.Tasks", checkInput: false, $$"""
            using Samples.Tasks;

            public static class Caller
            {
                public static async Task Run(ITaskClient client)
                {
                    {{callSite}}
                }
            }
            """);
        Assert.Empty(result.GeneratorDiagnostics);
        return result.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id).ToList();
    }

    [Fact]
    public void CorrectCall_Compiles()
    {
        Assert.Empty(ErrorsOf("""
            TaskHandle<int> handle = await client.GenerateReport().DelayAsync(2024);
            TaskHandle<int> later = await client.GenerateReport().ApplyAsync(2024, new TaskOptions { Queue = "other" });
            int value = await handle.GetAsync(TimeSpan.FromSeconds(1));
            TaskHandle ignored = await client.Ignored().DelayAsync(1);
            """));
    }

    [Fact]
    public void WrongArgumentType_IsCS1503() => Assert.Equal(["CS1503"], ErrorsOf("""await client.GenerateReport().DelayAsync("2024");"""));

    [Fact]
    public void TooManyArguments_IsCS1501() => Assert.Equal(["CS1501"], ErrorsOf("await client.GenerateReport().DelayAsync(2024, default, 3);"));

    [Fact]
    public void MissingArgument_IsCS7036() => Assert.Equal(["CS7036"], ErrorsOf("await client.GenerateReport().DelayAsync();"));

    [Fact]
    public void WrongResultType_IsCS0029() => Assert.Equal(["CS0029"], ErrorsOf("TaskHandle<string> h = await client.GenerateReport().DelayAsync(2024);"));

    [Fact]
    public void GetAsyncOnIgnoredResult_IsCS1061() => Assert.Equal(["CS1061"], ErrorsOf("var h = await client.Ignored().DelayAsync(1); await h.GetAsync(TimeSpan.FromSeconds(1));"));
}
