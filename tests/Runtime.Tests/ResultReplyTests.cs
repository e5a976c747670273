using TypedTasks.Protocol;

namespace TypedTasks.Runtime.Tests;

/// <summary>The reply subject a task carries (<c>TT-Reply</c>, docs/protocol.md §2 and §6), ending in a random token.</summary>
public sealed class ResultReplyTests
{
    private const string Results = "tt.results.0123456789abcdef0123456789abcdef";

    private static readonly NatsNames Names = new("tt");

    [Fact]
    public void EachTask_GetsItsOwnSubject_UnderTheProcessesResultsSubject()
    {
        var reply = ResultReply.NewSubject(Results);
        Assert.Matches("^" + System.Text.RegularExpressions.Regex.Escape(Results) + "\\.[0-9a-f]{32}$", reply);
        Assert.NotEqual(reply, ResultReply.NewSubject(Results));
        Assert.True(Names.IsResultsSubject(reply));
    }

    [Fact]
    public void Workers_PublishOnlyToTheResultsSubjectsOfTheirPrefix_WithOrWithoutAToken()
    {
        var reply = ResultReply.NewSubject(Results);
        var token = reply[(Results.Length + 1)..];
        Assert.True(Names.IsResultsSubject(Results));
        Assert.True(Names.IsResultsSubject(reply));

        Assert.False(Names.IsResultsSubject(Results.ToUpperInvariant()));
        Assert.False(Names.IsResultsSubject(Results[..^1]));
        Assert.False(Names.IsResultsSubject(Results + "."));
        Assert.False(Names.IsResultsSubject(reply[..^1]));
        Assert.False(Names.IsResultsSubject(reply + ".x"));
        Assert.False(Names.IsResultsSubject(Results + ">" + token));
        Assert.False(Names.IsResultsSubject(Results + ".*"));
        Assert.False(Names.IsResultsSubject("other" + reply[2..]));
        Assert.False(Names.IsResultsSubject("tt.tasks." + token));
    }

    [Fact]
    public void AWait_TrustsOnlyANotificationOnItsOwnTasksSubject()
    {
        var reply = ResultReply.NewSubject(Results);
        Assert.True(ResultReply.Matches(reply, new string(reply.AsSpan())));

        Assert.False(ResultReply.Matches(reply, ResultReply.NewSubject(Results)));
        Assert.False(ResultReply.Matches(reply, Results));
        Assert.False(ResultReply.Matches(reply, reply + "0"));
        Assert.False(ResultReply.Matches(null, reply));
    }
}
