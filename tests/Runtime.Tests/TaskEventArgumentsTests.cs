using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TypedTasks.Protocol;
using TypedTasks.Telemetry;
using TypedTasks.Topology;

namespace TypedTasks.Runtime.Tests;

/// <summary>The arguments a sent event carries (<c>TypedTasks:TaskEventArgumentBytes</c>, docs/protocol.md 7b): capped,
/// cut on a UTF-8 character boundary and marked when cut, left out at 0, checked at start.</summary>
public sealed class TaskEventArgumentsTests
{
    [Fact]
    public void Default_IsAKibibyte()
        => Assert.Equal(1024, new TypedTasksOptions().TaskEventArgumentBytes);

    [Fact]
    public void ArgumentsWithinTheCap_AreCarriedWhole()
    {
        var json = "{\"name\":\"Zoë\",\"n\":1}"u8;

        var (text, truncated) = TaskEventPublisher.CapArguments(json, json.Length);

        Assert.Equal("{\"name\":\"Zoë\",\"n\":1}", text);
        Assert.False(truncated);
    }

    [Fact]
    public void Zero_LeavesTheArgumentsOut()
        => Assert.Equal((null, false), TaskEventPublisher.CapArguments("{\"n\":1}"u8, 0));

    [Theory]
    [InlineData("é", 2)]
    [InlineData("€", 3)]
    [InlineData("😀", 4)]
    public void LongerArguments_AreCutBeforeTheCharacterTheCapWouldSplit(string character, int width)
    {
        var json = Encoding.UTF8.GetBytes("[\"ab" + character + "cd\"]");
        // "[\"ab" is 4 bytes: every cap inside the character keeps the 4 bytes before it and no half of it.
        for (var cap = 5; cap < 4 + width; cap++)
        {
            var (text, truncated) = TaskEventPublisher.CapArguments(json, cap);

            Assert.True(truncated);
            Assert.Equal("[\"ab", text);
        }

        var (whole, cut) = TaskEventPublisher.CapArguments(json, 4 + width);
        Assert.True(cut);
        Assert.Equal("[\"ab" + character, whole);
    }

    [Fact]
    public void TheSentEvent_CarriesTheArgumentsAsAJsonString_AndTheFlagOnlyWhenCut()
    {
        using var connection = new TypedTasksConnection(Options.Create(new TypedTasksOptions { SendTaskEvents = true, TaskEventArgumentBytes = 8 }));

        var cut = TaskEventPublisher.Sent(connection, "t1", "tests.echo", "default", "{\"value\":12345}"u8, DateTimeOffset.UnixEpoch);
        var whole = TaskEventPublisher.Sent(connection, "t2", "tests.echo", "default", "{\"v\":1}"u8, DateTimeOffset.UnixEpoch);

        using var cutJson = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(cut, TaskEventJson.Default.TaskEvent));
        Assert.Equal("{\"value\"", cutJson.RootElement.GetProperty("arguments").GetString());
        Assert.True(cutJson.RootElement.GetProperty("argumentsTruncated").GetBoolean());
        using var wholeJson = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(whole, TaskEventJson.Default.TaskEvent));
        Assert.Equal("{\"v\":1}", wholeJson.RootElement.GetProperty("arguments").GetString());
        Assert.False(wholeJson.RootElement.TryGetProperty("argumentsTruncated", out _));
        Assert.Equal(whole, JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(whole, TaskEventJson.Default.TaskEvent), TaskEventJson.Default.TaskEvent));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("65537")]
    public async Task AnUnusableCap_FailsWhenTheHostStarts_NamingTheKey(string value)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new Microsoft.Extensions.Hosting.HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["TypedTasks:TaskEventArgumentBytes"] = value });
        builder.Services.AddTypedTasks(builder.Configuration);
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains(error.Failures, f => f.Contains($"TypedTasks:TaskEventArgumentBytes is {value}: use 0", StringComparison.Ordinal));
    }
}
