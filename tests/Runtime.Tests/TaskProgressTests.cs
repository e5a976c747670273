using System.Collections.Concurrent;
using TypedTasks.Protocol;

namespace TypedTasks.Runtime.Tests;

/// <summary>Typed progress (a task's own record beside the fraction) and the throttle that keeps a tight loop from
/// flooding the result store.</summary>
public sealed class TaskProgressTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void TypedProgress_RoundTripsThroughTheRecord_AsTheTasksOwnType()
    {
        var context = new TaskContext("t1", "import", "default", 1, 3);
        var progress = new TaskProgress(0.25, "a quarter") { Data = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new Stage(250, "rows <b>"), ProgressJson.Default.Stage) };
        var record = new TaskResultRecord { Id = "t1", TaskName = "import", State = TaskState.Started, Progress = progress };

        var read = ResultRecordSerializer.Read(ResultRecordSerializer.ToBytes(record)).Progress!;

        Assert.Equal(0.25, read.Fraction);
        Assert.Equal("a quarter", read.Note);
        Assert.Equal(new Stage(250, "rows <b>"), read.ReadData(ProgressJson.Default.Stage));
        Assert.Null(new TaskProgress(0.5, null).ReadData(ProgressJson.Default.Stage));
        Assert.Null(context.Progress);
    }

    [Fact]
    public async Task AProgressRecordTooLarge_IsRefused_WithWhatToDo()
    {
        var context = new TaskContext("t1", "import", "default", 1, 3);
        var error = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await context.ReportProgressAsync(0.5, new Stage(1, new string('x', TaskProgress.MaxDataBytes)), ProgressJson.Default.Stage, cancellationToken: Ct));
        Assert.Contains("report a summary", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await context.ReportProgressAsync(1.5, new Stage(1, "x"), ProgressJson.Default.Stage, cancellationToken: Ct));
    }

    [Fact]
    public async Task ATightLoop_IsWrittenOnce_ThenItsLastReportWhenTheIntervalEnds()
    {
        var (context, written) = Recording(TimeSpan.FromSeconds(2));

        for (var row = 0; row < 10_000; row++)
        {
            await context.ReportProgressAsync((row + 1) / 10_000.0, new Stage(row, "import"), ProgressJson.Default.Stage, cancellationToken: Ct);
        }

        // The first report at once; the rest wait for the interval's end, when one write carries the latest.
        Assert.Single(written);
        await context.TrailingProgressWrite!.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(2, written.Count);
        Assert.Equal(new Stage(9_999, "import"), written.Last().ReadData(ProgressJson.Default.Stage));
        Assert.Equal(1.0, written.Last().Fraction);
    }

    [Fact]
    public async Task AfterTheRun_ATrailingWriteStillDue_IsDropped()
    {
        var (context, written) = Recording(TimeSpan.FromSeconds(2));

        await context.ReportProgressAsync(0.1, "first", Ct);
        await context.ReportProgressAsync(0.9, "due later", Ct);
        context.EndProgress();
        await context.TrailingProgressWrite!.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await context.ReportProgressAsync(1.0, "after the end", Ct);

        Assert.Equal("first", Assert.Single(written).Note);
        // What the task last said is still what it sees.
        Assert.Equal("after the end", context.Progress!.Note);
    }

    /// <summary>A context whose progress writes are kept in order instead of stored.</summary>
    private static (TaskContext Context, ConcurrentQueue<TaskProgress> Written) Recording(TimeSpan interval)
    {
        var written = new ConcurrentQueue<TaskProgress>();
        var context = new TaskContext("t1", "import", "default", 1, 3)
        {
            ProgressInterval = interval,
            ProgressSink = (_, progress, _) =>
            {
                written.Enqueue(progress);
                return default;
            },
        };
        return (context, written);
    }

    [Fact]
    public async Task WithoutAnInterval_EveryReportIsWritten()
    {
        var written = 0;
        var context = new TaskContext("t1", "import", "default", 1, 3)
        {
            ProgressSink = (_, _, _) =>
            {
                Interlocked.Increment(ref written);
                return default;
            },
        };

        for (var i = 0; i < 100; i++)
        {
            await context.ReportProgressAsync(i / 100.0, cancellationToken: Ct);
        }

        Assert.Equal(100, written);
        Assert.Null(context.TrailingProgressWrite);
    }
}

public sealed record Stage(int Rows, string Name);

[System.Text.Json.Serialization.JsonSerializable(typeof(Stage))]
internal sealed partial class ProgressJson : System.Text.Json.Serialization.JsonSerializerContext;
