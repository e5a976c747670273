namespace TypedTasks.Topology;

/// <summary>What the server refused on this connection (issue 11: errors name the real cause).</summary>
internal sealed partial class TypedTasksConnection
{
    /// <summary>The permission violations the server reported on this connection.</summary>
    public NatsServerErrors ServerErrors { get; }

    /// <summary>Creates the streams and buckets; a JetStream API subject the server refuses fails it at once, naming it,
    /// instead of after the request timeout with "no response".</summary>
    private async Task CreateInfrastructureGuardedAsync(CancellationToken cancellationToken)
    {
        await ServerErrors.GuardAsync(NatsServerErrors.IsJetStreamApiOrInbox, CreateInfrastructureAsync, cancellationToken).ConfigureAwait(false);
        // Apart, and never fatal: the history keeps task events, which are best effort themselves.
        await CreateHistoryStreamAsync(cancellationToken).ConfigureAwait(false);
    }
}
