using System.Text;
using TypedTasks.Protocol;

namespace TypedTasks.Runtime.Tests;

/// <summary>The TT-Chord header (docs/protocol.md §13): written by the client, read by the intake, within every bound; and
/// the callback's body built from the members' results.</summary>
public class ChordPlanTests
{
    private static readonly ChainStep Total = new("MyApp.Total", "reports", "values", """{"label":"sum \u00e9"}"""u8.ToArray());

    [Fact]
    public void MemberPlan_WrittenThenRead_GivesTheSameChord()
    {
        var header = ChordPlan.Member("nightly", 7, 10, Total).ToHeader();

        Assert.Null(ChordPlan.TryParse(header, "nightly-7", out var plan));
        Assert.Equal(("nightly", 7, 10), (plan!.Group, plan.Index, plan.Members));
        Assert.Equal(("MyApp.Total", "reports", "values"), (plan.Callback.Task, plan.Callback.Queue, plan.Callback.Argument));
        Assert.Equal("nightly-callback", plan.CallbackId);
        Assert.Equal("nightly.7", plan.MarkerId);
        Assert.All(header, c => Assert.InRange(c, ' ', '~'));
    }

    [Fact]
    public void CallbackBody_PutsTheResultsInMemberOrder_UnderTheOpenArgument_ThenTheOthers()
    {
        var plan = ChordPlan.Member("g", 0, 3, Total);

        var body = plan.CallbackBody(["1"u8.ToArray(), default, "{\"a\":[2]}"u8.ToArray()]);

        Assert.Equal("""{"values":[1,null,{"a":[2]}],"label":"sum \u00E9"}""", Encoding.UTF8.GetString(body));
    }

