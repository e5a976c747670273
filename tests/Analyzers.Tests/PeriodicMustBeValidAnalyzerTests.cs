using TypedTasks.Semantics;
using Verifier = TypedTasks.Analyzers.Tests.AnalyzerVerifier<TypedTasks.Analyzers.PeriodicMustBeValidAnalyzer>;

namespace TypedTasks.Analyzers.Tests;

public class PeriodicMustBeValidAnalyzerTests
{
    [Fact]
    public async Task ValidSchedules_NoDiagnostic()
    {
        const string Source = """
            using System.Threading;
            using TypedTasks;

            public sealed class Store { }

            public static partial class Jobs
            {
                [Task]
                [Periodic("0 */5 * * * *", TimeZone = "Europe/Paris")]
                [Periodic(Every = "00:00:30", Name = "cleanup-fast", CatchUp = PeriodicCatchUp.None)]
                [Periodic("@daily", Name = "cleanup-daily", TimeZone = "UTC")]
                public static void Cleanup(int days = 30, [FromServices] Store? store = null, TaskContext? context = null, CancellationToken ct = default) { }
            }
            """;

        await Verifier.VerifyAsync(Source);
    }

    [Theory]
    [InlineData("0 */5 * * *", "the string ends after the months field; six fields are needed")]
    [InlineData("0 0 24 * * *", "hours: a value must be a number between 0 and 23, not 24")]
    [InlineData("H * * * * *", "seconds: 'H' (jitter) is not supported")]
    [InlineData("@reboot", "the macro is not one of @every_second, @every_minute, @hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually")]
    public async Task Cron_Invalid_ReportsTT0010OnTheCronString(string cron, string problem)
    {
        var source = $$"""
            using TypedTasks;

            public static partial class Jobs
            {
                [Task]
                [Periodic({|#0:"{{cron}}"|})]
                public static void Cleanup() { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.PeriodicScheduleMustBeValid).WithLocation(0)
                .WithArguments("Jobs.Cleanup()", $"the cron string \"{cron}\" is not valid ({problem})", CronSyntax.Fix));
    }

    [Theory]
    [InlineData("Europe/Pariss")]
    [InlineData("Romance Standard Time")]
    [InlineData("europe/paris")]
    public async Task TimeZone_Unknown_ReportsTT0011(string zone)
    {
        var source = $$"""
            using TypedTasks;

            public static partial class Jobs
            {
                [Task]
                [Periodic("0 0 3 * * *", {|#0:TimeZone = "{{zone}}"|})]
                public static void Cleanup() { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.PeriodicTimeZoneMustBeKnown).WithLocation(0)
                .WithArguments("Jobs.Cleanup()", zone, "release " + TimeZoneIds.Release, TimeZoneIds.Fix));
    }

    [Fact]
    public async Task TaskWithRequiredArgument_ReportsTT0012OnTheParameter()
    {
        const string Source = """
            using TypedTasks;

            public static partial class Jobs
            {
                [Task]
                [Periodic("0 0 3 * * *")]
                public static void Cleanup({|#0:int days|}, string mode = "fast") { }
            }
            """;

        await Verifier.VerifyAsync(
            Source,
            Verifier.Diagnostic(Descriptors.PeriodicTaskMustNotNeedArguments).WithLocation(0).WithArguments("Jobs.Cleanup(int, string)", "days", "Jobs.CleanupTask"));
    }

    [Fact]
    public async Task PeriodicWithoutTask_ReportsTT0013()
    {
        const string Source = """
            using TypedTasks;

            public static partial class Jobs
            {
                [{|#0:Periodic("0 0 3 * * *")|}]
                public static void Cleanup() { }
            }
            """;

        await Verifier.VerifyAsync(Source, Verifier.Diagnostic(Descriptors.PeriodicNeedsTask).WithLocation(0).WithArguments("Jobs.Cleanup()"));
    }

    [Theory]
    [InlineData("{|#0:Every = \"00:00:00.500\"|}", "Every 00:00:00.5000000 is shorter than one second", PeriodicSyntax.EveryFix)]
    [InlineData("{|#0:Every = \"soon\"|}", "Every \"soon\" is not a TimeSpan", PeriodicSyntax.EveryFix)]
    [InlineData("{|#0:Name = \"nightly cleanup\"|}, Every = \"01:00:00\"", "the schedule name \"nightly cleanup\" is not valid", PeriodicSyntax.NameFix)]
    public async Task Every_OrName_Invalid_ReportsTT0010OnTheArgument(string arguments, string problem, string fix)
    {
        var source = $$"""
            using TypedTasks;

            public static partial class Jobs
            {
                [Task]
                [Periodic({{arguments}})]
                public static void Cleanup() { }
            }
            """;

        await Verifier.VerifyAsync(source, Verifier.Diagnostic(Descriptors.PeriodicScheduleMustBeValid).WithLocation(0).WithArguments("Jobs.Cleanup()", problem, fix));
    }

    [Fact]
    public async Task NeitherCronNorEvery_AndTwoWithOneName_ReportTT0010()
    {
        const string Source = """
            using TypedTasks;

            public static partial class Jobs
            {
                [Task]
                [Periodic("@hourly")]
                [Periodic({|#0:"@daily"|})]
                public static void Cleanup() { }

                [Task]
                [{|#1:Periodic|}]
                public static void Other() { }
            }
            """;

        await Verifier.VerifyAsync(
            Source,
            Verifier.Diagnostic(Descriptors.PeriodicScheduleMustBeValid).WithLocation(0).WithArguments("Jobs.Cleanup()", "another [Periodic] of this task is also named \"Jobs.Cleanup\"", "give each [Periodic] of the task its own Name"),
            Verifier.Diagnostic(Descriptors.PeriodicScheduleMustBeValid).WithLocation(1).WithArguments("Jobs.Other()", "it has neither a cron string nor Every", PeriodicSyntax.OneOfFix));
    }
}
