using System.Text;
using NATS.Client.Core;
using TypedTasks.Protocol;

namespace TypedTasks.Runtime.Tests;

/// <summary>What a dead letter keeps of its original (docs/protocol.md §7, issue 14).</summary>
public class DeadLetterEnvelopeTests
{
    [Theory]
    [InlineData("No task named 'über' is registered")]
    [InlineData("emoji 😀, a backslash \\ and a literal \\u0041")]
    [InlineData("line\r\nbreak and tab\t")]
    public void Reason_IsPrintableAsciiOnTheWire_AndReadsBackUnchanged(string reason)
    {
        var (headers, _) = DeadLetterEnvelope.Build(null, default, reason, "tt.tasks.default", 7, null);

        var wire = headers[TaskHeaders.DeadReason].ToString();
        Assert.All(wire, c => Assert.InRange(c, ' ', '~'));
        Assert.Equal(reason, WireText.FromHeader(wire));
    }

    [Fact]
    public void RawHeaders_AreKeptAsBase64_CutToTheBudget_AndSaidSo()
    {
        var small = "BAD/1.0\r\nTT-Id: x\r\n\r\n"u8.ToArray();
        var (kept, _) = DeadLetterEnvelope.Build(new NatsHeaders(), "{}"u8.ToArray(), "r", "s", 1, null, small);
        Assert.Equal(small, Convert.FromBase64String(kept[TaskHeaders.DeadRawHeaders]!));
        Assert.False(kept.ContainsKey(TaskHeaders.DeadTruncated));

        var big = Encoding.ASCII.GetBytes("BAD/1.0\r\nX: " + new string('p', 40_000) + "\r\n\r\n");
        var (cut, _) = DeadLetterEnvelope.Build(new NatsHeaders(), "{}"u8.ToArray(), "r", "s", 1, null, big);
        Assert.Equal(big.AsSpan(0, DeadLetterEnvelope.RawHeaderBudget).ToArray(), Convert.FromBase64String(cut[TaskHeaders.DeadRawHeaders]!));
        Assert.Contains($"raw header block ({big.Length} bytes, first {DeadLetterEnvelope.RawHeaderBudget} kept)", cut[TaskHeaders.DeadTruncated].ToString(), StringComparison.Ordinal);
        Assert.Equal($"headers={big.Length} body=2", cut[TaskHeaders.DeadOriginalSize].ToString());
    }

    [Fact]
    public void ABodyThatCouldNotBeRead_IsSaidSo()
    {
        var (headers, body) = DeadLetterEnvelope.Build(new NatsHeaders(), default, "r", "s", 3, null, bodyProblem: "could not be read back from stream sequence 3: gone");

        Assert.True(body.IsEmpty);
        Assert.Contains("body (could not be read back from stream sequence 3: gone)", headers[TaskHeaders.DeadTruncated].ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1024, 'a')]
    [InlineData(1025, 'a')]
    [InlineData(5000, 'a')]
    [InlineData(300, '\u00fc')]
    [InlineData(171, '\u00fc')]
    [InlineData(5000, '\\')]
    public void Reason_IsAtMost1024Characters_CutBeforeAnEscape(int length, char c)
    {
        var reason = new string(c, length);

        var wire = WireText.Header(reason);

        Assert.True(wire.Length <= 1024, $"{wire.Length} characters");
        Assert.True(wire.All(char.IsAscii));
        var back = WireText.FromHeader(wire);
        if (wire.EndsWith("...", StringComparison.Ordinal))
        {
            Assert.StartsWith(back[..^3], reason, StringComparison.Ordinal);
            Assert.DoesNotMatch(@"\\(?!u[0-9a-f]{4})", wire[..^3]); // no escape cut in half
        }
        else
        {
            Assert.Equal(reason, back);
        }
    }
}
