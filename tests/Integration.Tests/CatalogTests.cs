using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;
using TypedTasks.Client;
using TypedTasks.Integration.Tests.Infrastructure;
using TypedTasks.Protocol;

namespace TypedTasks.Integration.Tests;

/// <summary>
/// The task catalog (docs/protocol.md §2): a worker publishes one entry per task when it starts, a second worker with the
/// same tasks rewrites nothing, and a worker whose definition of a task changed rewrites that entry alone.
/// </summary>
public sealed class CatalogTests(NatsServer server) : IClassFixture<NatsServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Workers_PublishEachTaskOnce_AndRewriteOnlyAnEntryThatChanged()
    {
        var prefix = TestApp.NewPrefix();
        await using var first = await TestApp.StartAsync(server, prefix: prefix, tasks: b => b.AddTypedTasksIntegrationTestsTasks().AddHandWrittenTasks());
        var catalog = await TaskCatalog.ReadAllAsync(first.Connection, TaskCatalog.MaxTasks, Ct);
        var bucket = "KV_" + first.Connection.Names.CatalogBucket;
        var written = (await first.Connection.JetStream.GetStreamAsync(bucket, cancellationToken: Ct)).Info.State.LastSeq;

        Assert.True(catalog.BucketExists);
        Assert.Contains(catalog.Entries, e => e.Name == KindTasks.TotalTask.Name && e.Arguments is { Count: 2 });
        var echo = Assert.Single(catalog.Entries, e => e.Name == HandWrittenTasks.Echo.Name);
        Assert.Null(echo.Arguments); // written by hand: not described
        Assert.Equal((ulong)catalog.Entries.Count, written);

        // A second worker with the same tasks: every entry is up to date, nothing is written.
        await using (var second = await TestApp.StartAsync(server, prefix: prefix, tasks: b => b.AddTypedTasksIntegrationTestsTasks().AddHandWrittenTasks()))
        {
            Assert.Equal(written, (await second.Connection.JetStream.GetStreamAsync(bucket, cancellationToken: Ct)).Info.State.LastSeq);
        }

        // A worker whose tests.echo now goes to another queue: that entry alone is rewritten, by it.
        var moved = new TaskDefinition<int>(HandWrittenTasks.Echo.Name, HandWrittenTasks.Echo.Invoker, HandWrittenTasks.Echo.ResultTypeInfo) { Queue = "moved" };
        await using var third = await TestApp.StartAsync(server, prefix: prefix, tasks: b => b.AddTask(moved), workerOptions: o => o.Queues = ["moved"]);
        Assert.Equal(written + 1, (await third.Connection.JetStream.GetStreamAsync(bucket, cancellationToken: Ct)).Info.State.LastSeq);
        var (entry, _) = await TaskCatalog.ReadAsync(third.Connection, HandWrittenTasks.Echo.Name, Ct);
        Assert.Equal("moved", entry?.Queue);
        Assert.Equal(third.WorkerService.Id, entry?.WrittenBy);
    }

    /// <summary>A producer in another language reads an entry as docs/protocol.md §2 spells it: plain NATS KV, the bucket
    /// <c>&lt;PREFIX&gt;_CATALOG</c>, the task name as the key, the documented fields.</summary>
    [Fact]
    public async Task AForeignReader_FindsATasksQueueAndArguments_AsTheProtocolPageSpellsThem()
    {
        await using var app = await TestApp.StartAsync(server, tasks: b => b.AddTypedTasksIntegrationTestsTasks());
        await using var nats = new NatsConnection(new NatsOpts { Url = server.Url });
        var store = await new NatsKVContext(new NatsJSContext(nats)).GetStoreAsync(app.Prefix.ToUpperInvariant() + "_CATALOG", Ct);

        var entry = await store.GetEntryAsync<byte[]>("TypedTasks.Integration.Tests.KindTasks.AsyncTaskOfT", cancellationToken: Ct);
        using var json = JsonDocument.Parse(entry.Value!);
        var root = json.RootElement;

        Assert.Equal(1, root.GetProperty("v").GetInt32());
        Assert.Equal("TypedTasks.Integration.Tests.KindTasks.AsyncTaskOfT", root.GetProperty("name").GetString());
        Assert.Equal("kinds", root.GetProperty("queue").GetString());
        Assert.Equal("string", root.GetProperty("result").GetString());
        var arguments = root.GetProperty("arguments").EnumerateArray().Select(a => (
            a.GetProperty("name").GetString()!, a.GetProperty("type").GetString()!, a.GetProperty("dotnetType").GetString()!,
            a.GetProperty("required").GetBoolean(), a.GetProperty("nullable").GetBoolean())).ToList();
        Assert.Equal(new[] { ("text", "string", "string", true, false), ("times", "integer", "int", true, false) }, arguments);
        Assert.Equal(3, root.GetProperty("maxRetries").GetInt32());
        Assert.Equal(app.WorkerService.Id, root.GetProperty("writtenBy").GetString());
    }

    [Fact]
    public async Task ATaskNameAKeyCannotHold_IsPublishedUnderItsHash_AndReadBackByName()
    {
        var odd = new TaskDefinition<int>("catalog:odd/name", HandWrittenTasks.Echo.Invoker, HandWrittenTasks.Echo.ResultTypeInfo);
        await using var app = await TestApp.StartAsync(server, tasks: b => b.AddTask(odd));

        var (entry, exists) = await TaskCatalog.ReadAsync(app.Connection, "catalog:odd/name", Ct);
        var store = await app.Connection.KeyValue.GetStoreAsync(app.Connection.Names.CatalogBucket, Ct);
        var keys = new List<string>();
        await foreach (var key in store.GetKeysAsync(cancellationToken: Ct))
        {
            keys.Add(key);
        }

        Assert.True(exists);
        Assert.Equal("catalog:odd/name", entry?.Name);
        Assert.Equal(new[] { TaskCatalogEntry.Key("catalog:odd/name") }, keys);
        Assert.StartsWith("=", keys[0], StringComparison.Ordinal);
    }
}
