using System.Text;
using Microsoft.Extensions.Primitives;
using NATS.Client.Core;
using TypedTasks.Intake;
using TypedTasks.Protocol;

namespace TypedTasks.Runtime.Tests;

/// <summary>
/// The intake reads its headers in one pass over the block (<see cref="WireHeaders"/>): each value must be the one a lookup
/// by name gives (<see cref="TaskHeaders.Value"/>, ordinal and ignoring case, as <see cref="NatsHeaders"/> compares), and the
/// size the one <c>MaxHeaderBytes</c> bounds.
/// </summary>
public class WireHeadersTests
{
    private static readonly string[] NamesRead =
    [
        TaskHeaders.Task, TaskHeaders.Protocol, TaskHeaders.Id, TaskHeaders.MsgId, TaskHeaders.Reply, TaskHeaders.Chain,
        TaskHeaders.Chord, TaskHeaders.Attempt, TaskHeaders.MaxRetries, TaskHeaders.Expires, TaskHeaders.Eta, TaskHeaders.Queue,
        TaskHeaders.RecordRevision,
    ];

    public static TheoryData<string> Names => new(NamesRead);

    [Theory]
    [MemberData(nameof(Names))]
    public void EveryNameTheIntakeReads_GivesWhatALookupGives_InAnyCase_AndNoOtherName(string name)
    {
        foreach (var spelling in new[] { name, name.ToLowerInvariant(), name.ToUpperInvariant() })
        {
            // Every other name the intake reads carries a value of its own, so a value read under the wrong name shows.
            var headers = new NatsHeaders();
            foreach (var other in NamesRead.Where(n => n != name))
            {
                headers[other] = "other:" + other;
            }

            headers[spelling] = new StringValues(["first", "second"]);
            headers["X-Unrelated"] = "x";

            var wire = new WireHeaders(headers);
            Assert.Equal(TaskHeaders.Value(headers, name), Read(wire, name));
            Assert.Equal("first,second", Read(wire, name));
            foreach (var other in NamesRead.Where(n => n != name))
            {
                Assert.Equal("other:" + other, Read(wire, other));
            }
        }
    }

    [Fact]
    public void Absent_IsNull_AndNoBlock_IsNothing()
    {
        var wire = new WireHeaders(new NatsHeaders { ["X-Unrelated"] = "x" });
        Assert.All(NamesRead, name => Assert.Null(Read(wire, name)));
        Assert.Equal(0, new WireHeaders(null).Bytes);
        Assert.Null(new WireHeaders(null).Task);
    }

    [Fact]
    public void Bytes_CountEachNameItsValuesInUtf8AndFourBytesOfFraming()
    {
        var headers = new NatsHeaders
        {
            [TaskHeaders.Task] = "échéance",
            ["X-Many"] = new StringValues(["1", "22"]),
        };

        var expected = TaskHeaders.Task.Length + 4 + Encoding.UTF8.GetByteCount("échéance") + "X-Many".Length + 4 + 3;
        Assert.Equal(expected, new WireHeaders(headers).Bytes);
    }

    private static string? Read(WireHeaders wire, string name) => name switch
    {
        TaskHeaders.Task => wire.Task,
        TaskHeaders.Protocol => wire.Protocol,
        TaskHeaders.Id => wire.Id,
        TaskHeaders.MsgId => wire.MsgId,
        TaskHeaders.Reply => wire.Reply,
        TaskHeaders.Chain => wire.Chain,
        TaskHeaders.Chord => wire.Chord,
        TaskHeaders.Attempt => wire.Attempt,
        TaskHeaders.MaxRetries => wire.MaxRetries,
        TaskHeaders.Expires => wire.Expires,
        TaskHeaders.Eta => wire.Eta,
        TaskHeaders.Queue => wire.Queue,
        TaskHeaders.RecordRevision => wire.RecordRevision,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not a header the intake reads"),
    };
}
