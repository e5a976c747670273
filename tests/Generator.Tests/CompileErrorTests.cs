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

            [Task] public static string Describe(int pages, string prefix = "") => prefix + pages;

            [Task] public static int Measure(string text) => text.Length;

            [Task] public static int Total(IReadOnlyList<int> values, int offset = 0) => values.Count + offset;

            [Task] public static string Join(string[] parts) => string.Join(",", parts);
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

    /// <summary>Issue 12: a chain compiles when each step takes the previous step's result as its first argument.</summary>
    [Fact]
    public void Chain_WhoseTypesLineUp_Compiles()
    {
        Assert.Empty(ErrorsOf("""
            TaskChain<int> chain = ReportTasks.GenerateReportTask.Call(2024)          // int
                .Then(ReportTasks.DescribeTask.Partial(prefix: "pages: "))            // int -> string
                .Then(ReportTasks.MeasureTask.Partial());                             // string -> int
            TaskHandle<int> handle = await client.SendChainAsync(chain);
            int length = await handle.GetAsync(TimeSpan.FromSeconds(1));
            """));
    }

    /// <summary>Issue 12: a step whose first parameter is not the previous step's result type does not compile (the
    /// compiler's CS1503 names both PartialTaskCall types; TT0203, from the analyzers, names the two types plainly).</summary>
    [Fact]
    public void Chain_WhoseTypesDoNotLineUp_IsCS1503()
        => Assert.Equal(["CS1503"], ErrorsOf("""var chain = ReportTasks.GenerateReportTask.Call(2024).Then(ReportTasks.MeasureTask.Partial()); await Task.Yield();"""));

    [Fact]
    public void Chain_ThirdStepMismatch_IsCS1503()
        => Assert.Equal(["CS1503"], ErrorsOf("""var chain = ReportTasks.GenerateReportTask.Call(2024).Then(ReportTasks.DescribeTask.Partial()).Then(ReportTasks.DescribeTask.Partial()); await Task.Yield();"""));

    [Fact]
    public void ChainHandle_OfTheWrongResultType_IsCS0029()
        => Assert.Equal(["CS0029"], ErrorsOf("""TaskHandle<int> h = await client.SendChainAsync(ReportTasks.GenerateReportTask.Call(2024).Then(ReportTasks.DescribeTask.Partial()));"""));

    [Fact]
    public void Partial_OfATaskWithoutResult_DoesNotExist_IsCS0117()
        => Assert.Equal(["CS0117"], ErrorsOf("""var step = ReportTasks.IgnoredTask.Partial(); await Task.Yield();"""));

    /// <summary>Issue 12: a chord compiles when the callback's first parameter is a list (or array) of the members' result type.</summary>
    [Fact]
    public void Chord_WhoseTypesLineUp_Compiles()
    {
        Assert.Empty(ErrorsOf("""
            TaskChord<int, int> chord = TaskGroup.Of(ReportTasks.GenerateReportTask.Call(2023), ReportTasks.GenerateReportTask.Call(2024))
                .Then(ReportTasks.TotalTask.Partial(offset: 1));                      // IReadOnlyList<int> -> int
            TaskHandle<int> handle = await client.SendChordAsync(chord);
            var joined = TaskGroup.Of(ReportTasks.DescribeTask.Call(1, "p")).Then(ReportTasks.JoinTask.Partial());   // string[] -> string
            TaskHandle<string> text = await client.SendChordAsync(joined);
            """));
    }

    /// <summary>Issue 12: a callback whose first parameter is not a list of the members' result type does not compile.</summary>
    [Fact]
    public void Chord_CallbackOfTheWrongElementType_DoesNotCompile()
        => Assert.Equal(["CS1503"], ErrorsOf("""var chord = TaskGroup.Of(ReportTasks.GenerateReportTask.Call(2024)).Then(ReportTasks.JoinTask.Partial()); await Task.Yield();"""));

    [Fact]
    public void ChordHandle_OfTheWrongResultType_IsCS0029()
        => Assert.Equal(["CS0029"], ErrorsOf("""TaskHandle<string> h = await client.SendChordAsync(TaskGroup.Of(ReportTasks.GenerateReportTask.Call(2024)).Then(ReportTasks.TotalTask.Partial()));"""));
}
