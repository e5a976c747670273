using Microsoft.CodeAnalysis;
using TypedTasks.Generator.Tests.Infrastructure;

namespace TypedTasks.Generator.Tests;

/// <summary>Retry, time-limit, expiry and rate-limit options: unusable values skip the task silently (the analyzer reports TT0008).</summary>
public sealed class LifecycleOptionTests
{
    /// <summary>How the options end for a task without arguments: the lifecycle options come first, then its (empty) arguments.</summary>
    private const string NoArguments = ", Arguments = global::System.Array.Empty<global::TypedTasks.Generated.TaskArgumentInfo>() }";

    private const string Declarations = """
        namespace Options;

        public sealed class GenericException<T> : Exception { }
        public interface IFailure { }
        """;

    [Theory]
    [InlineData("MaxRetries = -1")]
    [InlineData("DefaultRetryDelay = \"soon\"")]
    [InlineData("DefaultRetryDelay = \"\"")]
    [InlineData("RetryBackoffBase = \"-00:00:01\"")]
    [InlineData("RetryBackoffMax = \"00:60:00\"")]
    [InlineData("SoftTimeLimit = \"1:2:3:4:5\"")]
    [InlineData("TimeLimit = \"-1.00:00:00\"")]
    [InlineData("Expires = \"ten minutes\"")]
    [InlineData("AutoRetryFor = [typeof(string)]")]
    [InlineData("AutoRetryFor = [typeof(IFailure)]")]
    [InlineData("AutoRetryFor = [typeof(TimeoutException), typeof(Exception[])]")]
    [InlineData("AutoRetryFor = [typeof(GenericException<>)]")]
    [InlineData("SoftTimeLimit = \"00:01:00\", TimeLimit = \"00:01:00\"")]
    [InlineData("SoftTimeLimit = \"00:02:00\", TimeLimit = \"00:01:00\"")]
    [InlineData("RateLimit = \"10\"")]
    [InlineData("RateLimit = \"0/s\"")]
    [InlineData("RateLimit = \"-1/s\"")]
    [InlineData("RateLimit = \"10/d\"")]
    [InlineData("RateLimit = \"ten/s\"")]
    [InlineData("RateLimit = \"10/s \"")]
    [InlineData("RateLimit = \" 10/s\"")]
    [InlineData("RateLimit = \"\"")]
    [InlineData("RateLimit = \"/s\"")]
    [InlineData("RateLimit = \"+10/s\"")]
    [InlineData("RateLimit = \"10/S\"")]
    [InlineData("RateLimit = \"99999999999/s\"")]
    public void UnusableValue_SkipsTheTask_WithoutDiagnostics(string options)
    {
        var result = GeneratorRunner.Run($$"""
            namespace Options;

            public static partial class OptionTasks
            {
                [Task({{options}})] public static void Bad(int value) { }
                [Task(MaxRetries = 1)] public static void Good(int value) { }
            }
            """, "Options", Declarations);

        AssertSkipped(result);
        GeneratorRunner.AssertCompiles(result.Output);
    }

    [Theory]
    [InlineData("AutoRetryFor = [typeof(MissingException)]")]
    [InlineData("AutoRetryFor = [null]")]
    [InlineData("MaxRetries = \"many\"")]
    [InlineData("RateLimit = 10")]
    public void ErroneousValue_SkipsTheTask_WithoutDiagnosticsOrCrash(string options)
    {
        var result = GeneratorRunner.Run($$"""
            namespace Options;

            public static partial class OptionTasks
            {
                [Task({{options}})] public static void Bad(int value) { }
                [Task(MaxRetries = 1)] public static void Good(int value) { }
            }
            """, "Options", checkInput: false, Declarations);

        AssertSkipped(result);
        Assert.DoesNotContain(result.CompilationDiagnostics, d => d.Severity >= DiagnosticSeverity.Warning && d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true);
    }

    [Fact]
    public void FileLocalExceptionType_SkipsTheTask()
    {
        var result = GeneratorRunner.Run("""
            namespace Options;

            file sealed class LocalException : Exception { }

            public static partial class OptionTasks
            {
                [Task(AutoRetryFor = [typeof(LocalException)])] public static void Bad(int value) { }
                [Task(MaxRetries = 1)] public static void Good(int value) { }
            }
            """, "Options", Declarations);

        AssertSkipped(result);
        GeneratorRunner.AssertCompiles(result.Output);
    }

