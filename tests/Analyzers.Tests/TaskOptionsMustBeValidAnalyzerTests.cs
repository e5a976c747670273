using TypedTasks.Semantics;
using Verifier = TypedTasks.Analyzers.Tests.AnalyzerVerifier<TypedTasks.Analyzers.TaskOptionsMustBeValidAnalyzer>;

namespace TypedTasks.Analyzers.Tests;

public class TaskOptionsMustBeValidAnalyzerTests
{
    private const string MaxRetriesFix = "use 0 to never retry, or a positive number of retries";
    private const string FormatFix = "write it as [d.]hh:mm[:ss[.fffffff]], such as \"00:03:00\" or \"1.00:00:00\"";
    private const string NegativeFix = "use a duration of zero or more, such as \"00:03:00\"";
    private const string SoftTimeLimitFix = "so the task is abandoned before it can react to its CancellationToken; make SoftTimeLimit shorter than TimeLimit";
    private const string BackoffFix = "make RetryBackoffBase no longer than RetryBackoffMax";
    private const string ExceptionFix = "list only types deriving from System.Exception, such as typeof(HttpRequestException)";
    private const string RateLimitFix = "write a positive count, '/', and s, m or h, with no spaces, such as \"10/s\", \"100/m\" or \"1000/h\"";

