using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Dashboard.Tests.Infrastructure;

/// <summary>A nats-server running <c>docs/security/nats-server.conf</c> as documented, with the roles' passwords.</summary>
public sealed class SecuredServer : IAsyncLifetime
{
    private static readonly Dictionary<string, string> Passwords = new()
    {
        ["producer"] = "producer-Pw-9c1e27",
        ["worker"] = "worker-Pw-5d8a40",
        ["operator"] = "operator-Pw-7b3f19",
        ["monitor"] = "monitor-Pw-2e6c88",
    };

    public NatsServer Server { get; } = new()
    {
        ConfigFile = RepositoryFile("docs/security/nats-server.conf"),
        Environment = Passwords.ToDictionary(p => $"TT_{p.Key.ToUpperInvariant()}_PASSWORD", p => p.Value),
    };

    /// <summary>Connects as <paramref name="role"/> of the conf: its user, password and inbox prefix.</summary>
    public static void LogIn(TypedTasksOptions options, string role)
    {
        options.Auth.Username = role;
        options.Auth.Password = Passwords[role];
        options.InboxPrefix = "_INBOX_" + role;
    }

    /// <summary>A TypedTasks host on prefix <c>tt</c> connected as the worker role (a worker unless <paramref name="worker"/>
    /// is false), the role that creates the infrastructure the other roles use.</summary>
    public Task<TestApp> StartAsWorkerAsync(
        Action<TypedTasksBuilder>? tasks = null, Action<TypedTasksOptions>? options = null, Action<IServiceCollection>? services = null, bool worker = true)
        => TestApp.StartAsync(Server, worker: worker, prefix: "tt", tasks: tasks, services: services, options: o =>
        {
            LogIn(o, "worker");
            options?.Invoke(o);
        });

    /// <summary>The dashboard on prefix <c>tt</c>, connected as <paramref name="role"/> (which creates nothing).</summary>
    public Task<DashboardHost> DashboardAsAsync(string role)
        => DashboardHost.StartAsync(Server, "tt", configureServices: b => b.Services.PostConfigure<TypedTasksOptions>(o =>
        {
            LogIn(o, role);
            o.CreateInfrastructure = false;
        }));

    public ValueTask InitializeAsync() => Server.InitializeAsync();

    public ValueTask DisposeAsync() => Server.DisposeAsync();

    private static string RepositoryFile(string relative)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"{relative} not found above {AppContext.BaseDirectory}.");
    }
}
