using NATS.Client.Core;

namespace TypedTasks.Protocol;

/// <summary>
/// <c>TT-Fresh-Id</c> (docs/protocol.md §2): a producer's word that it made the task id for this message and publishes it
/// once (a retry of a publish that timed out is dropped by the broker within its duplicate window), through the server
/// named in the value. A first delivery of such a message, from that same standalone server, has no earlier message with
/// its id — none sent by the producer, none a crash could have handed out before (a restarted server has a new id) — so
/// the worker need not read the task's record before running it (section 3, step 4). Anything else is read: the value is a
/// hint that saves a read, never a reason to skip a check that could matter.
/// </summary>
internal static class FreshId
{
    /// <summary>
    /// How much of the server's id the value carries: 16 of its 56 characters (the first is always <c>N</c>; the rest are
    /// random base32, 75 bits here), so that a restarted server's new id differs, while every task message stays 40 bytes
    /// shorter than with the whole id, on the wire, in the stream's store and in each worker's parse.
    /// </summary>
    public const int MarkerLength = 16;

    private static Marker? _last;

    /// <summary>
    /// What a producer writes: the first <see cref="MarkerLength"/> characters of the id of the server it publishes
    /// through, when that server runs JetStream by itself (in a cluster, a stream's leader can change under a client that
    /// stays connected, so no hint is given); otherwise null.
    /// </summary>
    public static string? Of(INatsServerInfo? server) => Of(server?.Id, server?.Cluster, server?.JetStreamAvailable == true);

    /// <inheritdoc cref="Of(INatsServerInfo?)"/>
    public static string? Of(string? serverId, string? cluster, bool jetStream)
        => jetStream && !string.IsNullOrEmpty(serverId) && string.IsNullOrEmpty(cluster) ? MarkerOf(serverId) : null;

    /// <summary>The prefix, cut once per server id: every send and every first delivery asks for it.</summary>
    private static string MarkerOf(string serverId)
    {
        if (serverId.Length <= MarkerLength)
        {
            return serverId;
        }

        var last = Volatile.Read(ref _last);
        if (last is not null && (ReferenceEquals(last.ServerId, serverId) || string.Equals(last.ServerId, serverId, StringComparison.Ordinal)))
        {
            return last.Value;
        }

        last = new Marker(serverId, serverId[..MarkerLength]);
        Volatile.Write(ref _last, last);
        return last.Value;
    }

    /// <summary>
    /// Whether a first delivery may run without reading its record: the message names the server it was published through,
    /// that is the standalone server delivering it now, and its <c>Nats-Msg-Id</c> is its <c>TT-Id</c> (copies that
    /// workers publish — retries, moves, requeues — carry other message ids).
    /// </summary>
    public static bool Holds(string? marker, string? taskId, string? messageId, INatsServerInfo? server)
        => Holds(marker, taskId, messageId, Of(server));

    /// <inheritdoc cref="Holds(string?, string?, string?, INatsServerInfo?)"/>
    public static bool Holds(string? marker, string? taskId, string? messageId, string? freshServer)
        => marker is not null && taskId is not null && freshServer is not null
           && string.Equals(messageId, taskId, StringComparison.Ordinal) && string.Equals(marker, freshServer, StringComparison.Ordinal);

    private sealed record Marker(string ServerId, string Value);
}