    [Theory]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public async Task MaxRetries_Negative_ReportsOnValue(int maxRetries)
    {
        var source = $$"""
            using TypedTasks;

            public partial class Jobs
            {
                [Task(Queue = "jobs", MaxRetries = {|#0:{{maxRetries}}|})]
                public static void Run() { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TaskOptionMustBeValid).WithLocation(0)
                .WithArguments("MaxRetries", "Jobs.Run()", $"{maxRetries} is negative; {MaxRetriesFix}"));
    }

    [Theory]
    [InlineData("DefaultRetryDelay", "3 minutes")]
    [InlineData("RetryBackoffBase", "")]
    [InlineData("RetryBackoffMax", "00:60:00")]
    [InlineData("SoftTimeLimit", "5m")]
    [InlineData("TimeLimit", "1:2:3:4:5")]
    [InlineData("Expires", "tomorrow")]
    public async Task TimeSpanOption_Unparseable_ReportsOnValue(string option, string value)
    {
        var source = $$"""
            using System.Threading.Tasks;
            using TypedTasks;

            public partial class Jobs
            {
                [Task({{option}} = {|#0:"{{value}}"|})]
                public static Task RunAsync(int id) => Task.CompletedTask;
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TaskOptionMustBeValid).WithLocation(0)
                .WithArguments(option, "Jobs.RunAsync(int)", $"\"{value}\" is not a TimeSpan; {FormatFix}"));
    }

    [Theory]
    [InlineData("DefaultRetryDelay", "-00:00:01")]
    [InlineData("RetryBackoffBase", "-00:00:00.100")]
    [InlineData("RetryBackoffMax", "-1.00:00:00")]
    [InlineData("SoftTimeLimit", "-00:05:00")]
    [InlineData("TimeLimit", "-1")]
    [InlineData("Expires", "-01:00")]
    public async Task TimeSpanOption_Negative_ReportsOnValue(string option, string value)
    {
        var source = $$"""
            using TypedTasks;

            public partial class Jobs
            {
                [Task({{option}} = {|#0:"{{value}}"|})]
                public static void Run() { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TaskOptionMustBeValid).WithLocation(0)
                .WithArguments(option, "Jobs.Run()", $"\"{value}\" is negative; {NegativeFix}"));
    }

    [Fact]
    public async Task TimeSpanOption_InvalidConstant_ReportsOnConstantReference()
    {
        const string source = """
            using TypedTasks;

            public partial class Jobs
            {
                private const string Minutes = "3";
                private const string Delay = Minutes + " minutes";

                [Task(DefaultRetryDelay = {|#0:Delay|})]
                public static void Run() { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TaskOptionMustBeValid).WithLocation(0)
                .WithArguments("DefaultRetryDelay", "Jobs.Run()", $"\"3 minutes\" is not a TimeSpan; {FormatFix}"));
    }

    [Theory]
    [InlineData("00:05:00", "00:05:00")]
    [InlineData("00:10:00", "00:05:00")]
    [InlineData("1.00:00:00", "23:59:59")]
    public async Task SoftTimeLimit_NotShorterThanTimeLimit_ReportsOnSoftTimeLimit(string soft, string hard)
    {
        var source = $$"""
            using TypedTasks;

            public partial class Jobs
            {
                [Task(TimeLimit = "{{hard}}", SoftTimeLimit = {|#0:"{{soft}}"|})]
                public static void Run() { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TaskOptionMustBeValid).WithLocation(0)
                .WithArguments("SoftTimeLimit", "Jobs.Run()", $"\"{soft}\" is not shorter than TimeLimit \"{hard}\", {SoftTimeLimitFix}"));
    }

    [Fact]
    public async Task RetryBackoffBase_LongerThanMax_ReportsOnBase()
    {
        const string source = """
            using TypedTasks;

            public partial class Jobs
            {
                private const string Max = "00:01:00";

                [Task(RetryBackoff = true, RetryBackoffBase = {|#0:"00:01:00.001"|}, RetryBackoffMax = Max)]
                public static void Run() { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TaskOptionMustBeValid).WithLocation(0)
                .WithArguments("RetryBackoffBase", "Jobs.Run()", $"\"00:01:00.001\" is longer than RetryBackoffMax \"00:01:00\"; {BackoffFix}"));
    }

    [Fact]
    public async Task RelatedOptions_OneInvalid_ReportsOnlyTheInvalidValue()
    {
        const string source = """
            using TypedTasks;

            public partial class Jobs
            {
                [Task(SoftTimeLimit = {|#0:"ten minutes"|}, TimeLimit = "00:05:00", RetryBackoffBase = "00:20:00", RetryBackoffMax = {|#1:"-00:10:00"|})]
                public static void Run() { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TaskOptionMustBeValid).WithLocation(0)
                .WithArguments("SoftTimeLimit", "Jobs.Run()", $"\"ten minutes\" is not a TimeSpan; {FormatFix}"),
            Verifier.Diagnostic(Descriptors.TaskOptionMustBeValid).WithLocation(1)
                .WithArguments("RetryBackoffMax", "Jobs.Run()", $"\"-00:10:00\" is negative; {NegativeFix}"));
    }

    [Fact]
    public async Task AutoRetryFor_NonExceptionInCollectionExpression_ReportsOnElement()
    {
        const string source = """
            using System.Net.Http;
            using TypedTasks;

            public partial class Jobs
            {
                [Task(AutoRetryFor = [typeof(HttpRequestException), {|#0:typeof(string)|}, {|#1:typeof(System.IDisposable)|}])]
                public static void Run() { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TaskOptionMustBeValid).WithLocation(0)
                .WithArguments("AutoRetryFor", "Jobs.Run()", $"'string' is not an exception type; {ExceptionFix}"),
            Verifier.Diagnostic(Descriptors.TaskOptionMustBeValid).WithLocation(1)
                .WithArguments("AutoRetryFor", "Jobs.Run()", $"'System.IDisposable' is not an exception type; {ExceptionFix}"));
    }

    [Fact]
    public async Task AutoRetryFor_NonExceptionInArrayCreation_ReportsOnElement()
    {
        const string source = """
            using System;
            using System.IO;
            using TypedTasks;

            public partial class Jobs
            {
                [Task(AutoRetryFor = new[] { typeof(IOException), {|#0:typeof(Stream)|} })]
                public static void Implicit() { }

                [Task(AutoRetryFor = new Type[] { {|#1:typeof(int[])|}, typeof(Exception) })]
                public static void Explicit() { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TaskOptionMustBeValid).WithLocation(0)
                .WithArguments("AutoRetryFor", "Jobs.Implicit()", $"'System.IO.Stream' is not an exception type; {ExceptionFix}"),
            Verifier.Diagnostic(Descriptors.TaskOptionMustBeValid).WithLocation(1)
                .WithArguments("AutoRetryFor", "Jobs.Explicit()", $"'int[]' is not an exception type; {ExceptionFix}"));
    }

    [Fact]
    public async Task AutoRetryFor_NullEntries_ReportsOnEach()
    {
        const string source = """
            using System;
            using TypedTasks;

            public partial class Jobs
            {
                [Task(AutoRetryFor = [typeof(TimeoutException), {|#0:null|}])]
                public static void Collection() { }

                [Task(AutoRetryFor = new Type[] { {|#1:null|} })]
                public static void Array() { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TaskOptionMustBeValid).WithLocation(0)
                .WithArguments("AutoRetryFor", "Jobs.Collection()", $"null is not an exception type; {ExceptionFix}"),
            Verifier.Diagnostic(Descriptors.TaskOptionMustBeValid).WithLocation(1)
                .WithArguments("AutoRetryFor", "Jobs.Array()", $"null is not an exception type; {ExceptionFix}"));
    }

    [Fact]
    public async Task AutoRetryFor_OpenGenericException_ReportsOnElement()
    {
        const string source = """
            using System;
            using TypedTasks;

            public class RetryableException<T> : Exception { }

            public partial class Jobs
            {
                [Task(AutoRetryFor = [typeof(RetryableException<int>), {|#0:typeof(RetryableException<>)|}])]
                public static void Run() { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TaskOptionMustBeValid).WithLocation(0)
                .WithArguments("AutoRetryFor", "Jobs.Run()", $"'RetryableException<>' is an open generic type, which no exception can be an instance of; {ExceptionFix}"));
    }

    [Fact]
    public async Task ManyOptions_AllInvalid_ReportsEach()
    {
        const string source = """
            using TypedTasks;

            public partial class Jobs
            {
                [Task(
                    MaxRetries = {|#0:-3|},
                    DefaultRetryDelay = {|#1:"soon"|},
                    Expires = {|#2:"-00:00:01"|},
                    AutoRetryFor = [{|#3:typeof(object)|}],
                    SoftTimeLimit = {|#4:"02:00:00"|},
                    TimeLimit = "01:00:00")]
                public void Run() { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TaskOptionMustBeValid).WithLocation(0)
                .WithArguments("MaxRetries", "Jobs.Run()", $"-3 is negative; {MaxRetriesFix}"),
            Verifier.Diagnostic(Descriptors.TaskOptionMustBeValid).WithLocation(1)
                .WithArguments("DefaultRetryDelay", "Jobs.Run()", $"\"soon\" is not a TimeSpan; {FormatFix}"),
            Verifier.Diagnostic(Descriptors.TaskOptionMustBeValid).WithLocation(2)
                .WithArguments("Expires", "Jobs.Run()", $"\"-00:00:01\" is negative; {NegativeFix}"),
            Verifier.Diagnostic(Descriptors.TaskOptionMustBeValid).WithLocation(3)
                .WithArguments("AutoRetryFor", "Jobs.Run()", $"'object' is not an exception type; {ExceptionFix}"),
            Verifier.Diagnostic(Descriptors.TaskOptionMustBeValid).WithLocation(4)
                .WithArguments("SoftTimeLimit", "Jobs.Run()", $"\"02:00:00\" is not shorter than TimeLimit \"01:00:00\", {SoftTimeLimitFix}"));
    }

    [Theory]
    [InlineData("00:03:00")]
    [InlineData("00:00:00")]
    [InlineData("00:00:00.100")]
    [InlineData("1.00:00:00")]
    [InlineData("10:00")]
    [InlineData("2")]
    [InlineData(" 00:00:30 ")]
    public async Task TimeSpanOptions_Valid_NoDiagnostic(string value)
    {
        var source = $$"""
            using TypedTasks;

            public partial class Jobs
            {
                [Task(DefaultRetryDelay = "{{value}}", RetryBackoffBase = "{{value}}", RetryBackoffMax = "{{value}}", Expires = "{{value}}")]
                public static void Run() { }

                [Task(SoftTimeLimit = "{{value}}")]
                public static void SoftOnly() { }

                [Task(TimeLimit = "{{value}}")]
                public static void HardOnly() { }
            }
            """;

        await Verifier.VerifyAsync(source);
    }

    [Fact]
    public async Task AllOptions_ValidIncludingConstants_NoDiagnostic()
    {
        const string source = """
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Threading;
            using System.Threading.Tasks;
            using TypedTasks;

            public class TransientException : TimeoutException { }

            public static class Limits
            {
                public const string Soft = "00:04:00";
                public const string Hard = "00:0" + "5:00";
                public const int Retries = 5;
            }

            public partial class Jobs
            {
                private const string Day = "1.00:00:00";

                [Task(
                    MaxRetries = Limits.Retries,
                    DefaultRetryDelay = "00:00:00.100",
                    RetryBackoff = true,
                    RetryBackoffBase = "00:00:00.100",
                    RetryBackoffMax = Day,
                    RetryJitter = false,
                    AutoRetryFor = [typeof(HttpRequestException), typeof(TimeoutException)],
                    SoftTimeLimit = Limits.Soft,
                    TimeLimit = Limits.Hard,
                    Expires = Day)]
                public static Task FetchAsync(string url, CancellationToken cancellationToken) => Task.CompletedTask;

                [Task(MaxRetries = 0, AutoRetryFor = new[] { typeof(IOException) }, RetryBackoffBase = "00:10:00", RetryBackoffMax = "00:10:00")]
                public void Copy() { }

                [Task(AutoRetryFor = new Type[] { typeof(Exception), typeof(TransientException) }, SoftTimeLimit = "00:00:59.999", TimeLimit = "00:01:00")]
                public void Anything() { }

                [Task(AutoRetryFor = [], DefaultRetryDelay = null, SoftTimeLimit = null, TimeLimit = null, Expires = null, RetryBackoffBase = null, RetryBackoffMax = null)]
                public void Defaults() { }

                [Task(AutoRetryFor = null, MaxRetries = int.MaxValue)]
                public void NoAutoRetry() { }

                // One side of a pair alone is compared with nothing: the pair rules need both values.
                [Task(RetryBackoffBase = "01:00:00", SoftTimeLimit = "2.00:00:00")]
                public void Lonely() { }
            }
            """;

        await Verifier.VerifyAsync(source);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("10/")]
    [InlineData("/s")]
    [InlineData("10/sec")]
    [InlineData("10/d")]
    [InlineData("10/S")]
    [InlineData("10 /s")]
    [InlineData(" 10/s")]
    [InlineData("10/ s")]
    [InlineData("10/s ")]
    [InlineData("+10/s")]
    [InlineData("-10/s")]
    [InlineData("1.5/s")]
    [InlineData("1,000/h")]
    [InlineData("10/s/m")]
    [InlineData("10per/s")]
    [InlineData("\u0661\u0660/s")]
    public async Task RateLimit_NotInCeleryNotation_ReportsOnValue(string value)
    {
        var source = $$"""
            using TypedTasks;

            public partial class Jobs
            {
                [Task(Queue = "throttled", RateLimit = {|#0:"{{value}}"|})]
                public static void Run(int id) { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TaskOptionMustBeValid).WithLocation(0)
                .WithArguments("RateLimit", "Jobs.Run(int)", $"\"{value}\" is not a rate limit; {RateLimitFix}"));
    }

    [Theory]
    [InlineData("0/s")]
    [InlineData("000/h")]
    public async Task RateLimit_ZeroCount_ReportsOnValue(string value)
    {
        var source = $$"""
            using TypedTasks;

            public partial class Jobs
            {
                [Task(RateLimit = {|#0:"{{value}}"|})]
                public static void Run() { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TaskOptionMustBeValid).WithLocation(0)
                .WithArguments("RateLimit", "Jobs.Run()", $"\"{value}\" allows no starts at all; {RateLimitFix}"));
    }

    [Fact]
    public async Task RateLimit_CountOverflowsInt_ReportsOnValue()
    {
        const string source = """
            using TypedTasks;

            public partial class Jobs
            {
                [Task(RateLimit = {|#0:"2147483648/m"|})]
                public static void Run() { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TaskOptionMustBeValid).WithLocation(0)
                .WithArguments("RateLimit", "Jobs.Run()", $"\"2147483648/m\" has a count above 2147483647; {RateLimitFix}"));
    }

    [Fact]
    public async Task RateLimit_InvalidConstant_ReportsOnConstantReference()
    {
        const string source = """
            using TypedTasks;

            public static class Limits
            {
                public const string PerSecond = "10" + "/second";
            }

            public partial class Jobs
            {
                [Task(RateLimit = {|#0:Limits.PerSecond|})]
                public static void Run() { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TaskOptionMustBeValid).WithLocation(0)
                .WithArguments("RateLimit", "Jobs.Run()", $"\"10/second\" is not a rate limit; {RateLimitFix}"));
    }

    [Theory]
    [InlineData("10/s")]
    [InlineData("100/m")]
    [InlineData("1000/h")]
    [InlineData("1/s")]
    [InlineData("010/s")]
    [InlineData("2147483647/h")]
    public async Task RateLimit_Valid_NoDiagnostic(string value)
    {
        var source = $$"""
            using TypedTasks;

            public static class Limits
            {
                public const string Rate = "{{value}}";
            }

            public partial class Jobs
            {
                [Task(Queue = "throttled", RateLimit = "{{value}}")]
                public static void Literal() { }

                [Task(RateLimit = Limits.Rate, MaxRetries = 0)]
                public static void Constant() { }

                [Task(RateLimit = null)]
                public static void Unlimited() { }
            }
            """;

        await Verifier.VerifyAsync(source);
    }

    [Fact]
    public void RateLimitRules_MatchTheRuntimeParser()
    {
        string[] samples =
        [
            "", "/", "1/", "/s", "0/s", "1/s", "10/m", "99/h", "10/x", "10/ss", "1 0/s", "-1/s", "+1/s", "٣/s",
            "2147483647/s", "2147483648/s", "99999999999/h", "00000000001/m", "10\\s", "10/s\n",
        ];
        foreach (var sample in samples)
        {
            var runtimeValid = RateLimit.TryParse(sample, out _);
            var analyzerValid = TypedTasks.Semantics.RateLimitSyntax.GetProblem(sample) is null;
            Assert.True(runtimeValid == analyzerValid, $"\"{sample}\": runtime {runtimeValid}, analyzer {analyzerValid}");
        }
    }

    [Fact]
    public async Task WrongArgumentTypes_CompilerErrorsOnly_NoDiagnostic()
    {
        const string source = """
            using TypedTasks;

            public partial class Jobs
            {
                [Task(MaxRetries = {|CS0029:"three"|}, TimeLimit = {|CS0029:5|}, AutoRetryFor = [typeof({|CS0246:MissingException|})])]
                public static void Run() { }
            }
            """;

        await Verifier.VerifyAsync(source);
    }

    [Fact]
    public async Task ValidTasks_AllShapes_NoDiagnostic()
        => await Verifier.VerifyAsync(ValidTasks.Source);
}