    [Fact]
    public void ToHeader_PastTheSizeBound_Throws()
    {
        var heavy = new ChainStep("T", "q", "a", Encoding.UTF8.GetBytes($$"""{"pad":"{{new string('x', PlanJson.MaxHeaderLength)}}"}"""));

        var error = Assert.Throws<ArgumentException>(() => ChordPlan.Member("g", 0, 1, heavy).ToHeader());
        Assert.Contains("chord's plan", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"group":"g","index":0,"members":1,"callback":{"task":"T","queue":"q","arg":"a","args":{}}}""", "g-0", null)]
    [InlineData("""[1]""", "g-0", "not a JSON object")]
    [InlineData("""{"group":"g.h","index":0,"members":1,"callback":{"task":"T","queue":"q","arg":"a","args":{}}}""", "g.h-0", "'group' must be")]
    [InlineData("""{"index":0,"members":1,"callback":{"task":"T","queue":"q","arg":"a","args":{}}}""", "g-0", "'group' must be")]
    [InlineData("""{"group":"g","index":0,"members":0,"callback":{"task":"T","queue":"q","arg":"a","args":{}}}""", "g-0", "'members' must be")]
    [InlineData("""{"group":"g","index":0,"members":10001,"callback":{"task":"T","queue":"q","arg":"a","args":{}}}""", "g-0", "'members' must be")]
    [InlineData("""{"group":"g","index":1,"members":1,"callback":{"task":"T","queue":"q","arg":"a","args":{}}}""", "g-1", "'index' must be")]
    [InlineData("""{"group":"g","index":-1,"members":1,"callback":{"task":"T","queue":"q","arg":"a","args":{}}}""", "g--1", "'index' must be")]
    [InlineData("""{"group":"g","index":0,"members":2,"callback":{"task":"T","queue":"q","arg":"a","args":{}}}""", "g-1", "must be '<group>-<index>', 'g-0'")]
    [InlineData("""{"group":"g","index":0,"members":1}""", "g-0", "'callback' is missing")]
    [InlineData("""{"group":"g","index":0,"members":1,"callback":{"task":"T","queue":"q","arg":"a","args":{}},"error":{"task":"E","queue":"q","args":{}}}""", "g-0", "error: 'arg' must be")]
    [InlineData("""{"group":"g","index":0,"members":1,"batch":1,"callback":{"task":"T","queue":"q","arg":"a","args":{}}}""", "g-0", "'batch' must be true or false")]
    [InlineData("""{"group":"g","index":0,"members":1,"callback":7}""", "g-0", "callback is not an object")]
    [InlineData("""{"group":"g","index":0,"members":1,"callback":{"task":"","queue":"q","arg":"a","args":{}}}""", "g-0", "'task' must be")]
    [InlineData("""{"group":"g","index":0,"members":1,"callback":{"task":"T","queue":"q r","arg":"a","args":{}}}""", "g-0", "'queue' must be")]
    [InlineData("""{"group":"g","index":0,"members":1,"callback":{"task":"T","queue":"q","args":{}}}""", "g-0", "'arg' must be")]
    [InlineData("""{"group":"g","index":0,"members":1,"callback":{"task":"T","queue":"q","arg":"a","args":[]}}""", "g-0", "'args' must be a JSON object")]
    [InlineData("""{"group":"g","index":0,"members":1,"callback":{"task":"T","queue":"q","arg":"a","args":{"a":1}}}""", "g-0", "must not hold 'a'")]
    public void TryParse_RefusesEveryBrokenBound_WithAReason(string header, string taskId, string? reason)
    {
        var problem = ChordPlan.TryParse(header, taskId, out var plan);

        if (reason is null)
        {
            Assert.Null(problem);
            Assert.NotNull(plan);
        }
        else
        {
            Assert.NotNull(problem);
            Assert.StartsWith("Invalid TT-Chord header: ", problem, StringComparison.Ordinal);
            Assert.Contains(reason, problem, StringComparison.Ordinal);
            Assert.Null(plan);
        }
    }

    [Fact]
    public void TryParse_TooLongOrNotAscii_IsRefusedBeforeParsing()
    {
        Assert.Contains("more than 8192", ChordPlan.TryParse(new string(' ', PlanJson.MaxHeaderLength + 1), "g-0", out _), StringComparison.Ordinal);
        Assert.Contains("not printable ASCII", ChordPlan.TryParse("{\"group\":\"é\"}", "g-0", out _), StringComparison.Ordinal);
    }

    [Fact]
    public void MemberFailed_NamesTheMember_AndKeepsItsErrorType()
    {
        var error = ChordPlan.MemberFailed("g", 3, "MyApp.Fetch", TaskState.Failure, new TaskError("System.IO.IOException", "disk full", "at …"));

        Assert.Equal("System.IO.IOException", error.Type);
        Assert.Equal("Member 3 (g-3, MyApp.Fetch) of the chord ended FAILURE, so the callback was not sent: disk full", error.Message);
        Assert.Null(error.StackTrace);
    }

    [Fact]
    public void BatchPlan_WrittenThenRead_IsABatch_AndItsCallbackGetsHowTheMembersEnded()
    {
        Assert.Null(ChordPlan.TryParse(ChordPlan.Member("b", 2, 4, Total, batch: true).ToHeader(), "b-2", out var plan));
        Assert.True(plan!.Batch);
        Assert.Null(ChordPlan.TryParse(ChordPlan.Member("b", 2, 4, Total).ToHeader(), "b-2", out var chord));
        Assert.False(chord!.Batch);

        var body = plan.BatchCallbackBody([false, true, false, true]);

        Assert.Equal("""{"values":{"Total":4,"Succeeded":2,"Failed":2,"FailedMembers":[1,3]},"label":"sum \u00E9"}""", Encoding.UTF8.GetString(body));
    }

    [Fact]
    public void ErrorCallback_TravelsWithEveryMember_AndItsBodyCarriesTheFailure()
    {
        var handler = new ChainStep("MyApp.Alert", "ops", "failure", """{"channel":"#ops"}"""u8.ToArray());

        Assert.Null(ChordPlan.TryParse(ChordPlan.Member("g", 1, 2, Total, onError: handler).ToHeader(), "g-1", out var plan));

        Assert.Equal(("MyApp.Alert", "ops", "failure"), (plan!.OnError!.Task, plan.OnError.Queue, plan.OnError.Argument));
        Assert.Equal("g-error", PlanJson.ErrorCallbackId(plan.Group));
        var body = PlanJson.FailureBody(plan.OnError, new TaskFailure("g-1", "MyApp.Fetch", "System.IO.IOException", "disk full"));
        Assert.Equal("""{"failure":{"TaskId":"g-1","TaskName":"MyApp.Fetch","ErrorType":"System.IO.IOException","Message":"disk full"},"channel":"#ops"}""", Encoding.UTF8.GetString(body));
    }
}
