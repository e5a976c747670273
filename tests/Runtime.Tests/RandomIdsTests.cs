using TypedTasks.Protocol;

namespace TypedTasks.Runtime.Tests;

/// <summary>Task ids and reply tokens drawn from the per-thread buffer of random bytes (<see cref="RandomIds"/>).</summary>
public sealed class RandomIdsTests
{
    [Fact]
    public void TaskId_IsAUuidVersion7_InTheNFormat_StampedWithTheSendTime()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var id = RandomIds.NewTaskId();
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        Assert.Matches("^[0-9a-f]{32}$", id);
        Assert.True(NatsNames.IsValidTaskId(id));
        var uuid = Guid.ParseExact(id, "N");
        Assert.Equal(7, uuid.Version);
        Assert.Equal('7', id[12]);
        Assert.Contains(id[16], "89ab"); // RFC 9562's variant: 10xx
        Assert.Equal(id, uuid.ToString("N"));
        var stamped = Convert.ToInt64(id[..12], 16);
        Assert.InRange(stamped, before, after);
    }

    [Fact]
    public void TaskIds_SortInSendOrder_AcrossMilliseconds()
    {
        var first = RandomIds.NewTaskId();
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        // Spin to the next millisecond (a clock read, no sleep).
        while (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() <= start + 1)
        {
        }

        var second = RandomIds.NewTaskId();
        Assert.True(string.CompareOrdinal(first, second) < 0, $"{first} should sort before {second}");
    }

    [Fact]
    public void Draws_AcrossManyRefills_NeverRepeat_AndUseEveryBit()
    {
        // Far more bytes than one buffer holds, so that refills and draws straddling a buffer's end are both taken.
        var count = 20 * RandomIds.PoolSize / 16;
        Span<char> hex = stackalloc char[32];
        Span<char> odd = stackalloc char[6];
        var tokens = new HashSet<string>(StringComparer.Ordinal);
        var ones = new int[16 * 8];
        for (var i = 0; i < count; i++)
        {
            RandomIds.FillHex(hex);
            var token = new string(hex);
            Assert.Matches("^[0-9a-f]{32}$", token);
            Assert.True(tokens.Add(token), $"token {token} drawn twice");
            var bytes = Convert.FromHexString(token);
            for (var bit = 0; bit < ones.Length; bit++)
            {
                ones[bit] += (bytes[bit / 8] >> (bit % 8)) & 1;
            }

            // An odd-sized draw in between shifts where the next token starts in the buffer.
            RandomIds.FillHex(odd);
        }

        // Each bit is set in about half the draws (binomial: 6 standard deviations, a false alarm about once in 10^9 bits).
        var bound = (int)Math.Ceiling(6 * Math.Sqrt(count) / 2);
        Assert.All(ones, set => Assert.InRange(set, (count / 2) - bound, (count / 2) + bound));
    }

    [Fact]
    public void Threads_DrawIndependently()
    {
        const int PerThread = 2_000;
        var ids = new string[4][];
        Parallel.For(0, ids.Length, new ParallelOptions { MaxDegreeOfParallelism = ids.Length }, t =>
        {
            ids[t] = new string[PerThread];
            for (var i = 0; i < PerThread; i++)
            {
                ids[t][i] = RandomIds.NewTaskId();
            }
        });

        var all = ids.SelectMany(x => x).ToArray();
        Assert.Equal(all.Length, all.Distinct(StringComparer.Ordinal).Count());
    }
}
