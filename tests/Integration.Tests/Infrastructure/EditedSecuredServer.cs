namespace TypedTasks.Integration.Tests.Infrastructure;

/// <summary>
/// A nats-server running <c>docs/security/nats-server.conf</c> with some of its lines changed: what an older or a narrower
/// configuration does to a worker. The worker role's password is <see cref="SecuredNatsServer.WorkerPassword"/>. Disposing
/// it stops the server and deletes the changed file.
/// </summary>
public sealed class EditedSecuredServer : IAsyncDisposable
{
    private readonly string _conf;

    private EditedSecuredServer(string conf, NatsServer server)
    {
        _conf = conf;
        Server = server;
    }

    public NatsServer Server { get; }

    /// <summary>Writes the configuration's lines as <paramref name="edit"/> returns them, and starts a server on it.</summary>
    public static async Task<EditedSecuredServer> StartAsync(Func<string[], IEnumerable<string>> edit, CancellationToken cancellationToken)
    {
        var conf = Path.Combine(Path.GetTempPath(), "tt-conf-" + Guid.NewGuid().ToString("N") + ".conf");
        await File.WriteAllLinesAsync(conf, edit(await File.ReadAllLinesAsync(SecuredNatsServer.RepositoryFile("docs/security/nats-server.conf"), cancellationToken)), cancellationToken);
        var server = new NatsServer
        {
            ConfigFile = conf,
            Environment = new Dictionary<string, string> { ["TT_PRODUCER_PASSWORD"] = "p", ["TT_WORKER_PASSWORD"] = SecuredNatsServer.WorkerPassword, ["TT_OPERATOR_PASSWORD"] = "o", ["TT_MONITOR_PASSWORD"] = "m" },
        };
        var started = new EditedSecuredServer(conf, server);
        try
        {
            await server.InitializeAsync();
            return started;
        }
        catch
        {
            await started.DisposeAsync();
            throw;
        }
    }

    /// <summary>The worker role's settings on this server, configuration keys only, with <paramref name="more"/> added.</summary>
    public Dictionary<string, string> WorkerSettings(params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string>
        {
            ["TypedTasks:Url"] = Server.Url,
            ["TypedTasks:Auth:Username"] = "worker",
            ["TypedTasks:Auth:Password"] = SecuredNatsServer.WorkerPassword,
            ["TypedTasks:InboxPrefix"] = "_INBOX_worker",
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Server.DisposeAsync();
        }
        finally
        {
            File.Delete(_conf);
        }
    }
}
