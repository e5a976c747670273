using TypedTasks.Protocol;

namespace TypedTasks.Runtime.Tests;

/// <summary>Issue 11: a remote-control reply subject is data, never authority; a worker answers on inboxes only.</summary>
public class ControlProtocolTests
{
    [Theory]
    [InlineData("_INBOX.Xk3b9qZ2mR7pL1.1")]
    [InlineData("_INBOX_operator.Xk3b9qZ2mR7pL1.42")]
    [InlineData("_INBOX_my-app.abc")]
    public void Inboxes_AreReplySubjects(string subject) => Assert.True(ControlProtocol.IsReplySubject(subject));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("$KV.TT_RESULTS.some-task")]
    [InlineData("$JS.API.STREAM.PURGE.TT_TASKS")]
    [InlineData("tt.tasks.default")]
    [InlineData("tt.results.0123456789abcdef0123456789abcdef")]
    [InlineData("_INBOX")]
    [InlineData("_INBOX.")]
    [InlineData("_INBOXES.x")]
    [InlineData("_INBOX_.x")]
    [InlineData("_INBOX.a..b")]
    [InlineData("_INBOX.>")]
    [InlineData("_INBOX.*.x")]
    [InlineData("_INBOX.a b")]
    [InlineData("_INBOX.a\r\nPUB x 1")]
    public void OtherSubjects_AreNot(string? subject) => Assert.False(ControlProtocol.IsReplySubject(subject));

    [Fact]
    public void ALongSubject_IsNot() => Assert.False(ControlProtocol.IsReplySubject("_INBOX." + new string('a', ControlProtocol.MaxReplySubjectLength)));

    [Theory]
    [InlineData(ErrorDetail.Full, "boom", "at Marker()")]
    [InlineData(ErrorDetail.TypeAndMessage, "boom", null)]
    [InlineData(ErrorDetail.TypeOnly, TaskError.WithheldMessage, null)]
    public void ErrorDetails_KeepWhatTheyAllow(ErrorDetail detail, string message, string? stack)
        => Assert.Equal(new TaskError("System.Exception", message, stack), ErrorDetailsOptions.Apply(new TaskError("System.Exception", "boom", "at Marker()"), detail));
}