    [Fact]
    public void AutoRetryFor_DropsDuplicatesAndSubsumedTypes_KeepsClosedGenerics()
    {
        var result = GeneratorRunner.RunClean("""
            namespace Options;

            public static partial class OptionTasks
            {
                [Task(AutoRetryFor = [typeof(System.IO.FileNotFoundException), typeof(System.IO.IOException), typeof(System.IO.IOException), typeof(GenericException<int>)])]
                public static void Run() { }
            }
            """, "Options", Declarations);

        Assert.Contains(
            "AutoRetryFor = static ex => ex is global::System.IO.IOException or global::Options.GenericException<int>" + NoArguments,
            result.Sources["Options.OptionTasks.Tasks.g.cs"]);
    }

    [Fact]
    public void AutoRetryFor_Exception_SubsumesTheRest_AndCompilesCleanly()
    {
        var result = GeneratorRunner.RunClean("""
            namespace Options;

            public static partial class OptionTasks
            {
                [Task(AutoRetryFor = [typeof(TimeoutException), typeof(Exception)])]
                public static void Run() { }
            }
            """, "Options");

        Assert.Contains("AutoRetryFor = static ex => ex is global::System.Exception" + NoArguments, result.Sources["Options.OptionTasks.Tasks.g.cs"]);
    }

    [Fact]
    public void ZeroValues_AndSoftLimitAlone_AreEmitted()
    {
        var result = GeneratorRunner.RunClean("""
            namespace Options;

            public static partial class OptionTasks
            {
                [Task(MaxRetries = 0, DefaultRetryDelay = "00:00:00", SoftTimeLimit = "00:00:05", AutoRetryFor = null)]
                public static void Run() { }
            }
            """, "Options", Declarations);

        Assert.Contains(
            "{ MaxRetries = 0, DefaultRetryDelay = global::System.TimeSpan.FromTicks(0), SoftTimeLimit = global::System.TimeSpan.FromTicks(50000000)" + NoArguments,
            result.Sources["Options.OptionTasks.Tasks.g.cs"]);
    }

    [Theory]
    [InlineData("10/s", "10, global::System.TimeSpan.FromTicks(10000000)")]
    [InlineData("100/m", "100, global::System.TimeSpan.FromTicks(600000000)")]
    [InlineData("1000/h", "1000, global::System.TimeSpan.FromTicks(36000000000)")]
    [InlineData("007/s", "7, global::System.TimeSpan.FromTicks(10000000)")]
    public void RateLimit_IsEmittedAfterExpires(string rateLimit, string arguments)
    {
        var result = GeneratorRunner.RunClean($$"""
            namespace Options;

            public static partial class OptionTasks
            {
                [Task(RateLimit = "{{rateLimit}}", Expires = "00:00:01")]
                public static void Run() { }
            }
            """, "Options");

        Assert.Contains(
            $"{{ Expires = global::System.TimeSpan.FromTicks(10000000), RateLimit = new global::TypedTasks.RateLimit({arguments})" + NoArguments,
            result.Sources["Options.OptionTasks.Tasks.g.cs"]);
    }

    [Fact]
    public void RateLimit_Null_IsNotEmitted()
    {
        var result = GeneratorRunner.RunClean("""
            namespace Options;

            public static partial class OptionTasks
            {
                [Task(RateLimit = null)]
                public static void Run() { }
            }
            """, "Options");

        Assert.DoesNotContain("RateLimit =", result.Sources["Options.OptionTasks.Tasks.g.cs"]);
    }

    [Fact]
    public void TaskContextParameter_NamedLikeProxyParameters_DoesNotRenameThem()
    {
        var result = GeneratorRunner.RunClean("""
            namespace Options;

            public static partial class OptionTasks
            {
                [Task] public static void Run(TaskContext options, int cancellationToken) { }
            }
            """, "Options");
        var source = result.Sources["Options.OptionTasks.Tasks.g.cs"];

        Assert.Contains("ApplyAsync(int cancellationToken, global::TypedTasks.TaskOptions options, global::System.Threading.CancellationToken cancellationToken_ = default)", source);
        Assert.Contains("global::Options.OptionTasks.Run(invocation.Context, arguments.Arg0);", source);
    }

    private static void AssertSkipped(GeneratorRunner.Result result)
    {
        Assert.True(result.GeneratorDiagnostics.IsEmpty, "Generator diagnostics:\n" + string.Join("\n", result.GeneratorDiagnostics));
        var proxies = result.Sources["Options.OptionTasks.Tasks.g.cs"];
        Assert.Contains("GoodTask", proxies);
        Assert.DoesNotContain("BadTask", proxies);
        Assert.DoesNotContain("BadTask", result.Sources["TypedTasks.Dispatcher.g.cs"]);
    }
}
