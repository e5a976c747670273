using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TypedTasks.Executor;
using TypedTasks.Generated;
using TypedTasks.Topology;

namespace TypedTasks.Runtime.Tests;

public class HostingTests
{
    [Fact]
    public void AddTypedTasks_Configuration_BindsTheTypedTasksSection()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TypedTasks:Url"] = "nats://10.0.0.1:4222",
            ["TypedTasks:Prefix"] = "app",
            ["TypedTasks:ResultBackend:Expiry"] = "02:00:00",
            ["TypedTasks:Broker:Replicas"] = "3",
            ["TypedTasks:Worker:Concurrency"] = "16",
            ["TypedTasks:Worker:Queues:0"] = "email",
            ["TypedTasks:Worker:Queues:1"] = "reports",
        }).Build();
        var services = new ServiceCollection();

        services.AddTypedTasks(configuration).AddWorker();

        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<TypedTasksOptions>>().Value;
        var worker = provider.GetRequiredService<IOptions<WorkerOptions>>().Value;
        Assert.Equal("nats://10.0.0.1:4222", options.Url);
        Assert.Equal("app", options.Prefix);
        Assert.Equal(TimeSpan.FromHours(2), options.ResultBackend.Expiry);
        Assert.Equal(3, options.Broker.Replicas);
        Assert.Equal(16, worker.Concurrency);
        Assert.Equal(["email", "reports"], worker.Queues);
    }

    [Theory]
    [InlineData("TypedTasks:Worker:Concurrency", "0", "TypedTasks:Worker:Concurrency is 0: it must be at least 1")]
    [InlineData("TypedTasks:Worker:Queues:0", "e.mail", "The queue name 'e.mail' in TypedTasks:Worker:Queues is not valid")]
    [InlineData("TypedTasks:Worker:LeftoverSweepInterval", "-00:01:00", "TypedTasks:Worker:LeftoverSweepInterval is -00:01:00")]
    public async Task UnusableWorkerSetting_FailsWhenTheHostStarts_NamingTheKey(string key, string value, string expected)
    {
        // Issue 10: checked by an options validator with ValidateOnStart, not in the worker's constructor.
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new Microsoft.Extensions.Hosting.HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [key] = value });
        builder.Services.AddTypedTasks(builder.Configuration).AddWorker();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains(error.Failures, f => f.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void WorkerOptionsValidator_AcceptsTheDefaults()
        => Assert.True(new WorkerOptionsValidator().Validate(null, new WorkerOptions { Queues = ["email", "reports-2"] }).Succeeded);

    [Fact]
    public void WorkerOptions_Defaults_FollowTheDesign()
    {
        var worker = new WorkerOptions();
        var options = new TypedTasksOptions();

        Assert.Equal(Environment.ProcessorCount, worker.Concurrency);
        Assert.Equal(TimeSpan.FromSeconds(3), worker.AckWait);
        Assert.Equal(TimeSpan.FromMinutes(5), worker.LeftoverSweepInterval);
        Assert.Equal(TimeSpan.FromDays(1), options.ResultBackend.Expiry);
        Assert.Equal("tt", options.Prefix);
        Assert.True(options.ResultBackend.Enabled);
    }

    [Fact]
    public void TaskRegistry_TwoTasksWithOneName_ThrowsAndSaysHowToFix()
    {
        var first = new TaskDefinition("same", _ => default);
        var second = new TaskDefinition("same", _ => default);

        var error = Assert.Throws<InvalidOperationException>(() => new TaskRegistry([first, second]));

        Assert.Contains("[Task(Name = ", error.Message);
    }

    [Fact]
    public void TaskRegistry_SameDefinitionRegisteredTwice_IsKeptOnce()
    {
        var task = new TaskDefinition("once", _ => default);

        var registry = new TaskRegistry([task, task]);

        Assert.Single(registry.All);
        Assert.True(registry.TryGet("once", out var found));
        Assert.Same(task, found);
    }

    [Theory]
    [InlineData("default", true)]
    [InlineData("email-high_1", true)]
    [InlineData("a.b", false)]
    [InlineData("a b", false)]
    [InlineData("a*", false)]
    [InlineData("", false)]
    public void QueueNames_AreSingleSubjectTokens(string queue, bool valid)
    {
        Assert.Equal(valid, TypedTasks.Protocol.NatsNames.IsValidQueue(queue));
    }

    [Fact]
    public void NatsNames_DeriveEveryNameFromThePrefix()
    {
        var names = new TypedTasks.Protocol.NatsNames("app");

        Assert.Equal("APP_TASKS", names.TasksStream);
        Assert.Equal("APP_DEAD", names.DeadStream);
        Assert.Equal("APP_RESULTS", names.ResultsBucket);
        Assert.Equal("app.tasks.email", names.TaskSubject("email"));
        Assert.Same(names.TaskSubject("email"), names.TaskSubject("email"));
        Assert.Equal("app.dead.email", names.DeadSubject("email"));
        Assert.Equal("app_email", names.ConsumerName("email"));
    }

    [Fact]
    public void NatsNames_InvalidPrefix_SaysWhatIsAllowed()
    {
        var error = Assert.Throws<ArgumentException>(() => new TypedTasks.Protocol.NatsNames("my.app"));
        Assert.Contains("letters, digits and '_'", error.Message);
    }

    [Fact]
    public void TaskInvocation_SetResult_WritesJson()
    {
        var invocation = new TaskInvocation("id", "t", "{}"u8.ToArray(), new ServiceCollection().BuildServiceProvider(), CancellationToken.None);

        invocation.SetResult(42, TestJson.Default.Int32);

        Assert.True(invocation.HasResult);
        Assert.Equal("42", System.Text.Encoding.UTF8.GetString(invocation.ResultJson.Span));
    }
}

public class TaskHandleTests
{
    [Fact]
    public async Task DetachedHandle_StatusThrowsClearException()
    {
        var handle = new TaskHandle<int>("id-1", new TaskDefinition<int>("t", _ => default, TestJson.Default.Int32));

        Assert.Equal("id-1", handle.Id);
        Assert.Equal("t", handle.TaskName);
        await Assert.ThrowsAsync<ResultBackendNotConfiguredException>(() => handle.GetStatusAsync(TestContext.Current.CancellationToken).AsTask());
        await Assert.ThrowsAsync<ResultBackendNotConfiguredException>(() => handle.GetAsync(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken));
    }
}
