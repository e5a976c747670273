using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Cli;
using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Integration.Tests;

/// <summary>The <c>tt</c> command line, run in-process against a real nats-server and a running app.</summary>
public sealed class CliTests(NatsServer server) : IClassFixture<NatsServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Workers_ListsTheRunningWorker()
    {
        await using var app = await TestApp.StartAsync(server, workerOptions: o => o.HeartbeatInterval = TimeSpan.FromMilliseconds(200));

        var (code, output, _) = await TtAsync(app, "workers");

        Assert.Equal(0, code);
        Assert.Contains(app.WorkerService.Id, output, StringComparison.Ordinal);
        Assert.Contains(" up ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ping_AndShutdown_ReachTheWorker()
    {
        await using var app = await TestApp.StartAsync(server, workerOptions: o => o.RemoteControl.AllowShutdown = true);
        var stopping = app.Host.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>().ApplicationStopping;

        var (pingCode, pong, _) = await TtAsync(app, "ping", "--wait", "0.5");
        var (refused, _, _) = await TtAsync(app, "shutdown", app.WorkerService.Id);
        var (code, stopped, _) = await TtAsync(app, "shutdown", app.WorkerService.Id, "--yes");

        Assert.Equal(0, pingCode);
        Assert.Contains($"{app.WorkerService.Id}: pong", pong, StringComparison.Ordinal);
        Assert.Equal(2, refused);
        Assert.Equal(0, code);
        Assert.Contains("is stopping", stopped, StringComparison.Ordinal);
        await Task.Delay(System.Threading.Timeout.InfiniteTimeSpan, stopping).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(Timeout, Ct);
    }

    [Fact]
    public async Task Shutdown_OfAWorkerWithoutAllowShutdown_FailsSayingHowToEnableIt_AndTheWorkerRunsOn()
    {
        await using var app = await TestApp.StartAsync(server);

        var (code, output, error) = await TtAsync(app, "shutdown", app.WorkerService.Id, "--yes");

        Assert.Equal(1, code);
        Assert.DoesNotContain("is stopping", output, StringComparison.Ordinal);
        Assert.StartsWith($"tt: Worker '{app.WorkerService.Id}' refused 'shutdown': remote shutdown is off on this worker; enable it with TypedTasks:Worker:RemoteControl:AllowShutdown=true", error, StringComparison.Ordinal);
        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(8), cancellationToken: Ct);
        Assert.Equal(16, await handle.GetAsync(Timeout, Ct));
    }

    [Fact]
    public async Task Status_ShowsStateAndResult_AndPendingForAnUnknownId()
    {
        await using var app = await TestApp.StartAsync(server);
        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(21), cancellationToken: Ct);
        await handle.GetAsync(Timeout, Ct);

        var (code, output, _) = await TtAsync(app, "status", handle.Id);
        var (_, unknown, _) = await TtAsync(app, "status", "no-such-task");

        Assert.Equal(0, code);
        Assert.Contains($"{handle.Id}: SUCCESS", output, StringComparison.Ordinal);
        Assert.Contains("result:    42", output, StringComparison.Ordinal);
        Assert.Contains("no-such-task: PENDING", unknown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Queues_ShowWaitingTasks_AndPurgeDeletesThemOnlyWithYes()
    {
        await using var app = await TestApp.StartAsync(server, workerOptions: o => o.Queues = ["default"]);
        for (var i = 0; i < 3; i++)
        {
            await app.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(i), new TaskOptions { Queue = "idle" }, Ct);
        }

        var (_, queues, _) = await TtAsync(app, "queues");
        var (refused, _, why) = await TtAsync(app, "purge", "idle");
        var (purgeCode, purged, _) = await TtAsync(app, "purge", "idle", "--yes");
        var (_, after, _) = await TtAsync(app, "queues");

        // Nobody serves idle: its oldest waiting task's age (seconds, as the send was just now), and no consumer.
        Assert.Matches(@"(?m)^idle\s+3\s+-\s+-\s+-\s+\d+s\s+\(none", queues);
        Assert.Equal(2, refused);
        Assert.Contains("--yes", why, StringComparison.Ordinal);
        Assert.Equal(0, purgeCode);
        Assert.Contains("deleted 3 tasks from queue 'idle'", purged, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(?m)^idle\s+[1-9]", after);
    }

    [Fact]
    public async Task DeadLetters_ListedWithTheirReason_AndRequeued()
    {
        await using var app = await TestApp.StartAsync(server);
        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.NotRegistered, HandWrittenTasks.Value(1), cancellationToken: Ct);
        await Assert.ThrowsAsync<TaskFailedException>(async () => await handle.GetAsync(Timeout, Ct));

        var (_, list, _) = await TtAsync(app, "dead", "list");
        var (code, requeued, _) = await TtAsync(app, "dead", "requeue", "--all");

        Assert.Contains(handle.Id, list, StringComparison.Ordinal);
        Assert.Contains("tests.not-registered", list, StringComparison.Ordinal);
        Assert.Equal(0, code);
        Assert.Contains("requeued 1 dead letter", requeued, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revoke_ThenStatusSaysRevoked()
    {
        await using var app = await TestApp.StartAsync(server, worker: false);
        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(1), cancellationToken: Ct);

        var (code, revoked, _) = await TtAsync(app, "revoke", handle.Id);
        var (_, status, _) = await TtAsync(app, "status", handle.Id);

        Assert.Equal(0, code);
        Assert.Contains($"revoked {handle.Id}", revoked, StringComparison.Ordinal);
        Assert.Contains($"{handle.Id}: REVOKED", status, StringComparison.Ordinal);
        Assert.Equal(TaskState.Revoked, await handle.GetStatusAsync(Ct));
    }

    [Fact]
    public async Task Events_PrintsTaskEventsUntilCancelled()
    {
        await using var app = await TestApp.StartAsync(server, options: o => o.SendTaskEvents = true);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var output = new WatchedWriter();
        var running = TtCommand.RunAsync(["--url", server.Url, "--prefix", app.Prefix, "events"], output, TextWriter.Null, stop.Token);
        await output.WhenLines(l => l.Contains("listening to", StringComparison.Ordinal)).WaitAsync(Timeout, Ct);

        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(5), cancellationToken: Ct);
        await output.WhenLines(l => l.Contains("succeeded", StringComparison.Ordinal)).WaitAsync(Timeout, Ct);
        await stop.CancelAsync();

        Assert.Equal(0, await running.WaitAsync(Timeout, Ct));
        Assert.Contains($"tests.echo[{handle.Id}] attempt 1 on {app.WorkerService.Id}", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_StatusWorkersAndQueues_AreMachineReadable()
    {
        await using var app = await TestApp.StartAsync(server);
        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(4), cancellationToken: Ct);
        await handle.GetAsync(Timeout, Ct);

        var (_, status, _) = await TtAsync(app, "--json", "status", handle.Id);
        var (_, unknown, _) = await TtAsync(app, "--json", "status", "nope");
        var (_, workers, _) = await TtAsync(app, "--json", "workers");
        var (_, queues, _) = await TtAsync(app, "--json", "queues");

        using var record = System.Text.Json.JsonDocument.Parse(status);
        Assert.Equal("SUCCESS", record.RootElement.GetProperty("state").GetString());
        Assert.Equal(handle.Id, record.RootElement.GetProperty("id").GetString());
        using var pending = System.Text.Json.JsonDocument.Parse(unknown);
        Assert.Equal("PENDING", pending.RootElement.GetProperty("state").GetString());
        using var workerList = System.Text.Json.JsonDocument.Parse(workers);
        Assert.Equal(app.WorkerService.Id, Assert.Single(workerList.RootElement.EnumerateArray()).GetProperty("id").GetString());
        using var queueList = System.Text.Json.JsonDocument.Parse(queues);
        Assert.Contains(queueList.RootElement.EnumerateArray(), q => q.GetProperty("queue").GetString() == "default" && q.GetProperty("consumer").GetString() == app.Prefix + "_default");
    }

    [Fact]
    public async Task BadUsage_ExitCode2WithUsage_AndAMissingPrefixIsExplained()
    {
        var (usage, _, help) = await TtAsync(url: server.Url, prefix: "tt", "frobnicate");
        var (missing, _, why) = await TtAsync(url: server.Url, prefix: "nothing_here", "queues");

        Assert.Equal(2, usage);
        Assert.Contains("usage: tt", help, StringComparison.Ordinal);
        Assert.Equal(1, missing);
        Assert.Contains("nothing on prefix 'nothing_here'", why, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Workers_AgainstAServerThatNeverAnswers_WaitsItsConnectTimeout_ThenSaysItCannotConnect()
    {
        // A listener that accepts and stays silent: the connection never gets the server's INFO. tt waits its 5 s (NATS.Net's
        // own default is 2 s, which a busy machine's first connect can take), then exits 1 with the cause.
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var accepted = silent.AcceptSocketAsync(Ct).AsTask();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();

        var (code, _, error) = await TtAsync(url: $"nats://127.0.0.1:{((System.Net.IPEndPoint)silent.LocalEndpoint).Port}", prefix: "tt", "workers");

        var waited = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        Assert.Equal(1, code);
        Assert.StartsWith("tt: ", error, StringComparison.Ordinal);
        Assert.Contains("connect", error, StringComparison.OrdinalIgnoreCase);
        // A lower bound only: a slow machine makes it longer, never shorter.
        Assert.True(waited >= TtCommand.ConnectTimeout - TimeSpan.FromMilliseconds(100), $"tt gave up after {waited}, before its connect timeout ({TtCommand.ConnectTimeout}): {error}");
        (await accepted).Dispose();
    }

    [Fact]
    public async Task Help_OfTheRootAndOfTwoCommands_ShowsTheirOptions()
    {
        var (rootCode, root, _) = await TtAsync(url: server.Url, prefix: "tt", "--help");
        var (sendCode, send, _) = await TtAsync(url: server.Url, prefix: "tt", "send", "--help");
        var (requeueCode, requeue, _) = await TtAsync(url: server.Url, prefix: "tt", "dead", "requeue", "-h");

        Assert.Equal(new[] { 0, 0, 0 }, new[] { rootCode, sendCode, requeueCode });
        Assert.StartsWith(TtCommand.Usage, root, StringComparison.Ordinal);
        Assert.All(["--url", "--prefix", "--json", "workers", "tasks", "send", "dead", "Exit codes: 0 done, 1 failed"], text => Assert.Contains(text, root, StringComparison.Ordinal));
        Assert.Contains("tt send <task> [<json>] [options]", send, StringComparison.Ordinal);
        Assert.All(["--file", "--queue", "--id", "--countdown", "--wait", "--no-validate", "the task's queue in the catalog"], text => Assert.Contains(text, send, StringComparison.Ordinal));
        Assert.Contains("tt dead requeue [<seq>] [options]", requeue, StringComparison.Ordinal);
        Assert.All(["<seq>", "--all", "--queue"], text => Assert.Contains(text, requeue, StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnknownOptionOrBadValue_ExitCode2WithAMessageThatSaysWhatToDo()
    {
        var (unknown, _, why) = await TtAsync(url: server.Url, prefix: "tt", "workers", "--bogus");
        var (badWait, _, wait) = await TtAsync(url: server.Url, prefix: "tt", "ping", "--wait", "soon");
        var (badId, _, id) = await TtAsync(url: server.Url, prefix: "tt", "send", "tests.echo", "{}", "--id", "a.b");

        Assert.Equal(new[] { 2, 2, 2 }, new[] { unknown, badWait, badId });
        Assert.Contains("tt: Unrecognized command or argument '--bogus'", why, StringComparison.Ordinal);
        Assert.Contains("usage: tt workers [options]", why, StringComparison.Ordinal);
        Assert.Contains("'soon' is not a positive duration: use a number of seconds (0.5)", wait, StringComparison.Ordinal);
        Assert.Contains("'a.b' is not a task id: use 1 to 128 letters, digits, '-' and '_'", id, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_OfATaskAWorkerRuns_EndsSuccessWithItsResult_FromTheArgumentAFileOrStandardInput()
    {
        await using var app = await TestApp.StartAsync(server);
        var file = Path.Combine(Path.GetTempPath(), $"tt-send-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, "{\n  \"value\": 5\n}\n", Ct);
        try
        {
            var (code, waited, _) = await TtAsync(app, "send", "tests.echo", """{"value":21}""", "--wait", "30s");
            var (fileCode, fromFile, _) = await TtAsync(app, "send", "tests.echo", "--file", file, "--id", "cli-send-file");
            var stdinOutput = new StringWriter();
            var stdinCode = await TtCommand.RunAsync(["--url", server.Url, "--prefix", app.Prefix, "--json", "send", "tests.echo", "-"], stdinOutput, TextWriter.Null, new StringReader("""{"value":50}"""), environment: null, Ct).WaitAsync(Timeout, Ct);

            Assert.Equal(0, code);
            var id = waited.Split('\n')[0].Trim();
            Assert.Contains($"{id}: SUCCESS", waited, StringComparison.Ordinal);
            Assert.Contains("  task:      tests.echo", waited, StringComparison.Ordinal);
            Assert.Contains("result:    42", waited, StringComparison.Ordinal);
            Assert.Equal(42, await app.Client.GetHandle(HandWrittenTasks.Echo, id).GetAsync(Timeout, Ct));

            Assert.Equal(0, fileCode);
            Assert.Equal("cli-send-file", fromFile.Trim());
            Assert.Equal(10, await app.Client.GetHandle(HandWrittenTasks.Echo, "cli-send-file").GetAsync(Timeout, Ct));

            Assert.Equal(0, stdinCode);
            using var sent = System.Text.Json.JsonDocument.Parse(stdinOutput.ToString());
            Assert.Equal("default", sent.RootElement.GetProperty("queue").GetString());
            Assert.Equal(100, await app.Client.GetHandle(HandWrittenTasks.Echo, sent.RootElement.GetProperty("id").GetString()!).GetAsync(Timeout, Ct));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Send_OfInvalidJsonAnArrayOrTooDeepJson_SendsNothing_AndExits2()
    {
        await using var app = await TestApp.StartAsync(server, worker: false);
        // Creates the streams, and a waiting task on another queue shows the count below would see one.
        await app.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(1), new TaskOptions { Queue = "elsewhere" }, Ct);
        var deep = string.Concat(Enumerable.Repeat("""{"a":""", 65)) + "1" + new string('}', 65);

        var (invalid, _, invalidWhy) = await TtAsync(app, "send", "tests.echo", """{"value":""");
        var (array, _, arrayWhy) = await TtAsync(app, "send", "tests.echo", "[1,2]");
        var (tooDeep, _, deepWhy) = await TtAsync(app, "send", "tests.echo", deep);
        var (_, queues, _) = await TtAsync(app, "--json", "queues");

        Assert.Equal(new[] { 2, 2, 2 }, new[] { invalid, array, tooDeep });
        Assert.StartsWith("tt: the arguments are not valid JSON", invalidWhy, StringComparison.Ordinal);
        Assert.Contains("must be a JSON object", arrayWhy, StringComparison.Ordinal);
        Assert.Contains("not an array; nothing was sent", arrayWhy, StringComparison.Ordinal);
        Assert.Contains("nest deeper than 64 levels", deepWhy, StringComparison.Ordinal);
        using var list = System.Text.Json.JsonDocument.Parse(queues);
        var stored = list.RootElement.EnumerateArray().ToDictionary(q => q.GetProperty("queue").GetString()!, q => q.GetProperty("stored").GetInt64());
        Assert.Equal(1, stored["elsewhere"]);
        Assert.Equal(0, stored.GetValueOrDefault("default"));
    }

    [Fact]
    public async Task Tasks_ListsTheCatalogTheWorkerPublished_AsATableAndAsJson()
    {
        await using var app = await TestApp.StartAsync(server, tasks: b => b.AddTypedTasksIntegrationTestsTasks());

        var (code, table, _) = await TtAsync(app, "tasks");
        var (jsonCode, json, _) = await TtAsync(app, "--json", "tasks");

        Assert.Equal(0, code);
        var row = table.Split('\n').Single(l => l.StartsWith(KindTasks.AsyncTaskOfTTask.Name + " ", StringComparison.Ordinal));
        Assert.Contains(" kinds ", row, StringComparison.Ordinal);
        Assert.Contains("text: string, times: int", row, StringComparison.Ordinal);
        Assert.Contains("discountPercent: int? (optional)", table, StringComparison.Ordinal);
        Assert.Equal(0, jsonCode);
        using var entries = System.Text.Json.JsonDocument.Parse(json);
        var total = entries.RootElement.EnumerateArray().Single(e => e.GetProperty("name").GetString() == KindTasks.TotalTask.Name);
        Assert.Equal("default", total.GetProperty("queue").GetString());
        Assert.Equal("InvoiceTotal", total.GetProperty("result").GetString());
        var invoice = total.GetProperty("arguments")[0];
        Assert.Equal("invoice", invoice.GetProperty("name").GetString());
        Assert.Equal("object", invoice.GetProperty("type").GetString());
        Assert.Equal("Invoice", invoice.GetProperty("dotnetType").GetString());
        Assert.True(invoice.GetProperty("required").GetBoolean());
        Assert.False(invoice.GetProperty("nullable").GetBoolean());
        Assert.Equal(app.WorkerService.Id, total.GetProperty("writtenBy").GetString());
    }

    [Fact]
    public async Task Send_OfArgumentsThatFitTheCatalog_GoesToTheTasksQueue_AndRuns()
    {
        await using var app = await TestApp.StartAsync(server, tasks: b => b.AddTypedTasksIntegrationTestsTasks());

        var (code, output, error) = await TtAsync(app, "--json", "send", KindTasks.AsyncTaskOfTTask.Name, """{"text":"ab","times":3}""");
        var (waitCode, waited, waitError) = await TtAsync(app, "send", KindTasks.SyncValueTask.Name, """{"a":20,"b":22}""", "--wait", "30s");

        Assert.True(code == 0, error);
        Assert.Equal(string.Empty, error);
        using var sent = System.Text.Json.JsonDocument.Parse(output);
        Assert.Equal("kinds", sent.RootElement.GetProperty("queue").GetString());
        Assert.Equal("ababab", await app.Client.GetHandle(KindTasks.AsyncTaskOfTTask.Definition, sent.RootElement.GetProperty("id").GetString()!).GetAsync(Timeout, Ct));
        Assert.True(waitCode == 0, waitError);
        Assert.Contains("result:    42", waited, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_ThatDoesNotFitTheCatalog_SaysWhatIsWrong_AndSendsNothing()
    {
        // The worker publishes every task it has but takes tasks only from "elsewhere": what is sent to default or kinds stays.
        await using var app = await TestApp.StartAsync(server, tasks: b => b.AddTypedTasksIntegrationTestsTasks(), workerOptions: o => o.Queues = ["elsewhere"]);
        var add = KindTasks.SyncValueTask.Name;

        var (unknown, _, unknownWhy) = await TtAsync(app, "send", add + "s", """{"a":1,"b":2}""");
        var (missing, _, missingWhy) = await TtAsync(app, "send", add, """{"a":1}""");
        var (extra, _, extraWhy) = await TtAsync(app, "send", add, """{"a":1,"b":2,"c":3}""");
        var (kind, _, kindWhy) = await TtAsync(app, "send", add, """{"a":"1","b":2}""");
        var (isNull, _, nullWhy) = await TtAsync(app, "send", NullabilityTasks.TakeNoteTask.Name, """{"key":"k","id":null,"note":null}""");
        var (_, queues, _) = await TtAsync(app, "--json", "queues");

        Assert.Equal(new[] { 2, 2, 2, 2, 2 }, new[] { unknown, missing, extra, kind, isNull });
        Assert.StartsWith($"tt: no task '{add}s' in the task catalog", unknownWhy, StringComparison.Ordinal);
        Assert.Contains($"did you mean '{add}'", unknownWhy, StringComparison.Ordinal);
        Assert.Contains("nothing was sent", unknownWhy, StringComparison.Ordinal);
        Assert.Contains($"tt: the arguments do not fit task '{add}' (a: int, b: int); nothing was sent", missingWhy, StringComparison.Ordinal);
        Assert.Contains("missing required argument 'b': expected integer (int)", missingWhy, StringComparison.Ordinal);
        Assert.Contains("unknown argument 'c': the task takes a, b", extraWhy, StringComparison.Ordinal);
        Assert.Contains("argument 'a' must be integer (int), not a string", kindWhy, StringComparison.Ordinal);
        Assert.Contains("argument 'id' is null, but it is not nullable: expected string (string)", nullWhy, StringComparison.Ordinal);
        Assert.DoesNotContain("'note'", nullWhy, StringComparison.Ordinal);
        using var list = System.Text.Json.JsonDocument.Parse(queues);
        Assert.All(list.RootElement.EnumerateArray(), q => Assert.Equal(0, q.GetProperty("stored").GetInt64()));

        // The same send that fits is stored, on the catalog's queue (no worker takes it here): the check above is what held them back.
        var (sent, sentId, sentWhy) = await TtAsync(app, "send", add, """{"a":1,"b":2}""");
        var (_, after, _) = await TtAsync(app, "--json", "queues");
        Assert.True(sent == 0, sentWhy);
        Assert.False(string.IsNullOrWhiteSpace(sentId));
        using var stored = System.Text.Json.JsonDocument.Parse(after);
        Assert.Equal(1, stored.RootElement.EnumerateArray().Single(q => q.GetProperty("queue").GetString() == "default").GetProperty("stored").GetInt64());
    }

    [Fact]
    public async Task Send_WithoutACatalog_WarnsAndSends_AndNoValidateSendsWithoutAWord()
    {
        // No worker of this version has run on the prefix: no catalog, as with older workers.
        await using var app = await TestApp.StartAsync(server, worker: false);
        await app.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(1), new TaskOptions { Queue = "elsewhere" }, Ct);

        var (code, _, warning) = await TtAsync(app, "send", "tests.echo", """{"value":1}""");
        var (quiet, _, nothing) = await TtAsync(app, "send", "tests.unchecked", """{"anything":1}""", "--no-validate");
        var (_, queues, _) = await TtAsync(app, "--json", "queues");

        Assert.Equal(0, code);
        Assert.StartsWith($"tt: warning: no task catalog on prefix '{app.Prefix}'", warning, StringComparison.Ordinal);
        Assert.Equal(0, quiet);
        Assert.Equal(string.Empty, nothing);
        using var list = System.Text.Json.JsonDocument.Parse(queues);
        Assert.Equal(2, list.RootElement.EnumerateArray().Single(q => q.GetProperty("queue").GetString() == "default").GetProperty("stored").GetInt64());
    }

    private Task<(int Code, string Output, string Error)> TtAsync(TestApp app, params string[] args) => TtAsync(server.Url, app.Prefix, args);

    private static Task<(int Code, string Output, string Error)> TtAsync(string url, string prefix, params string[] args)
        => Tt.RunAsync(url, prefix, Timeout, Ct, args);
}
