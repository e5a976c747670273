using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TypedTasks.Topology;

namespace TypedTasks.Runtime.Tests;

/// <summary>The task history's settings (<c>TypedTasks:TaskHistory</c>): bound, defaulted as documented, checked at start.</summary>
public sealed class TaskHistoryOptionsTests
{
    [Fact]
    public void Defaults_KeepAHundredThousandEventsForSevenDays_InAFileStreamThatDropsTheOldest()
    {
        var options = new TypedTasksOptions { SendTaskEvents = true };
        Assert.True(options.TaskHistory.Enabled);
        Assert.Equal(100_000, options.TaskHistory.MaxMessages);
        Assert.Equal(TimeSpan.FromDays(7), options.TaskHistory.MaxAge);
        Assert.Equal(256L * 1024 * 1024, options.TaskHistory.MaxBytes);
        Assert.True(new TypedTasksOptionsValidator().Validate(null, options).Succeeded);

        using var connection = new TypedTasksConnection(Options.Create(options));
        var config = connection.HistoryStreamConfig();
        Assert.Equal("TT_HISTORY", config.Name);
        Assert.Equal(["tt.events.task.*"], config.Subjects);
        Assert.Equal(NATS.Client.JetStream.Models.StreamConfigDiscard.Old, config.Discard);
        Assert.Equal(NATS.Client.JetStream.Models.StreamConfigStorage.File, config.Storage);
        Assert.Equal(100_000, config.MaxMsgs);
        Assert.Equal(TimeSpan.FromDays(7), config.MaxAge);
    }

    [Fact]
    public void Configuration_BindsTheTaskHistorySection()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TypedTasks:TaskHistory:MaxMessages"] = "20000",
            ["TypedTasks:TaskHistory:MaxAge"] = "1.00:00:00",
            ["TypedTasks:TaskHistory:MaxBytes"] = "-1",
        }).Build();
        var services = new ServiceCollection();
        services.AddTypedTasks(configuration);
        using var provider = services.BuildServiceProvider();

        var history = provider.GetRequiredService<IOptions<TypedTasksOptions>>().Value.TaskHistory;

        Assert.Equal(20_000, history.MaxMessages);
        Assert.Equal(TimeSpan.FromDays(1), history.MaxAge);
        Assert.Equal(-1, history.MaxBytes);
    }

    [Theory]
    [InlineData("TypedTasks:TaskHistory:MaxMessages", "10", "TypedTasks:TaskHistory:MaxMessages is 10: use 1,000 to 100,000,000 events")]
    [InlineData("TypedTasks:TaskHistory:MaxAge", "00:00:10", "TypedTasks:TaskHistory:MaxAge is 00:00:10: use 1 minute or more")]
    [InlineData("TypedTasks:TaskHistory:MaxBytes", "1000", "TypedTasks:TaskHistory:MaxBytes is 1000: use 1 MiB")]
    [InlineData("TypedTasks:TaskHistory:MaxMesages", "5000", "TypedTasks:TaskHistory:MaxMesages binds to no setting")]
    public async Task UnusableHistorySetting_FailsWhenTheHostStarts_NamingTheKey(string key, string value, string expected)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new Microsoft.Extensions.Hosting.HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [key] = value });
        builder.Services.AddTypedTasks(builder.Configuration);
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains(error.Failures, f => f.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void HistoryOff_IsNotChecked()
        => Assert.True(new TypedTasksOptionsValidator().Validate(null, new TypedTasksOptions { TaskHistory = new TaskHistoryOptions { Enabled = false, MaxMessages = 0 } }).Succeeded);
}
