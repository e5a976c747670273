using TypedTasks.Executor;

namespace TypedTasks.Runtime.Tests;

/// <summary>
/// Retry delays as promised (issue 14, "Retries as promised"; docs/lifecycle.md, "Retries"): exponential backoff
/// base × 2^(n-1), capped at <c>RetryBackoffMax</c>, with full jitter (uniform in [0, delay]) when on — the default.
/// A seeded <see cref="Random"/> makes the spread checks exact, not flaky.
/// </summary>
public sealed class RetryPolicyTests
{
    private const int Samples = 10_000;

    private static TaskDefinition Task(bool backoff = true, bool jitter = true, double baseSeconds = 1, double maxSeconds = 600, double defaultSeconds = 180)
        => new("retry.test", static _ => default)
        {
            RetryBackoff = backoff,
            RetryJitter = jitter,
            RetryBackoffBase = TimeSpan.FromSeconds(baseSeconds),
            RetryBackoffMax = TimeSpan.FromSeconds(maxSeconds),
            DefaultRetryDelay = TimeSpan.FromSeconds(defaultSeconds),
        };

    private static double[] Delays(TaskDefinition task, int retry, int seed = 42)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, Samples).Select(_ => RetryPolicy.Delay(task, retry, countdown: null, random).TotalSeconds).ToArray();
    }

    [Fact]
    public void Defaults_AreJitterOn_Base1s_Max10min()
    {
        var task = new TaskDefinition("retry.defaults", static _ => default);

        Assert.True(task.RetryJitter);
        Assert.False(task.RetryBackoff);
        Assert.Equal(TimeSpan.FromSeconds(1), task.RetryBackoffBase);
        Assert.Equal(TimeSpan.FromMinutes(10), task.RetryBackoffMax);
    }

    [Theory]
    [InlineData(1, 1.0)]
    [InlineData(2, 2.0)]
    [InlineData(3, 4.0)]
    [InlineData(6, 32.0)]
    public void JitterOff_IsExactlyBaseTimesTwoToTheRetryMinusOne(int retry, double seconds)
    {
        var delay = RetryPolicy.Delay(Task(jitter: false), retry, null, new Random(1));

        Assert.Equal(TimeSpan.FromSeconds(seconds), delay);
    }

    [Theory]
    [InlineData(1, 1.0)]
    [InlineData(3, 4.0)]
    [InlineData(7, 64.0)]
    public void JitterOn_EveryDelayIsWithinZeroAndTheBackoff(int retry, double backoffSeconds)
    {
        var delays = Delays(Task(), retry);

        Assert.All(delays, d => Assert.InRange(d, 0, backoffSeconds));
    }

    [Theory]
    [InlineData(1, 1.0)]
    [InlineData(4, 8.0)]
    [InlineData(7, 64.0)]
    public void JitterOn_IsSpreadUniformlyOverZeroToTheBackoff(int retry, double backoffSeconds)
    {
        var delays = Delays(Task(), retry);

        // Full jitter, not "equal jitter" (backoff/2 + random) nor a small wiggle around the backoff.
        Assert.InRange(delays.Min(), 0, backoffSeconds * 0.01);
        Assert.InRange(delays.Max(), backoffSeconds * 0.99, backoffSeconds);
        Assert.InRange(delays.Average(), backoffSeconds * 0.48, backoffSeconds * 0.52);
        // Each tenth of the range holds about a tenth of the delays (10,000 samples: 1,000 ± 15 %).
        var tenths = delays.GroupBy(d => Math.Min((int)(d / backoffSeconds * 10), 9)).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(10, tenths.Count);
        Assert.All(tenths.Values, count => Assert.InRange(count, 850, 1150));
        Assert.True(delays.Distinct().Count() > Samples * 0.99, "delays repeat: the jitter is not drawn per retry");
    }

    [Fact]
    public void JitterOn_SameSeedSameDelays_OtherSeedOtherDelays()
    {
        var task = Task();

        Assert.Equal(Delays(task, 3, seed: 7), Delays(task, 3, seed: 7));
        Assert.NotEqual(Delays(task, 3, seed: 7), Delays(task, 3, seed: 8));
    }

    [Theory]
    [InlineData(5)]   // 16 s uncapped
    [InlineData(10)]  // 512 s
    [InlineData(63)]  // 2^62 s: the exponent is clamped, nothing overflows
    [InlineData(int.MaxValue)]
    public void Cap_JitterOff_IsExactlyTheMax(int retry)
    {
        var delay = RetryPolicy.Delay(Task(jitter: false, maxSeconds: 10), retry, null, new Random(1));

        Assert.Equal(TimeSpan.FromSeconds(10), delay);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(63)]
    [InlineData(int.MaxValue)]
    public void Cap_JitterOn_SpreadsOverZeroToTheMax(int retry)
    {
        var delays = Delays(Task(maxSeconds: 10), retry);

        Assert.All(delays, d => Assert.InRange(d, 0, 10));
        Assert.InRange(delays.Max(), 9.9, 10);
        Assert.InRange(delays.Average(), 4.8, 5.2);
    }

    [Fact]
    public void Cap_DefaultMaxOfTenMinutes_HoldsForLateRetries()
    {
        var noJitter = RetryPolicy.Delay(Task(jitter: false, maxSeconds: 600), 11, null, new Random(1)); // 1,024 s uncapped

        Assert.Equal(TimeSpan.FromMinutes(10), noJitter);
        Assert.All(Delays(Task(maxSeconds: 600), 11), d => Assert.InRange(d, 0, 600));
    }

    [Fact]
    public void Cap_BelowTheBase_CapsTheFirstRetryToo()
    {
        Assert.Equal(TimeSpan.FromSeconds(2), RetryPolicy.Delay(Task(jitter: false, baseSeconds: 5, maxSeconds: 2), 1, null, new Random(1)));
        Assert.All(Delays(Task(baseSeconds: 5, maxSeconds: 2), 1), d => Assert.InRange(d, 0, 2));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void RetryNumberBelowOne_IsTreatedAsTheFirst(int retry)
    {
        Assert.Equal(TimeSpan.FromSeconds(1), RetryPolicy.Delay(Task(jitter: false), retry, null, new Random(1)));
        Assert.All(Delays(Task(), retry), d => Assert.InRange(d, 0, 1));
    }

    [Fact]
    public void ExplicitCountdown_IsUsedAsIs_NoJitterNoCap()
    {
        var task = Task(maxSeconds: 10);
        var random = new Random(42);

        Assert.Equal(TimeSpan.FromHours(1), RetryPolicy.Delay(task, 3, TimeSpan.FromHours(1), random));
        Assert.Equal(TimeSpan.FromSeconds(3), RetryPolicy.Delay(task, 3, TimeSpan.FromSeconds(3), random));
        Assert.Equal(TimeSpan.Zero, RetryPolicy.Delay(task, 3, TimeSpan.FromSeconds(-5), random));
    }

    [Fact]
    public void NoBackoff_IsTheDefaultRetryDelay_WithoutJitter()
    {
        var task = Task(backoff: false, jitter: true, defaultSeconds: 180);

        Assert.All(Delays(task, 4), d => Assert.Equal(180, d));
    }
}
