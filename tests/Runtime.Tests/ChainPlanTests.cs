using System.Text;
using TypedTasks.Protocol;

namespace TypedTasks.Runtime.Tests;

/// <summary>The TT-Chain header (docs/protocol.md §12): written by the client, read by the intake, within every bound.</summary>
public class ChainPlanTests
{
    private static readonly ChainStep Render = new("MyApp.Render", "reports", "rows", """{"title":"Annual \u00e9"}"""u8.ToArray());
    private static readonly ChainStep Publish = new("MyApp.Publish", "default", "text", """{"year":2024}"""u8.ToArray());

    [Fact]
    public void FirstPlan_WrittenThenRead_GivesTheSameSteps_AndAdvancesToTheLast()
    {
        var header = ChainPlan.First("annual", [Render, Publish]).ToHeader();

        Assert.Null(ChainPlan.TryParse(header, "annual-0", out var plan));
        Assert.Equal(("annual", 0, 3, 2), (plan!.Id, plan.Step, plan.Steps, plan.Next.Count));
        Assert.Equal(("MyApp.Render", "reports", "rows"), (plan.Next[0].Task, plan.Next[0].Queue, plan.Next[0].Argument));
        var second = plan.Advance();
        Assert.Null(ChainPlan.TryParse(second.ToHeader(), "annual-1", out var read));
        Assert.Equal((1, 1), (read!.Step, read.Next.Count));
        var last = read.Advance();
        Assert.True(last.IsLast);
        Assert.Equal(2, last.Step);
    }

    [Fact]
    public void Header_IsPrintableAscii_EvenForNonAsciiArguments()
    {
        var header = ChainPlan.First("c", [new ChainStep("T", "q", "a", Encoding.UTF8.GetBytes("""{"b":"\u00e9"}"""))]).ToHeader();

        Assert.All(header, c => Assert.InRange(c, ' ', '~'));
    }

    [Fact]
    public void NextBody_PutsTheResultUnderTheOpenArgument_ThenTheOthers()
    {
        var body = ChainPlan.NextBody(Publish, "\"42 rows\""u8.ToArray());

        Assert.Equal("""{"text":"42 rows","year":2024}""", Encoding.UTF8.GetString(body));
        Assert.Equal("""{"text":null,"year":2024}""", Encoding.UTF8.GetString(ChainPlan.NextBody(Publish, default)));
    }

