namespace TypedTasks.Runtime.Tests;

public class TaskStateTests
{
    [Theory]
    [InlineData(TaskState.Success, "SUCCESS", true)]
    [InlineData(TaskState.Failure, "FAILURE", true)]
    [InlineData(TaskState.Revoked, "REVOKED", true)]
    [InlineData(TaskState.Pending, "PENDING", false)]
    [InlineData(TaskState.Started, "STARTED", false)]
    [InlineData(TaskState.Retry, "RETRY", false)]
    public void WireNameAndFinality_FollowCelery(TaskState state, string wire, bool final)
    {
        Assert.Equal(wire, state.ToWireName());
        Assert.Equal(final, state.IsFinal());
    }
}
