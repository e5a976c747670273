using TypedTasks.Protocol;

namespace TypedTasks.Runtime.Tests;

/// <summary>When a first delivery may skip reading its record (docs/protocol.md §2, <c>TT-Fresh-Id</c>).</summary>
public sealed class FreshIdTests
{
    private const string Server = "NBGXDTZMAJWBQ6AE5ZNHHHGH2AHBX4NRUHBFBWV4XZ7LLAO3HCQA6EPA";

    [Fact]
    public void Producer_NamesAStandaloneJetStreamServer_AndNothingElse()
    {
        Assert.Equal(Server, FreshId.Of(Server, cluster: null, jetStream: true));
        Assert.Equal(Server, FreshId.Of(Server, cluster: "", jetStream: true));
        Assert.Null(FreshId.Of(Server, cluster: "east", jetStream: true));
        Assert.Null(FreshId.Of(Server, cluster: null, jetStream: false));
        Assert.Null(FreshId.Of(null, cluster: null, jetStream: true));
        Assert.Null(FreshId.Of("", cluster: null, jetStream: true));
    }

    [Fact]
    public void Worker_SkipsTheRead_OnlyForTheSameServer_AndTheTaskIdAsMessageId()
    {
        Assert.True(FreshId.Holds(Server, "abc", "abc", Server));

        // A restarted server has another id: messages sent before the restart are read.
        Assert.False(FreshId.Holds(Server, "abc", "abc", "NOTHER"));
        // A cluster (or an unknown server) gives no fresh server: everything is read.
        Assert.False(FreshId.Holds(Server, "abc", "abc", freshServer: null));
        // Copies published by workers (retries, moves, requeues) carry other message ids.
        Assert.False(FreshId.Holds(Server, "abc", "abc:2", Server));
        Assert.False(FreshId.Holds(Server, "abc", null, Server));
        // No marker, or no id: read.
        Assert.False(FreshId.Holds(null, "abc", "abc", Server));
        Assert.False(FreshId.Holds(Server, null, null, Server));
        // Exact, ordinal: a marker that differs in case or padding names another server.
        Assert.False(FreshId.Holds(Server.ToLowerInvariant(), "abc", "abc", Server));
        Assert.False(FreshId.Holds(Server + " ", "abc", "abc", Server));
    }
}
