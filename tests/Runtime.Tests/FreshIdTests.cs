using TypedTasks.Protocol;

namespace TypedTasks.Runtime.Tests;

/// <summary>When a first delivery may skip reading its record (docs/protocol.md §2, <c>TT-Fresh-Id</c>).</summary>
public sealed class FreshIdTests
{
    private const string Server = "NBGXDTZMAJWBQ6AE5ZNHHHGH2AHBX4NRUHBFBWV4XZ7LLAO3HCQA6EPA";

    // What the header carries: the server id's first 16 characters.
    private const string Marker = "NBGXDTZMAJWBQ6AE";

    [Fact]
    public void Producer_NamesAStandaloneJetStreamServer_AndNothingElse()
    {
        Assert.Equal(Marker, FreshId.Of(Server, cluster: null, jetStream: true));
        Assert.Equal(Marker, FreshId.Of(Server, cluster: "", jetStream: true));
        Assert.Null(FreshId.Of(Server, cluster: "east", jetStream: true));
        Assert.Null(FreshId.Of(Server, cluster: null, jetStream: false));
        Assert.Null(FreshId.Of(null, cluster: null, jetStream: true));
        Assert.Null(FreshId.Of("", cluster: null, jetStream: true));
    }

    [Fact]
    public void Worker_SkipsTheRead_OnlyForTheSameMarker_AndTheTaskIdAsMessageId()
    {
        Assert.True(FreshId.Holds(Marker, "abc", "abc", Marker));

        // A restarted server has another id: messages sent before the restart are read.
        Assert.False(FreshId.Holds(Marker, "abc", "abc", "NOTHER"));
        // A cluster (or an unknown server) gives no fresh server: everything is read.
        Assert.False(FreshId.Holds(Marker, "abc", "abc", freshServer: null));
        // Copies published by workers (retries, moves, requeues) carry other message ids.
        Assert.False(FreshId.Holds(Marker, "abc", "abc:2", Marker));
        Assert.False(FreshId.Holds(Marker, "abc", null, Marker));
        // No marker, or no id: read.
        Assert.False(FreshId.Holds(null, "abc", "abc", Marker));
        Assert.False(FreshId.Holds(Marker, null, null, Marker));
        // Exact, ordinal: a marker that differs in case or padding names another server.
        Assert.False(FreshId.Holds(Marker.ToLowerInvariant(), "abc", "abc", Marker));
        Assert.False(FreshId.Holds(Marker + " ", "abc", "abc", Marker));
    }

    [Fact]
    public void Marker_IsTheServerIdsFirst16Characters_TheSameStringEachTime()
    {
        var first = FreshId.Of(Server, cluster: null, jetStream: true);
        Assert.Equal(Marker, first);
        Assert.Same(first, FreshId.Of(Server, cluster: null, jetStream: true));
        // A restarted server (new id) gets its own marker, and a short id is used whole.
        Assert.Equal("NOTHERSERVERIDXX", FreshId.Of("NOTHERSERVERIDXXYYYY", cluster: null, jetStream: true));
        Assert.Equal("NSHORT", FreshId.Of("NSHORT", cluster: null, jetStream: true));
        Assert.Equal(Marker, FreshId.Of(Server, cluster: null, jetStream: true));
    }
}
