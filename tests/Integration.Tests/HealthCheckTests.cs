using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Integration.Tests;

/// <summary><c>AddHealthChecks().AddTypedTasks()</c> against a real nats-server, up and down.</summary>
public sealed class HealthCheckTests(NatsServer server) : IClassFixture<NatsServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Worker_WithTheServerUp_IsHealthy()
    {
        await using var app = await TestApp.StartAsync(server, services: s => s.AddHealthChecks().AddTypedTasks());

        var report = await app.Host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Ct);

        var entry = report.Entries["typedtasks"];
        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Contains("the worker pulls tasks", entry.Description, StringComparison.Ordinal);
        Assert.Equal(server.Version, entry.Data["server_version"]);
        Assert.Equal(app.WorkerService.Id, entry.Data["worker"]);
    }

    [Fact]
    public async Task Producer_WithTheServerUp_IsHealthy()
    {
        await using var app = await TestApp.StartAsync(server, worker: false, services: s => s.AddHealthChecks().AddTypedTasks());

        var report = await app.Host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Ct);

        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.False(report.Entries["typedtasks"].Data.ContainsKey("worker"));
    }

    [Fact]
    public async Task ServerDown_IsUnhealthy_SayingWhichServer_AndHealthyAgainWhenItIsBack()
    {
        await using var restartable = new NatsServer();
        await restartable.InitializeAsync();
        await using var app = await TestApp.StartAsync(restartable, worker: false, services: s => s.AddHealthChecks().AddTypedTasks(timeout: TimeSpan.FromSeconds(1)));
        var health = app.Host.Services.GetRequiredService<HealthCheckService>();
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(Ct)).Status);

        await restartable.KillAsync();
        var down = (await health.CheckHealthAsync(Ct)).Entries["typedtasks"];
        await restartable.StartAsync();

        Assert.Equal(HealthStatus.Unhealthy, down.Status);
        Assert.Contains(restartable.Url, down.Description, StringComparison.Ordinal);
        await WaitHealthyAsync(health);
    }

    [Fact]
    public async Task Worker_WhileStopping_IsUnhealthy_SoTheProbeTakesItOutOfService()
    {
        await using var app = await TestApp.StartAsync(server, services: s => s.AddHealthChecks().AddTypedTasks());
        var health = app.Host.Services.GetRequiredService<HealthCheckService>();
        await app.Client.EnqueueAsync(HandWrittenTasks.Block, HandWrittenTasks.Key("stopping"), cancellationToken: Ct);
        await app.Probe.StartedSignal("stopping").Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        // The running task keeps the worker in its grace period: stopping, not stopped.
        var stopping = app.Host.StopAsync(CancellationToken.None);
        HealthReportEntry entry;
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            deadline.CancelAfter(TimeSpan.FromSeconds(30));
            while ((entry = (await health.CheckHealthAsync(deadline.Token)).Entries["typedtasks"]).Status == HealthStatus.Healthy)
            {
                await Task.Delay(20, deadline.Token);
            }
        }

        app.Probe.Gate("stopping").TrySetResult();
        await stopping;
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Contains("stopping", entry.Description, StringComparison.Ordinal);
    }

    private static async Task WaitHealthyAsync(HealthCheckService health)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        while ((await health.CheckHealthAsync(deadline.Token)).Status != HealthStatus.Healthy)
        {
            await Task.Delay(100, deadline.Token);
        }
    }
}
