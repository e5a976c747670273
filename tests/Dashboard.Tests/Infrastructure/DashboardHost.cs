using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Dashboard.Tests.Infrastructure;

/// <summary>An ASP.NET Core app that mounts the dashboard at <c>/tasks</c>, served by Kestrel on 127.0.0.1 on a free port,
/// reading the given prefix of a real nats-server: what a user's web app is.</summary>
public sealed class DashboardHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DashboardHost(WebApplication app, string address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The server's root, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string Address { get; }

    /// <summary>The dashboard's root.</summary>
    public string Dashboard => Address + "/tasks";

    public IServiceProvider Services => _app.Services;

    /// <summary>The dashboard's recent-tasks list (endpoint metadata of its pages).</summary>
    internal Internal.RecentTasks RecentTasks => _app.Services.GetRequiredService<EndpointDataSource>().Endpoints
        .Select(e => e.Metadata.GetMetadata<Internal.RecentTasks>()).First(r => r is not null)!;

    /// <summary>Waits until the recent-tasks list listens to task events, so that no event sent after this is missed.</summary>
    public Task RecentTasksListeningAsync() => RecentTasks.Subscribed.WaitAsync(TimeSpan.FromSeconds(20));

    /// <summary>
    /// A dashboard in Production behind the app's own policies, as docs/dashboard.md sets them up: readers are the
    /// <c>monitor</c> and <c>operator</c> roles, operators the <c>operator</c> role; users and roles come from the request
    /// headers <see cref="HeaderAuthentication"/> reads. With <paramref name="log"/>, the app's log lines are captured.
    /// </summary>
    public static Task<DashboardHost> StartWithRolesAsync(NatsServer server, string prefix, CapturedLog? log = null)
        => StartAsync(
            server,
            prefix,
            environment: "Production",
            options: new TypedTasksDashboardOptions { ReadPolicy = "tasks-readers", OperatorPolicy = "tasks-operators" },
            configureServices: builder =>
            {
                if (log is not null)
                {
                    builder.Logging.AddProvider(log);
                }

                builder.Services.AddAuthentication(HeaderAuthentication.Name).AddScheme<AuthenticationSchemeOptions, HeaderAuthentication>(HeaderAuthentication.Name, null);
                builder.Services.AddAuthorization(o =>
                {
                    o.AddPolicy("tasks-readers", p => p.RequireRole("monitor", "operator"));
                    o.AddPolicy("tasks-operators", p => p.RequireRole("operator"));
                });
            });

    public static async Task<DashboardHost> StartAsync(
        NatsServer server,
        string prefix,
        string environment = "Development",
        TypedTasksDashboardOptions? options = null,
        Action<WebApplicationBuilder>? configureServices = null,
        Action<WebApplication>? configureApp = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = environment, ApplicationName = typeof(DashboardHost).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddTypedTasks(o =>
        {
            o.Url = server.Url;
            o.Prefix = prefix;
        });
        configureServices?.Invoke(builder);
        var app = builder.Build();
        configureApp?.Invoke(app);
        app.MapTypedTasksDashboard("/tasks", options);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new DashboardHost(app, address);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
