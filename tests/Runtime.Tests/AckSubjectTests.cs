using TypedTasks.Worker;

namespace TypedTasks.Runtime.Tests;

public sealed class AckSubjectTests
{
    [Theory]
    [InlineData("$JS.ACK.TT_TASKS.tt_default.3.17.12.1732520000000000000.41", 3ul, 41ul)]
    [InlineData("$JS.ACK.hub.ACCHASH.TT_TASKS.tt_default.1.17.12.1732520000000000000.0.tok", 1ul, 0ul)]
    [InlineData("$JS.ACK.hub.ACCHASH.TT_TASKS.tt_default.2.17.12.1732520000000000000.5", 2ul, 5ul)]
    public void TryParse_ReadsDeliveredAndPending(string subject, ulong delivered, ulong pending)
    {
        Assert.True(AckSubject.TryParse(subject, out var d, out var p));
        Assert.Equal(delivered, d);
        Assert.Equal(pending, p);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("_INBOX.abc")]
    [InlineData("$JS.ACK.TT_TASKS.tt_default.x.17.12.1.0")]
    [InlineData("$JS.ACK.TT_TASKS.tt_default.1.17")]
    public void TryParse_RejectsWhatIsNotAnAckSubject(string? subject)
        => Assert.False(AckSubject.TryParse(subject, out _, out _));
}
