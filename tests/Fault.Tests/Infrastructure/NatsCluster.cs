using NATS.Client.Core;
using NATS.Client.JetStream;

namespace TypedTasks.Fault.Tests.Infrastructure;

/// <summary>A 3-node JetStream cluster on loopback: three nats-server processes with routes to each other, each
/// with its own store directory (docs/cluster.md shows the same configuration for real machines).</summary>
public sealed class NatsCluster : IAsyncDisposable
{
    private NatsCluster(IReadOnlyList<NatsNode> nodes) => Nodes = nodes;

    public IReadOnlyList<NatsNode> Nodes { get; }

    /// <summary>Every node's URL, comma-separated: what clients and workers are given.</summary>
    public string Url => string.Join(",", Nodes.Select(n => n.Url));

    public string Version => Nodes[0].Version;

    public NatsNode Node(string name) => Nodes.Single(n => n.Name == name);

    /// <summary>Starts three nodes and waits until JetStream answers (a meta leader was elected).</summary>
    public static async Task<NatsCluster> StartAsync(CancellationToken cancellationToken)
    {
        var nodes = new[] { new NatsNode("n1"), new NatsNode("n2"), new NatsNode("n3") };
        foreach (var node in nodes)
        {
            node.JoinCluster("tt-fault", nodes);
        }

        var cluster = new NatsCluster(nodes);
        try
        {
            await Task.WhenAll(nodes.Select(n => n.StartAsync(cancellationToken)));
            await cluster.WaitForJetStreamAsync(TimeSpan.FromSeconds(60), cancellationToken);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until the JetStream API answers through the running nodes.</summary>
    public async Task WaitForJetStreamAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var connection = new NatsConnection(new NatsOpts { Url = string.Join(",", Nodes.Where(n => n.IsRunning).Select(n => n.Url)) });
        var js = new NatsJSContext(connection);
        await Until.TrueAsync(
            async () =>
            {
                try
                {
                    await js.GetAccountInfoAsync(cancellationToken);
                    return true;
                }
                catch (NatsJSException)
                {
                    return false;
                }
                catch (NatsException)
                {
                    return false;
                }
                catch (TimeoutException)
                {
                    return false;
                }
            },
            timeout,
            () => "JetStream of the cluster did not answer (no meta leader?):\n" + string.Join("\n", Nodes.Select(n => $"--- {n.Name} ---\n{n.Output}")),
            cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }
    }
}