    [Fact]
    public void ToHeader_PastTheSizeBound_Throws()
    {
        var heavy = new ChainStep("T", "q", "a", Encoding.UTF8.GetBytes($$"""{"pad":"{{new string('x', ChainPlan.MaxHeaderLength)}}"}"""));

        var error = Assert.Throws<ArgumentException>(() => ChainPlan.First("c", [heavy]).ToHeader());
        Assert.Contains("Pass references", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"id":"c","step":0,"steps":1,"next":[]}""", "c-0", null)]
    [InlineData("not json", "c-0", "not valid JSON")]
    [InlineData("""[1]""", "c-0", "not a JSON object")]
    [InlineData("""{"id":"c.d","step":0,"steps":1,"next":[]}""", "c.d-0", "'id' must be")]
    [InlineData("""{"id":"c","step":0,"steps":0,"next":[]}""", "c-0", "'steps' must be")]
    [InlineData("""{"id":"c","step":0,"steps":33,"next":[]}""", "c-0", "'steps' must be")]
    [InlineData("""{"id":"c","step":1,"steps":1,"next":[]}""", "c-1", "'step' must be")]
    [InlineData("""{"id":"c","step":-1,"steps":1,"next":[]}""", "c--1", "'step' must be")]
    [InlineData("""{"id":"c","step":0,"steps":2,"next":[]}""", "c-0", "'next' has 0 steps")]
    [InlineData("""{"id":"c","step":0,"steps":1}""", "c-0", "'next' must be an array")]
    [InlineData("""{"id":"c","step":0,"steps":1,"next":[]}""", "c-1", "must be '<chain id>-<step>', 'c-0'")]
    [InlineData("""{"id":"c","step":0,"steps":2,"next":[7]}""", "c-0", "step 1 is not an object")]
    [InlineData("""{"id":"c","step":0,"steps":2,"next":[{"task":"","queue":"q","arg":"a","args":{}}]}""", "c-0", "'task' must be")]
    [InlineData("""{"id":"c","step":0,"steps":2,"next":[{"task":"T","queue":"q.r","arg":"a","args":{}}]}""", "c-0", "'queue' must be")]
    [InlineData("""{"id":"c","step":0,"steps":2,"next":[{"task":"T","queue":"q","args":{}}]}""", "c-0", "'arg' must be")]
    [InlineData("""{"id":"c","step":0,"steps":2,"next":[{"task":"T","queue":"q","arg":"a","args":[]}]}""", "c-0", "'args' must be a JSON object")]
    [InlineData("""{"id":"c","step":0,"steps":2,"next":[{"task":"T","queue":"q","arg":"a","args":{"a":1}}]}""", "c-0", "must not hold 'a'")]
    [InlineData("""{"id":"c","step":0,"steps":1,"next":[],"later":"ignored"}""", "c-0", null)]
    public void TryParse_RefusesEveryBrokenBound_WithAReason(string header, string taskId, string? reason)
    {
        var problem = ChainPlan.TryParse(header, taskId, out var plan);

        if (reason is null)
        {
            Assert.Null(problem);
            Assert.NotNull(plan);
        }
        else
        {
            Assert.NotNull(problem);
            Assert.StartsWith("Invalid TT-Chain header: ", problem, StringComparison.Ordinal);
            Assert.Contains(reason, problem, StringComparison.Ordinal);
            Assert.Null(plan);
        }
    }

    [Fact]
    public void TryParse_TooLongOrNotAscii_IsRefusedBeforeParsing()
    {
        Assert.Contains("more than 8192", ChainPlan.TryParse(new string(' ', ChainPlan.MaxHeaderLength + 1), "c-0", out _), StringComparison.Ordinal);
        Assert.Contains("not printable ASCII", ChainPlan.TryParse("{\"id\":\"é\"}", "c-0", out _), StringComparison.Ordinal);
        Assert.Contains("not valid JSON", ChainPlan.TryParse(new string('[', 100) + new string(']', 100), "c-0", out _), StringComparison.Ordinal);
    }

    [Fact]
    public void ChainRecord_WrittenThenRead_KeepsTheChainField()
    {
        var record = new TaskResultRecord
        {
            Id = "annual",
            TaskName = ChainPlan.RecordTaskName,
            State = TaskState.Failure,
            Error = new TaskError("System.InvalidOperationException", "boom", null),
            Chain = new TaskChainInfo { Steps = 3, Tasks = ["A", "B", "C"], FailedStep = 1, FailedTask = "B" },
        };

        var bytes = ResultRecordSerializer.ToBytes(record);
        var read = ResultRecordSerializer.Read(bytes);

        Assert.Contains("\"chain\":{\"steps\":3,\"tasks\":[\"A\",\"B\",\"C\"],\"failedStep\":1,\"failedTask\":\"B\"}", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        Assert.Equal((3, 1, "B"), (read.Chain!.Steps, read.Chain.FailedStep, read.Chain.FailedTask));
        Assert.Equal(["A", "B", "C"], read.Chain.Tasks);
    }

    [Fact]
    public void ErrorCallback_IsKeptByEveryStep()
    {
        var handler = new ChainStep("MyApp.Alert", "ops", "failure", "{}"u8.ToArray());

        Assert.Null(ChainPlan.TryParse(ChainPlan.First("c", [Render, Publish], handler).Advance().ToHeader(), "c-1", out var plan));

        Assert.Equal("MyApp.Alert", plan!.OnError!.Task);
        Assert.Equal("MyApp.Alert", plan.Advance().OnError!.Task);
    }
}
