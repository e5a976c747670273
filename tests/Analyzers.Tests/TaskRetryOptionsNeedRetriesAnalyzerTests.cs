using TypedTasks.Semantics;
using Verifier = TypedTasks.Analyzers.Tests.AnalyzerVerifier<TypedTasks.Analyzers.TaskRetryOptionsNeedRetriesAnalyzer>;

namespace TypedTasks.Analyzers.Tests;

public class TaskRetryOptionsNeedRetriesAnalyzerTests
{
    [Fact]
    public async Task RetryBackoff_WithZeroMaxRetries_ReportsOnMaxRetries()
    {
        const string source = """
            using TypedTasks;

            public partial class Jobs
            {
                [Task(MaxRetries = {|#0:0|}, RetryBackoff = true)]
                public static void Run() { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.RetryOptionsNeedRetries).WithLocation(0).WithArguments("Jobs.Run()", "RetryBackoff"));
    }

    [Theory]
    [InlineData("[typeof(HttpRequestException)]")]
    [InlineData("new[] { typeof(IOException) }")]
    [InlineData("new Type[] { typeof(TimeoutException), typeof(IOException) }")]
    [InlineData("[]")]
    public async Task AutoRetryFor_WithZeroMaxRetries_ReportsOnMaxRetries(string autoRetryFor)
    {
        var source = $$"""
            using System;
            using System.IO;
            using System.Net.Http;
            using TypedTasks;

            public partial class Jobs
            {
                [Task(AutoRetryFor = {{autoRetryFor}}, Queue = "io", MaxRetries = {|#0:0|})]
                public void Run(string path) { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.RetryOptionsNeedRetries).WithLocation(0).WithArguments("Jobs.Run(string)", "AutoRetryFor"));
    }

    [Fact]
    public async Task BothRetryOptions_WithZeroMaxRetriesConstant_ReportsOnceNamingBoth()
    {
        const string source = """
            using System;
            using TypedTasks;

            public partial class Jobs
            {
                private const int NoRetries = 0;

                [Task(RetryBackoff = true, AutoRetryFor = [typeof(TimeoutException)], MaxRetries = {|#0:NoRetries|})]
                public static void Run() { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.RetryOptionsNeedRetries).WithLocation(0).WithArguments("Jobs.Run()", "RetryBackoff and AutoRetryFor"));
    }

    [Theory]
    [InlineData("MaxRetries = 0")]
    [InlineData("MaxRetries = 0, RetryBackoff = false, AutoRetryFor = null")]
    [InlineData("MaxRetries = 0, RetryJitter = false, DefaultRetryDelay = \"00:01:00\"")]
    [InlineData("RetryBackoff = true, AutoRetryFor = [typeof(TimeoutException)]")]
    [InlineData("MaxRetries = 1, RetryBackoff = true, AutoRetryFor = [typeof(TimeoutException)]")]
    [InlineData("MaxRetries = -1, RetryBackoff = true")]
    [InlineData("MaxRetries = {|CS0029:\"0\"|}, RetryBackoff = true")]
    public async Task RetriesPossibleOrNoRetryOptions_NoDiagnostic(string arguments)
    {
        var source = $$"""
            using System;
            using TypedTasks;

            public partial class Jobs
            {
                [Task({{arguments}})]
                public static void Run() { }
            }
            """;

        await Verifier.VerifyAsync(source);
    }

    [Fact]
    public async Task ValidTasks_AllShapes_NoDiagnostic()
        => await Verifier.VerifyAsync(ValidTasks.Source);
}
