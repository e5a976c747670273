using TypedTasks.Client;

namespace TypedTasks.Runtime.Tests;

/// <summary>
/// Which stored messages of a queue are leftovers (docs/nats.md, "After a crash"): those at or below its consumer's ack
/// floor, found by walking "the subject's next message from here" over a fake stream.
/// </summary>
public sealed class LeftoverScannerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Find_KeepsOnlyTheSubjectsMessagesAtOrBelowTheAckFloor()
    {
        // The queue's messages at 3, 4, 9 (acked, left over), 10 (the floor itself: acked), 12 and 15 (pending).
        var stream = new FakeSubject(3, 4, 9, 10, 12, 15);

        var (sequences, more) = await LeftoverScanner.FindAsync(firstSequence: 1, ackFloor: 10, limit: 100, stream.NextFrom, Ct);
        var belowAFloorOf11 = new FakeSubject(3, 4, 9, 10, 12, 15);
        var (same, _) = await LeftoverScanner.FindAsync(1, 11, 100, belowAFloorOf11.NextFrom, Ct);

        Assert.Equal([3ul, 4ul, 9ul, 10ul], sequences);
        Assert.Equal(sequences, same);
        // The walk past the last leftover stops at the first message above the floor (12).
        Assert.Equal([1ul, 4ul, 5ul, 10ul, 11ul], belowAFloorOf11.Asked);
        Assert.False(more);
        // One request per leftover (none past the floor, which was taken): the pending messages are never read.
        Assert.Equal([1ul, 4ul, 5ul, 10ul], stream.Asked);
    }

    [Fact]
    public async Task Find_NothingAtOrBelowTheFloor_IsOneRequest()
    {
        var stream = new FakeSubject(12, 13);

        var (sequences, more) = await LeftoverScanner.FindAsync(5, 11, 100, stream.NextFrom, Ct);

        Assert.Empty(sequences);
        Assert.False(more);
        Assert.Equal([5ul], stream.Asked);
    }

    [Fact]
    public async Task Find_EmptySubject_OrFloorBelowTheStreamsFirstSequence_FindsNothing()
    {
        var empty = new FakeSubject();
        var (none, _) = await LeftoverScanner.FindAsync(1, 50, 100, empty.NextFrom, Ct);
        var below = new FakeSubject(30);
        var (alsoNone, _) = await LeftoverScanner.FindAsync(firstSequence: 30, ackFloor: 20, 100, below.NextFrom, Ct);

        Assert.Empty(none);
        Assert.Empty(alsoNone);
        Assert.Empty(below.Asked);
    }

    [Fact]
    public async Task Find_StopsAtTheLimit_AndSaysThereIsMore()
    {
        var stream = new FakeSubject(Enumerable.Range(1, 10).Select(i => (ulong)i).ToArray());

        var (first, more) = await LeftoverScanner.FindAsync(1, 8, limit: 5, stream.NextFrom, Ct);
        var (all, noMore) = await LeftoverScanner.FindAsync(1, 8, limit: 8, stream.NextFrom, Ct);

        Assert.Equal([1ul, 2ul, 3ul, 4ul, 5ul], first);
        Assert.True(more);
        Assert.Equal(8, all.Count);
        Assert.False(noMore);
    }

    [Fact]
    public async Task Find_AFloorAtTheLastSequenceOfTheSubject_TakesAll()
    {
        var stream = new FakeSubject(2, 7);

        var (sequences, _) = await LeftoverScanner.FindAsync(1, 7, 100, stream.NextFrom, Ct);

        Assert.Equal([2ul, 7ul], sequences);
    }

    [Fact]
    public async Task Find_AnAnswerBeforeTheSequenceAskedFor_EndsTheWalk()
    {
        // A server answering out of order must not make the walk loop or take a message twice.
        var (sequences, _) = await LeftoverScanner.FindAsync(1, 100, 100, (from, _) => ValueTask.FromResult<ulong?>(from == 1 ? 5ul : 3ul), Ct);

        Assert.Equal([5ul], sequences);
    }

    /// <summary>The stored messages of one subject; answers as STREAM.MSG.GET with next_by_subj does.</summary>
    private sealed class FakeSubject(params ulong[] sequences)
    {
        public List<ulong> Asked { get; } = [];

        public ValueTask<ulong?> NextFrom(ulong from, CancellationToken cancellationToken)
        {
            Asked.Add(from);
            foreach (var sequence in sequences)
            {
                if (sequence >= from)
                {
                    return ValueTask.FromResult<ulong?>(sequence);
                }
            }

            return ValueTask.FromResult<ulong?>(null);
        }
    }
}
