namespace TypedTasks.Analyzers.Tests;

/// <summary>Tasks of every valid shape: no analyzer may report anything for them.</summary>
internal static class ValidTasks
{
    public const string Source = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using TypedTasks;

        namespace MyApp.Reports;

        public interface IReportStore { }

        public static partial class StaticTasks
        {
            [Task]
            public static void VoidKind(int year) { }

            [Task]
            public static int ValueKind(string name) => name.Length;

            [Task]
            public static Task TaskKind(CancellationToken cancellationToken) => Task.CompletedTask;

            [Task]
            public static Task<int> TaskOfTKind(int a, int b) => Task.FromResult(a + b);

            [Task]
            public static ValueTask ValueTaskKind() => default;

            [Task]
            public static ValueTask<string> ValueTaskOfTKind(Guid id) => new(id.ToString());

            [Task]
            public static async Task AsyncKind([FromServices] IReportStore store, CancellationToken cancellationToken)
                => await Task.Delay(1, cancellationToken);
        }

        public partial class InstanceTasks
        {
            [Task(Name = "reports.generate", Queue = "reports-high_1")]
            public async Task<int> GenerateAsync(int year, [FromServices] IReportStore store, CancellationToken cancellationToken)
            {
                await Task.Yield();
                return year;
            }

            [Task(Name = "reports/cleanup:v2")]
            private void Cleanup(params int[] ids) { }

            [Task(IgnoreResult = true, TrackStarted = true, Queue = null, Name = null)]
            protected internal void Touch(int[] ids, List<string> names, int? maybe, DateTimeOffset when) { }

            internal partial class Nested
            {
                [Task]
                public ValueTask RunAsync(DateTimeOffset when) => default;

                protected internal partial class Deeper
                {
                    [Task]
                    public static void Run() { }
                }
            }
        }

        internal partial struct StructTasks
        {
            [Task]
            public void Run(IReadOnlyList<int> values) { }
        }

        partial record RecordTasks
        {
            [Task]
            public static void Run() { }
        }

        public partial class RetryingTasks
        {
            private const string Hard = "00:05:00";

            [Task(
                MaxRetries = 5,
                DefaultRetryDelay = "00:00:30",
                RetryBackoff = true,
                RetryBackoffBase = "00:00:00.100",
                RetryBackoffMax = "1.00:00:00",
                RetryJitter = false,
                AutoRetryFor = [typeof(System.Net.Http.HttpRequestException), typeof(TimeoutException)],
                SoftTimeLimit = "00:04:00",
                TimeLimit = Hard,
                Expires = "1.00:00:00")]
            public static Task FetchAsync(string url, CancellationToken cancellationToken) => Task.CompletedTask;

            [Task(MaxRetries = 0, AutoRetryFor = null, DefaultRetryDelay = null, Expires = "00:00:00")]
            public void Once() { }
        }

        public partial class SplitTasks
        {
            [Task]
            public static void First() { }
        }

        public partial class SplitTasks
        {
            [Task]
            public static void Second() { }
        }
        """;
}
