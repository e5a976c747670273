using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;
using TypedTasks.Cli;
using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Integration.Tests;

/// <summary>
/// Issue 11 on a nats-server running <c>docs/security/nats-server.conf</c> as documented: credentials from configuration,
/// least rights per role, errors that name the real cause, and no secret in any message, log, health report or output.
/// </summary>
public sealed class SecurityTests(SecuredNatsServer nats) : IClassFixture<SecuredNatsServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Roles_AsDocumented_WorkerRunsTheProducersTask_AndTheOperatorUsesTt()
    {
        var logFrom = nats.Server.Output.Length;
        var workerSettings = nats.Settings("worker", SecuredNatsServer.WorkerPassword);
        workerSettings["TypedTasks:Worker:RemoteControl:AllowShutdown"] = "true";
        using var worker = await SecuredNatsServer.StartHostAsync(workerSettings, worker: true);
        using var producer = await StartProducerAsync();
        var workerId = worker.Services.GetServices<IHostedService>().OfType<Worker.TaskWorker>().Single().Id;

        var client = producer.Services.GetRequiredService<ITaskClient>();

        var handle = await client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(21), cancellationToken: Ct);
        var later = await client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(2), new TaskOptions { Countdown = TimeSpan.FromMilliseconds(300) }, Ct);
        var unknown = await client.EnqueueAsync(HandWrittenTasks.NotRegistered, HandWrittenTasks.Value(3), cancellationToken: Ct);

        Assert.Equal(42, await handle.GetAsync(Timeout, Ct));
        Assert.Equal(4, await later.GetAsync(Timeout, Ct));
        await Assert.ThrowsAsync<TaskFailedException>(() => unknown.GetAsync(Timeout, Ct));
        var status = await OperatorTtAsync("status", handle.Id);
        Assert.True(status.Code == 0, status.Error);
        Assert.Contains($"{handle.Id}: SUCCESS", status.Output, StringComparison.Ordinal);
        var workers = await OperatorTtAsync("workers");
        Assert.True(workers.Code == 0, workers.Error);
        Assert.Contains(workerId, workers.Output, StringComparison.Ordinal);
        var ping = await OperatorTtAsync("ping", "--wait", "1");
        Assert.True(ping.Code == 0, ping.Error);
        Assert.Contains($"{workerId}: pong", ping.Output, StringComparison.Ordinal);
        var queues = await OperatorTtAsync("queues");
        Assert.True(queues.Code == 0, queues.Error);
        // The worker role published its tasks in the catalog; the operator lists them, and tt send checks a name against them.
        var tasks = await OperatorTtAsync("tasks");
        Assert.True(tasks.Code == 0, tasks.Error);
        Assert.Contains(HandWrittenTasks.Echo.Name, tasks.Output, StringComparison.Ordinal);
        var misspelt = await OperatorTtAsync("send", "tests.ech", "{\"value\":1}");
        Assert.True(misspelt.Code == 2, misspelt.Error);
        Assert.Contains($"did you mean '{HandWrittenTasks.Echo.Name}'", misspelt.Error, StringComparison.Ordinal);
        var revoke = await OperatorTtAsync("revoke", "security-revoked-1");
        Assert.True(revoke.Code == 0, revoke.Error);
        var dead = await OperatorTtAsync("dead", "list");
        Assert.True(dead.Code == 0, dead.Error);
        Assert.Contains(unknown.Id, dead.Output, StringComparison.Ordinal);
        var purge = await OperatorTtAsync("purge", "security-idle", "--yes");
        Assert.True(purge.Code == 0, purge.Error);
        foreach (var look in new string[][] { ["queues"], ["workers"], ["status", handle.Id], ["dead", "list"], ["tasks"] })
        {
            var seen = await TtAsync(nats.Settings("monitor", SecuredNatsServer.MonitorPassword), look);
            Assert.True(seen.Code == 0, $"monitor: tt {string.Join(' ', look)}: {seen.Error}");
        }

        // Refused at once, although the publish timeout is long.
        var monitor = nats.Settings("monitor", SecuredNatsServer.MonitorPassword);
        monitor["TypedTasks:PublishTimeout"] = "00:01:00";
        var monitorPurge = await TtAsync(monitor, "purge", "security-idle", "--yes");
        Assert.Contains("tt: Permissions violation for user 'monitor': the NATS server refused to let it publish to \"$JS.API.STREAM.PURGE.TT_TASKS\"", monitorPurge.Error, StringComparison.Ordinal);

        var requeue = await OperatorTtAsync("dead", "requeue", "--all");
        Assert.True(requeue.Code == 0, requeue.Error);
        var deadPurge = await OperatorTtAsync("dead", "purge", "--yes");
        Assert.True(deadPurge.Code == 0, deadPurge.Error);
        var stopping = worker.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        var shutdown = await OperatorTtAsync("shutdown", workerId, "--yes");
        Assert.True(shutdown.Code == 0, shutdown.Error);
        await Task.Delay(System.Threading.Timeout.InfiniteTimeSpan, stopping).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(Timeout, Ct);
        await producer.StopAsync(Ct);
        await worker.StopAsync(Ct);

        // Nothing the roles did above was refused on the way (a refusal the runtime survives would hide here).
        var refusals = ViolationsSince(logFrom).Where(l => !l.Contains("\"monitor\"", StringComparison.Ordinal) && !l.Contains("user:monitor\"", StringComparison.Ordinal)).ToList();
        Assert.True(refusals.Count == 0, string.Join('\n', refusals));
    }

    /// <summary><c>tt send</c> as the operator role, which may not subscribe to result notifications: it asks for none (no
    /// <c>TT-Reply</c>, nothing subscribed), so the server refuses nothing; the task runs and its record is what any send
    /// records; with <c>--wait</c>, the record is watched in the result backend, which the role may read.</summary>
    [Fact]
    public async Task Operator_TtSend_WithAndWithoutWait_TheServerRefusesNothing()
    {
        var logFrom = nats.Server.Output.Length;
        using var worker = await SecuredNatsServer.StartHostAsync(nats.Settings("worker", SecuredNatsServer.WorkerPassword), worker: true);
        using var producer = await StartProducerAsync();
        var client = producer.Services.GetRequiredService<ITaskClient>();

        var sent = await OperatorTtAsync("send", HandWrittenTasks.Echo.Name, "{\"value\":5}", "--id", "security-send-1");
        Assert.True(sent.Code == 0, sent.Error);
        Assert.Equal("security-send-1", sent.Output.Trim());
        var handle = client.GetHandle(HandWrittenTasks.Echo, "security-send-1");
        Assert.Equal(10, await handle.GetAsync(Timeout, Ct));
        Assert.Equal(HandWrittenTasks.Echo.Name, (await handle.GetRecordAsync(Ct))!.TaskName);

        var waited = await OperatorTtAsync("send", HandWrittenTasks.Echo.Name, "{\"value\":7}", "--id", "security-send-2", "--wait", "30s");
        Assert.True(waited.Code == 0, waited.Error);
        Assert.Contains("security-send-2: SUCCESS", waited.Output, StringComparison.Ordinal);
        Assert.Contains("result:    14", waited.Output, StringComparison.Ordinal);
        await producer.StopAsync(Ct);
        await worker.StopAsync(Ct);

        // Before: the client subscribed to tt.results.<instance>.* for the send, and the server logged the refusal.
        var refusals = ViolationsSince(logFrom);
        Assert.True(refusals.Count == 0, string.Join('\n', refusals));
    }

    /// <summary>The operator sends a task due later (<c>tt send --countdown</c>): it waits where tasks due later wait (the
    /// schedule stream before 2.12, the delayed stream after) and runs once due; the server refuses nothing.</summary>
    [Fact]
    public async Task Operator_TtSendWithCountdown_RunsWhenDue_TheServerRefusesNothing()
    {
        var logFrom = nats.Server.Output.Length;
        using var worker = await SecuredNatsServer.StartHostAsync(nats.Settings("worker", SecuredNatsServer.WorkerPassword), worker: true);
        using var producer = await StartProducerAsync();
        var client = producer.Services.GetRequiredService<ITaskClient>();

        var sent = await OperatorTtAsync("send", HandWrittenTasks.Echo.Name, "{\"value\":8}", "--id", "security-later-1", "--countdown", "1s");
        Assert.True(sent.Code == 0, sent.Error);
        Assert.Equal("security-later-1", sent.Output.Trim());
        Assert.Equal(16, await client.GetHandle(HandWrittenTasks.Echo, "security-later-1").GetAsync(Timeout, Ct));
        await producer.StopAsync(Ct);
        await worker.StopAsync(Ct);

        // Before: the operator role had no right to publish to tt.scheduled.> / tt.delayed.>, and tt send failed.
        var refusals = ViolationsSince(logFrom);
        Assert.True(refusals.Count == 0, string.Join('\n', refusals));
    }

    /// <summary>Workflows under the documented roles: a producer that may not write results sends a chain, a chord and a
    /// batch with <c>RecordWorkflows</c> off and waits for them; the worker role's rights cover the chords stream (created
    /// on first use, markers stored, counted, read and purged, callbacks sent). With the records on, the same producer is
    /// refused, saying so.</summary>
    [Fact]
    public async Task Producer_SendsChainChordAndBatch_WithRecordWorkflowsOff_TheWorkerRoleRunsThem()
    {
        var logFrom = nats.Server.Output.Length;
        using var worker = await SecuredNatsServer.StartHostAsync(nats.Settings("worker", SecuredNatsServer.WorkerPassword), worker: true);
        using var producer = await StartProducerAsync(recordWorkflows: false);
        var client = producer.Services.GetRequiredService<ITaskClient>();

        var chain = await client.SendChainAsync(GroupTasks.SquareTask.Call(3).Then(ChainTasks.DescribeTask.Partial("n=")), cancellationToken: Ct);
        var chord = await client.SendChordAsync(TaskGroup.Of(Enumerable.Range(1, 4).Select(i => GroupTasks.SquareTask.Call(i))).Then(ChordTasks.TallyTask.Partial()), cancellationToken: Ct);
        var batch = await client.SendBatchAsync(TaskBatch.Of(GroupTasks.SquareTask.Call(2), GroupTasks.SquareOrFailTask.Call(1, 1)).Then(ChordTasks.OutcomeTask.Partial("roles")), cancellationToken: Ct);

        Assert.Equal("n=9", await chain.GetAsync(Timeout, Ct));
        Assert.Equal(4, await chord.GetAsync(Timeout, Ct));
        Assert.Equal("roles: 1 of 2 succeeded, 1 failed [1]", await batch.GetAsync(Timeout, Ct));
        Assert.DoesNotContain("Permissions Violation", nats.Server.Output[logFrom..], StringComparison.Ordinal);

        using var recording = await StartProducerAsync(recordWorkflows: true);
        await Assert.ThrowsAnyAsync<Exception>(async () => await recording.Services.GetRequiredService<ITaskClient>().SendChainAsync(GroupTasks.SquareTask.Call(3).Then(ChainTasks.DescribeTask.Partial("n=")), cancellationToken: Ct));
    }

    [Fact]
    public async Task Producer_CannotPurgeTheTasks_TouchResults_Revoke_OrUseRemoteControl()
    {
        using var worker = await SecuredNatsServer.StartHostAsync(nats.Settings("worker", SecuredNatsServer.WorkerPassword), worker: true);
        using var producer = await StartProducerAsync();
        var handle = await producer.Services.GetRequiredService<ITaskClient>().EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(4), cancellationToken: Ct);
        await handle.GetAsync(Timeout, Ct);
        await using var raw = nats.Connect("producer", SecuredNatsServer.ProducerPassword);
        var js = new NatsJSContext(raw);
        var results = await new NatsKVContext(js).GetStoreAsync("TT_RESULTS", Ct);

        await RefusedAsync(raw, "$JS.API.STREAM.PURGE.TT_TASKS", token => js.PurgeStreamAsync("TT_TASKS", new NATS.Client.JetStream.Models.StreamPurgeRequest(), token).AsTask());
        await RefusedAsync(raw, "$KV.TT_RESULTS." + handle.Id, token => results.PutAsync(handle.Id, "forged"u8.ToArray(), cancellationToken: token).AsTask());
        await RefusedAsync(raw, "$KV.TT_RESULTS." + handle.Id, token => results.DeleteAsync(handle.Id, cancellationToken: token).AsTask());
        await RefusedAsync(raw, "$JS.API.STREAM.PURGE.KV_TT_RESULTS", token => js.PurgeStreamAsync("KV_TT_RESULTS", new NATS.Client.JetStream.Models.StreamPurgeRequest(), token).AsTask());
        // A KV put is a publish to $KV.<bucket>.<key> (the producer may not even open the revocation bucket).
        await RefusedAsync(raw, "$KV.TT_REVOKED." + handle.Id, token => js.PublishAsync("$KV.TT_REVOKED." + handle.Id, """{"terminate":true}"""u8.ToArray(), cancellationToken: token).AsTask());
        await RefusedAsync(raw, "tt.control.all", token => raw.PublishAsync("tt.control.all", "shutdown"u8.ToArray(), cancellationToken: token).AsTask());

        // What the producer tried changed nothing: its own result is intact and the worker still runs.
        Assert.Equal(TaskState.Success, await handle.GetStatusAsync(Ct));
        var again = await producer.Services.GetRequiredService<ITaskClient>().EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(5), cancellationToken: Ct);
        Assert.Equal(10, await again.GetAsync(Timeout, Ct));
    }

    [Fact]
    public async Task Tt_WithCredentialsOnlyInTheEnvironment_Connects()
    {
        using var worker = await SecuredNatsServer.StartHostAsync(nats.Settings("worker", SecuredNatsServer.WorkerPassword), worker: true);
        var dll = Path.Combine(AppContext.BaseDirectory, "tt.dll");
        var start = new ProcessStartInfo("dotnet") { ArgumentList = { dll, "--json", "workers" }, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (key, value) in nats.Settings("operator", SecuredNatsServer.OperatorPassword))
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        using var tt = Process.Start(start)!;
        var output = tt.StandardOutput.ReadToEndAsync(Ct);
        var error = tt.StandardError.ReadToEndAsync(Ct);
        await tt.WaitForExitAsync(Ct).WaitAsync(Timeout, Ct);

        Assert.True(tt.ExitCode == 0, await error);
        Assert.Contains(worker.Services.GetServices<IHostedService>().OfType<Worker.TaskWorker>().Single().Id, await output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongPassword_SendingAndTt_SayAuthorizationViolationForTheUser_First()
    {
        var settings = nats.Settings("producer", "not-the-password");
        settings["TypedTasks:CreateInfrastructure"] = "false";
        using var producer = await SecuredNatsServer.StartHostAsync(settings, worker: false);

        var error = await Assert.ThrowsAsync<TaskEnqueueException>(() => producer.Services.GetRequiredService<ITaskClient>().EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(1), cancellationToken: Ct).AsTask().WaitAsync(Timeout, Ct));
        var tt = await TtAsync(nats.Settings("operator", "not-the-password"), "workers");

        Assert.StartsWith("Authorization violation for user 'producer' — check TypedTasks:Auth", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("safe to send again", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, tt.Code);
        Assert.StartsWith("tt: Authorization violation for user 'operator' — check TypedTasks:Auth", tt.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProducerWithoutRightsToCreateStreams_FailsAtOnce_NamingTheRefusedSubject()
    {
        // CreateInfrastructure stays on (the default), and the publish timeout is long: the refusal must not wait for it.
        var settings = nats.Settings("producer", SecuredNatsServer.ProducerPassword);
        settings["TypedTasks:PublishTimeout"] = "00:01:00";
        using var producer = await SecuredNatsServer.StartHostAsync(settings, worker: false);

        var error = await Assert.ThrowsAsync<TaskEnqueueException>(() => producer.Services.GetRequiredService<ITaskClient>().EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(1), cancellationToken: Ct).AsTask().WaitAsync(Timeout, Ct));

        Assert.StartsWith("Permissions violation for user 'producer': the NATS server refused to let it publish to \"$JS.API.STREAM.", error.Message, StringComparison.Ordinal);
        Assert.Contains("TypedTasks:CreateInfrastructure=false", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProducerSendingWhereItMayNot_SaysWhichSubjectWasRefused()
    {
        var settings = nats.Settings("producer", SecuredNatsServer.ProducerPassword);
        settings["TypedTasks:CreateInfrastructure"] = "false";
        settings["TypedTasks:Prefix"] = "other";
        settings["TypedTasks:PublishTimeout"] = "00:00:01";
        using var producer = await SecuredNatsServer.StartHostAsync(settings, worker: false);

        var error = await Assert.ThrowsAsync<TaskEnqueueException>(() => producer.Services.GetRequiredService<ITaskClient>().EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(1), cancellationToken: Ct).AsTask().WaitAsync(Timeout, Ct));

        Assert.StartsWith("Permissions violation for user 'producer': the NATS server refused to let it publish to \"other.tasks.default\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Secrets_AreInNoException_LogLine_HealthReport_OrTtOutput()
    {
        const string WrongPassword = "wr0ng-Secret-4a7d";
        const string Token = "t0ken-Secret-8e2b";
        var logs = new CapturedLogs();
        var seen = new List<string>();

        // The right password in the URL: a healthy producer reports its server without it.
        var inUrl = new Dictionary<string, string>
        {
            ["TypedTasks:Url"] = nats.Url.Replace("nats://", $"nats://producer:{SecuredNatsServer.ProducerPassword}@", StringComparison.Ordinal),
            ["TypedTasks:InboxPrefix"] = "_INBOX_producer",
            ["TypedTasks:CreateInfrastructure"] = "false",
        };
        using (var healthy = await SecuredNatsServer.StartHostAsync(inUrl, worker: false, logs, s => s.AddHealthChecks().AddTypedTasks()))
        {
            var report = await healthy.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Ct);
            Assert.Equal(HealthStatus.Healthy, report.Status);
            seen.Add(Describe(report));
        }

        // Wrong secrets, in the URL and as a token: every failure says why without them.
        foreach (var settings in new[]
        {
            new Dictionary<string, string> { ["TypedTasks:Url"] = nats.Url.Replace("nats://", $"nats://producer:{WrongPassword}@", StringComparison.Ordinal) },
            new Dictionary<string, string> { ["TypedTasks:Url"] = nats.Url, ["TypedTasks:Auth:Token"] = Token },
        })
        {
            using var failing = await SecuredNatsServer.StartHostAsync(settings, worker: false, logs, s => s.AddHealthChecks().AddTypedTasks());
            var error = await Assert.ThrowsAsync<TaskEnqueueException>(() => failing.Services.GetRequiredService<ITaskClient>().EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(1), cancellationToken: Ct).AsTask().WaitAsync(Timeout, Ct));
            var report = await failing.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Ct);
            Assert.Equal(HealthStatus.Unhealthy, report.Status);
            seen.Add(error.ToString());
            seen.Add(Describe(report));
            var tt = await TtAsync(settings, "status", "some-task");
            Assert.Equal(1, tt.Code);
            seen.Add(tt.Output + tt.Error);
        }

        var tt2 = await TtAsync(new Dictionary<string, string>(), "--url", nats.Url.Replace("nats://", $"nats://operator:{WrongPassword}@", StringComparison.Ordinal), "queues");
        Assert.Equal(1, tt2.Code);
        seen.Add(tt2.Output + tt2.Error);
        seen.Add(logs.Text);

        var everything = string.Join('\n', seen);
        Assert.Contains("producer:***@", everything, StringComparison.Ordinal);
        foreach (var secret in new[] { SecuredNatsServer.ProducerPassword, WrongPassword, Token })
        {
            Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
        }
    }

    /// <summary>The server's log lines since <paramref name="from"/> (a length of its output) that report a violation.</summary>
    private List<string> ViolationsSince(int from)
        => nats.Server.Output[from..].Split('\n').Where(l => l.Contains("Violation", StringComparison.Ordinal)).ToList();

    private async Task<IHost> StartProducerAsync(bool recordWorkflows = true)
    {
        var settings = nats.Settings("producer", SecuredNatsServer.ProducerPassword);
        // Producers create nothing: the workers' role does (docs/security.md).
        settings["TypedTasks:CreateInfrastructure"] = "false";
        if (!recordWorkflows)
        {
            // Producers write no results: workflows' records are left to the workers.
            settings["TypedTasks:ResultBackend:RecordWorkflows"] = "false";
        }

        return await SecuredNatsServer.StartHostAsync(settings, worker: false);
    }

    private Task<(int Code, string Output, string Error)> OperatorTtAsync(params string[] args)
        => TtAsync(nats.Settings("operator", SecuredNatsServer.OperatorPassword), args);

    private static async Task<(int Code, string Output, string Error)> TtAsync(Dictionary<string, string> settings, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var environment = settings.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value);
        var code = await TtCommand.RunAsync(args, output, error, environment, Ct).WaitAsync(Timeout, Ct);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Starts an attempt and waits for the server's refusal naming <paramref name="subject"/>, then stops it.</summary>
    private static async Task RefusedAsync(NatsConnection connection, string subject, Func<CancellationToken, Task> attempt)
    {
        var refused = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        ValueTask OnError(object? sender, NatsServerErrorEventArgs args)
        {
            if (args.Error.Contains($"\"{subject}\"", StringComparison.Ordinal))
            {
                refused.TrySetResult(args.Error);
            }

            return default;
        }

        connection.ServerError += OnError;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var running = attempt(stop.Token);
        try
        {
            var error = await refused.Task.WaitAsync(Timeout, Ct);
            Assert.StartsWith("Permissions Violation for Publish to", error, StringComparison.Ordinal);
        }
        finally
        {
            connection.ServerError -= OnError;
            await stop.CancelAsync();
            await running.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private static string Describe(HealthReport report)
        => string.Join('\n', report.Entries.Select(e => $"{e.Key} {e.Value.Status} {e.Value.Description} {e.Value.Exception} "
            + string.Join(", ", e.Value.Data.Select(d => $"{d.Key}={d.Value}"))));
}
