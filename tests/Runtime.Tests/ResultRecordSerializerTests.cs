using System.Text;
using System.Text.Json;
using TypedTasks.Protocol;

namespace TypedTasks.Runtime.Tests;

public class ResultRecordSerializerTests
{
    [Fact]
    public void WriteThenRead_SuccessRecord_KeepsEveryFieldAndTheRawResult()
    {
        var started = new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);
        var record = new TaskResultRecord
        {
            Id = "abc",
            TaskName = "Samples.ReportTasks.GenerateReport",
            State = TaskState.Success,
            ResultJson = """{"assetId":42,"names":["a","b"]}"""u8.ToArray(),
            Attempts = 2,
            Worker = "host/1",
            StartedAt = started,
            CompletedAt = started.AddSeconds(3),
        };

        var read = ResultRecordSerializer.Read(ResultRecordSerializer.ToBytes(record));

        Assert.Equal(record.Id, read.Id);
        Assert.Equal(record.TaskName, read.TaskName);
        Assert.Equal(TaskState.Success, read.State);
        Assert.Equal("""{"assetId":42,"names":["a","b"]}""", Encoding.UTF8.GetString(read.ResultJson.Span));
        Assert.Equal(2, read.Attempts);
        Assert.Equal("host/1", read.Worker);
        Assert.Equal(started, read.StartedAt);
        Assert.Equal(started.AddSeconds(3), read.CompletedAt);
        Assert.Null(read.Error);
    }

    [Fact]
    public void Write_FailureRecord_MatchesTheProtocolDocument()
    {
        var record = new TaskResultRecord
        {
            Id = "t1",
            TaskName = "x.y",
            State = TaskState.Failure,
            Error = new TaskError("System.InvalidOperationException", "boom \"quoted\"", "at X()"),
            Attempts = 1,
        };

        var json = Encoding.UTF8.GetString(ResultRecordSerializer.ToBytes(record));

        Assert.Equal("""{"v":1,"id":"t1","task":"x.y","state":"FAILURE","error":{"type":"System.InvalidOperationException","message":"boom \u0022quoted\u0022","stackTrace":"at X()"},"attempts":1}""", json);
        var read = ResultRecordSerializer.Read(Encoding.UTF8.GetBytes(json));
        Assert.Equal("boom \"quoted\"", read.Error!.Message);
    }

    [Fact]
    public void Read_UnknownFieldsFromANewerWriter_AreIgnored()
    {
        var read = ResultRecordSerializer.Read("""{"v":2,"id":"a","task":"t","state":"RETRY","eta":"2026-01-01T00:00:00Z","extra":{"nested":[1,2]},"attempts":3}"""u8.ToArray());

        Assert.Equal(TaskState.Retry, read.State);
        Assert.Equal(3, read.Attempts);
    }

    [Theory]
    [InlineData("""{"id":"a"}""")]
    [InlineData("""{"state":"SUCCESS"}""")]
    [InlineData("""{"id":"a","state":"DONE"}""")]
    [InlineData("""[1]""")]
    public void Read_MalformedRecord_ThrowsJsonException(string json)
    {
        Assert.ThrowsAny<JsonException>(() => ResultRecordSerializer.Read(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void GetResult_NoStoredResult_SaysWhichTaskAndState()
    {
        var record = new TaskResultRecord { Id = "a", TaskName = "t", State = TaskState.Failure };

        var error = Assert.Throws<InvalidOperationException>(() => record.GetResult(TestJson.Default.Int32));

        Assert.Contains("FAILURE", error.Message);
    }

    [Fact]
    public void GroupRecord_WrittenThenRead_KeepsTheMemberCount_AndAnOutOfBoundsCountIsRefused()
    {
        var record = new TaskResultRecord { Id = "squares", TaskName = "group", State = TaskState.Pending, Group = new TaskGroupInfo { Members = 100 } };

        var bytes = ResultRecordSerializer.ToBytes(record);

        Assert.Contains("\"group\":{\"members\":100}", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        Assert.Equal(100, ResultRecordSerializer.Read(bytes).Group!.Members);
        Assert.ThrowsAny<JsonException>(() => ResultRecordSerializer.Read("""{"v":1,"id":"g","task":"group","state":"PENDING","group":{"members":10001}}"""u8.ToArray()));
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(int))]
[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class TestJson : System.Text.Json.Serialization.JsonSerializerContext;
