using System.Globalization;
using System.Text;
using CsCheck;
using Microsoft.Extensions.Primitives;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using TypedTasks.Fault.Tests.Infrastructure;
using TypedTasks.WorkerHost;

namespace TypedTasks.Fault.Tests;

/// <summary>
/// Scenario 8 (issue 14): a property-based poison test. A batch of valid and poisonous task messages, generated with
/// CsCheck from one seed (<see cref="PoisonBatch"/>), is published raw to a real nats-server in front of a real worker
/// process. Properties: the worker never crashes or stalls and drains; every valid task runs exactly once (ledger) and
/// stores SUCCESS; every bad message is dead-lettered exactly once with a reason and its original headers and body, and
/// never runs; a message expired on arrival is REVOKED; a second message with a finished task's TT-Id does not run;
/// nothing is left for the queue's consumer; deliveries stay bounded (no loops); the worker publishes to no forged reply
/// subject.
/// </summary>
/// <remarks>
/// Why one seed for the whole batch rather than CsCheck's <c>Sample</c> with shrinking: one run drives a server and a
/// worker process for tens of seconds, so shrinking (hundreds of runs) is out of reach, and the properties are about the
/// batch as a whole (a loop or a stalled worker shows up only among many messages). The batch is generated from one
/// <see cref="PCG"/> seed, printed at the start; on failure the test prints the seed (rerun with
/// <c>POISON_SEED=&lt;seed&gt;</c> for the same batch) and a readable description of every offending message, which is
/// the small case to turn into a focused test.
/// </remarks>
public sealed class PoisonTests
{
    [Fact]
    public async Task PoisonBatch_BadMessagesDeadLetteredOnce_ValidOnesRunOnce_WorkerSurvivesAndDrains()
    {
        var count = FaultSettings.Size(3_000, 10_000);
        var seed = Environment.GetEnvironmentVariable("POISON_SEED") is { Length: > 0 } given ? given : new PCG((uint)Random.Shared.Next(), (ulong)Random.Shared.NextInt64()).ToString();
        var options = new FaultRunOptions
        {
            Settings = new Dictionary<string, string?>
            {
                // The schedule stream on every server, so the mover's checks (§4b) run on 2.15.1 too.
                ["TypedTasks:Broker:Scheduling"] = "ScheduleStream",
                ["TypedTasks:Worker:Intake:MaxBodyBytes"] = PoisonBatch.MaxBodyBytes.ToString(CultureInfo.InvariantCulture),
            },
        };
        await using var server = new NatsNode();
        await server.StartAsync(FaultRun.Ct);
        await using var fault = await FaultRun.StartAsync("poison", server.Url, server.Version, options);
        var batch = new PoisonBatch(fault.Prefix).Generate(seed, count);
        FaultRun.Log($"poison: seed {seed} (POISON_SEED={seed} reproduces the batch), {count} messages: " + string.Join(", ", batch.GroupBy(m => m.Expect).Select(g => $"{g.Key} {g.Count()}")));
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var prefix = fault.Prefix.ToLowerInvariant();
        var upper = fault.Prefix.ToUpperInvariant();
        var tasksSubject = prefix + ".tasks.default";
        var scheduleSubject = prefix + ".scheduled.default";
        await using var nats = new NatsConnection(new NatsOpts { Url = server.Url, Name = "poison-producer" });
        var js = new NatsJSContext(nats);
        // Where forged TT-Reply values point: nothing may arrive.
        await using var forgedPurge = await nats.SubscribeCoreAsync<byte[]>("$JS.API.STREAM.PURGE.>", cancellationToken: FaultRun.Ct);
        await using var forgedKv = await nats.SubscribeCoreAsync<byte[]>($"$KV.{upper}_RESULTS.poison_victim", cancellationToken: FaultRun.Ct);
        await using var forgedQueue = await nats.SubscribeCoreAsync<byte[]>(prefix + ".tasks.poison_victim", cancellationToken: FaultRun.Ct);

        var worker = fault.StartWorker();
        var failures = new List<(PoisonMessage Message, string Problem)>();
        // The worker creates the queue's consumer and the schedule stream: publish once both exist.
        await Until.TrueAsync(
            async () =>
            {
                try
                {
                    await js.GetStreamAsync(upper + "_SCHEDULED", cancellationToken: FaultRun.Ct);
                    await js.GetConsumerAsync(upper + "_TASKS", prefix + "_default", FaultRun.Ct);
                    return true;
                }
                catch (NatsJSApiException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(60),
            () => $"the worker did not create its consumer and the schedule stream\n{worker.Output}",
            FaultRun.Ct);
        var stored = new Dictionary<string, PoisonMessage>(StringComparer.Ordinal); // "subject#seq" → message

        // Phase 1: the batch, 32 publishes in flight.
        using (var gate = new SemaphoreSlim(32))
        {
            var publishes = new List<Task>();
            foreach (var message in batch)
            {
                await gate.WaitAsync(FaultRun.Ct);
                publishes.Add(Task.Run(
                    async () =>
                    {
                        try
                        {
                            string? problem;
                            try
                            {
                                problem = await PublishAsync(message);
                            }
                            catch (NatsException ex)
                            {
                                problem = $"publishing it threw {ex.GetType().Name}: {ex.Message}";
                            }

                            if (problem is not null)
                            {
                                lock (failures)
                                {
                                    failures.Add((message, problem));
                                }
                            }
                        }
                        finally
                        {
                            gate.Release();
                        }
                    },
                    FaultRun.Ct));
            }

            await Task.WhenAll(publishes);
        }

        var published = clock.Elapsed;
        FailIfAny("publishing");

        // Drained: the consumer has delivered and settled everything stored so far; every expected dead letter is there.
        var expectedDead = batch.Count(m => m.Expect == PoisonExpect.Dead);
        var state = await WaitSettledAsync();
        var dead = await ReadDeadLettersAsync(expectedDead);

        // Phase 2: a finished task's TT-Id sent again under a new Nats-Msg-Id (after the duplicate window in real life):
        // acked without running, not dead-lettered (docs/protocol.md §3 step 4).
        var again = batch.Where(m => m.SendAgainLater).ToList();
        await Inspector.RetryAsync(() => fault.Inspector.RecordsAsync(again.Select(m => m.RunId!), FaultRun.Ct), FaultRun.Ct);
        foreach (var message in again)
        {
            var headers = ToNatsHeaders(message.Headers);
            headers["Nats-Msg-Id"] = message.RunId + "-again";
            var ack = await js.PublishAsync(tasksSubject, message.Body, headers: headers, cancellationToken: FaultRun.Ct);
            ack.EnsureSuccess();
        }

        state = await WaitSettledAsync();
        var duration = clock.Elapsed;
        dead = await ReadDeadLettersAsync(expectedDead);

        // The worker is alive and still serving: a last valid task runs.
        var sentinel = await fault.Producer.Client.FaultWork().ApplyAsync(-1, 0, new TaskOptions { TaskId = "poison-sentinel" }, FaultRun.Ct);
        Assert.Equal(-1, await sentinel.GetAsync(TimeSpan.FromSeconds(60), FaultRun.Ct));
        Assert.False(worker.HasExited, $"the worker process exited:\n{worker.Output}");

        // Runs: exactly once for each valid message, never for anything else.
        var lines = fault.Ledger.Lines;
        fault.Ledger.Refresh();
        lines = fault.Ledger.Lines;
        var runs = lines.GroupBy(l => l.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var byRunId = batch.Where(m => m.RunId is not null).ToDictionary(m => m.RunId!, StringComparer.Ordinal);
        var records = await fault.Inspector.RecordsAsync(batch.Where(m => m.RunId is not null).Select(m => m.RunId!), FaultRun.Ct);
        foreach (var message in batch.Where(m => m.Expect == PoisonExpect.Run))
        {
            var mine = runs.GetValueOrDefault(message.RunId!) ?? [];
            if (mine.Count(l => l.Kind == 'S') != 1 || mine.Count(l => l.Kind == 'E') != 1)
            {
                failures.Add((message, $"ran {mine.Count(l => l.Kind == 'S')} times (ended {mine.Count(l => l.Kind == 'E')}), not once"));
            }

            if (!records.TryGetValue(message.RunId!, out var record) || record.State != "SUCCESS")
            {
                failures.Add((message, $"record {record?.State ?? "none"}, not SUCCESS"));
            }
        }

        foreach (var message in batch.Where(m => m.Expect == PoisonExpect.Revoked))
        {
            if (!records.TryGetValue(message.RunId!, out var record) || record.State != "REVOKED")
            {
                failures.Add((message, $"record {record?.State ?? "none"}, not REVOKED"));
            }
        }

        foreach (var (id, mine) in runs.Where(r => r.Key != "poison-sentinel"))
        {
            if (!byRunId.TryGetValue(id, out var message) || message.Expect != PoisonExpect.Run)
            {
                var culprit = message ?? batch.FirstOrDefault(m => m.Headers.Any(h => h.Key == "TT-Id" && h.Value.Trim(' ', '\t') == id));
                failures.Add((culprit ?? new PoisonMessage(0, "unknown", PoisonExpect.Dead, null, false, [], []), $"ran as task id '{PoisonMessage.Show(id)}' ({mine.Count(l => l.Kind == 'S')} starts), but must never run"));
            }
        }

        // Dead letters: exactly one per bad message, with its reason and its original; none for anything else.
        var deadBy = new Dictionary<int, List<INatsJSMsg<byte[]>>>();
        foreach (var letter in dead)
        {
            var headers = letter.Headers;
            var key = $"{headers?.GetValueOrDefault("TT-Dead-Subject")}#{headers?.GetValueOrDefault("TT-Dead-Sequence")}";
            if (!stored.TryGetValue(key, out var message))
            {
                failures.Add((new PoisonMessage(0, "unexpected dead letter", PoisonExpect.Dead, null, false, headers?.Select(h => new KeyValuePair<string, string>(h.Key, h.Value.ToString())).ToList() ?? [], letter.Data ?? []), $"a dead letter from {key} that matches no bad message sent"));
                continue;
            }

            (deadBy.TryGetValue(message.Index, out var list) ? list : deadBy[message.Index] = []).Add(letter);
        }

        foreach (var message in batch)
        {
            var letters = deadBy.GetValueOrDefault(message.Index) ?? [];
            if (message.Expect != PoisonExpect.Dead)
            {
                if (letters.Count > 0)
                {
                    failures.Add((message, $"dead-lettered ({letters[0].Headers?.GetValueOrDefault("TT-Dead-Reason")}) but must not be"));
                }

                continue;
            }

            if (letters.Count != 1)
            {
                failures.Add((message, $"{letters.Count} dead letters, not 1"));
                continue;
            }

            if (CheckDeadLetter(message, letters[0]) is { } problem)
            {
                failures.Add((message, problem));
            }
        }

        // Nothing left for the consumer; the schedule stream emptied; no loops; nothing published to a forged reply.
        var scheduleStream = await js.GetStreamAsync(upper + "_SCHEDULED", cancellationToken: FaultRun.Ct);
        var consumer = await js.GetConsumerAsync(upper + "_TASKS", prefix + "_default", FaultRun.Ct);
        var tasksStream = await js.GetStreamAsync(upper + "_TASKS", cancellationToken: FaultRun.Ct);
        var deliveries = consumer.Info.Delivered.ConsumerSeq;
        var storedTasks = tasksStream.Info.State.LastSeq;
        var redeliveries = (long)deliveries - (long)storedTasks;
        var forged = forgedPurge.Msgs.Count + forgedKv.Msgs.Count + forgedQueue.Msgs.Count;

        var counts = batch.GroupBy(m => m.Expect).ToDictionary(g => g.Key, g => g.Count());
        var notes = new Dictionary<string, string>
        {
            ["seed"] = seed,
            ["messages"] = $"{batch.Count} generated: {counts.GetValueOrDefault(PoisonExpect.Run)} valid, {counts.GetValueOrDefault(PoisonExpect.Dead)} bad, {counts.GetValueOrDefault(PoisonExpect.Revoked)} expired; {batch.Count(m => m.ResendSameMsgId)} resent with the same Nats-Msg-Id, {again.Count} sent again later",
            ["dead letters"] = $"{dead.Count} ({deadBy.Count(kv => kv.Value.Count == 1)} bad messages with exactly one)",
            ["deliveries"] = $"{deliveries} for {storedTasks} stored on the task stream ({redeliveries} more)",
            ["published in"] = $"{published.TotalSeconds:F1} s",
        };
        var sends = batch.Where(m => m.Expect == PoisonExpect.Run).Select(m => new SendOutcome(m.RunId!, true, null)).ToList();
        var result = ScenarioResult.Analyse("poison", fault.Server, sends, lines.Where(l => byRunId.ContainsKey(l.Id)).ToList(), records, [], state, duration, notes);
        FaultRun.Report(result);

        Assert.True(state.Drained, $"the consumer is not drained: {state}");
        Assert.Equal(0L, scheduleStream.Info.State.Messages);
        // A bad message is settled once (+TERM); a valid one once. A few redeliveries on a busy machine are not a loop;
        // a loop is a message delivered again and again, which would also keep the consumer from draining.
        Assert.True(redeliveries <= 20 + (long)storedTasks / 20, $"{redeliveries} redeliveries for {storedTasks} messages: a message loops");
        Assert.True(forged == 0, $"{forged} messages arrived on subjects that forged TT-Reply headers named");
        FailIfAny("checking");

        async Task<string?> PublishAsync(PoisonMessage message)
        {
            if (message.ViaClient)
            {
                await fault.Producer.Client.FaultWork().ApplyAsync(message.Index, 0, new TaskOptions { TaskId = message.RunId }, FaultRun.Ct);
                return null;
            }

            var subject = message.Scheduled ? scheduleSubject : tasksSubject;
            if (message.RawHeaderBlock is { } block)
            {
                var seq = await RawPublishAsync(server.Port, subject, block, message.Body);
                lock (stored)
                {
                    stored[$"{subject}#{seq}"] = message;
                }

                return null;
            }

            var ack = await js.PublishAsync(subject, message.Body, headers: ToNatsHeaders(message.Headers), cancellationToken: FaultRun.Ct);
            if (ack.Error is { } error)
            {
                return $"the broker refused it: {error.Code} {error.Description}";
            }

            if (ack.Duplicate)
            {
                return "the broker dropped it as a duplicate";
            }

            lock (stored)
            {
                stored[$"{subject}#{ack.Seq}"] = message;
            }

            if (message.ResendSameMsgId)
            {
                var copy = await js.PublishAsync(subject, message.Body, headers: ToNatsHeaders(message.Headers), cancellationToken: FaultRun.Ct);
                if (!copy.Duplicate)
                {
                    return $"a copy with the same Nats-Msg-Id was stored again (seq {copy.Seq})";
                }
            }

            return null;
        }

        async Task<QueueState> WaitSettledAsync()
        {
            QueueState? last = null;
            await Until.TrueAsync(
                async () =>
                {
                    last = await fault.Inspector.QueueAsync(FaultRun.Ct);
                    var schedule = await js.GetStreamAsync(upper + "_SCHEDULED", cancellationToken: FaultRun.Ct);
                    return last.Drained && last.AckFloor >= last.LastSequence && schedule.Info.State.Messages == 0 && !worker.HasExited;
                },
                FaultSettings.Size(TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(300)),
                () => $"not settled (seed {seed}): {last}; worker {(worker.HasExited ? "exited" : "running")}\n{Tail(worker.Output)}",
                FaultRun.Ct);
            return last!;
        }

        async Task<List<INatsJSMsg<byte[]>>> ReadDeadLettersAsync(int atLeast)
        {
            try
            {
                await Until.TrueAsync(
                    async () => (await js.GetStreamAsync(upper + "_DEAD", cancellationToken: FaultRun.Ct)).Info.State.Messages >= atLeast,
                    TimeSpan.FromSeconds(30),
                    () => $"fewer than {atLeast} dead letters (seed {seed})",
                    FaultRun.Ct);
            }
            catch (TimeoutException)
            {
                // The queue is settled, so no more will come: the checks below name the bad messages without one.
            }

            var total = (await js.GetStreamAsync(upper + "_DEAD", cancellationToken: FaultRun.Ct)).Info.State.Messages;
            var letters = new List<INatsJSMsg<byte[]>>();
            var reader = await js.CreateOrderedConsumerAsync(upper + "_DEAD", cancellationToken: FaultRun.Ct);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(FaultRun.Ct);
            cts.CancelAfter(TimeSpan.FromSeconds(60));
            await foreach (var letter in reader.ConsumeAsync<byte[]>(cancellationToken: cts.Token))
            {
                letters.Add(letter);
                if (letters.Count >= total)
                {
                    break;
                }
            }

            return letters;
        }

        void FailIfAny(string stage)
        {
            if (failures.Count == 0)
            {
                return;
            }

            var text = new StringBuilder();
            text.Append(CultureInfo.InvariantCulture, $"Poison test failed while {stage}: {failures.Count} problems with {failures.Select(f => f.Message.Index).Distinct().Count()} messages. Seed {seed}: rerun with POISON_SEED={seed} ({(FaultSettings.Full ? "FAULT_FULL=1, " : "")}{count} messages). Offending messages (first 25):\n");
            foreach (var group in failures.GroupBy(f => f.Message.Index).Take(25))
            {
                text.Append(CultureInfo.InvariantCulture, $"- {string.Join("; ", group.Select(f => f.Problem))}\n  {group.First().Message.Describe()}\n");
            }

            text.Append(CultureInfo.InvariantCulture, $"Problems by kind: {string.Join(", ", failures.GroupBy(f => f.Message.Kind).Select(g => $"{g.Key} ×{g.Count()}"))}\n--- worker ---\n{Tail(worker.Output)}");
            Assert.Fail(text.ToString());
        }
    }

    /// <summary>Null when the dead letter carries a reason with the expected words, the original headers (values cut to
    /// 256 characters when it says the headers were truncated) and the original body (or a prefix, when it says so).</summary>
    private static string? CheckDeadLetter(PoisonMessage message, INatsJSMsg<byte[]> letter)
    {
        var headers = letter.Headers ?? new NatsHeaders();
        var reason = headers.GetValueOrDefault("TT-Dead-Reason");
        if (string.IsNullOrEmpty(reason))
        {
            return "the dead letter has no TT-Dead-Reason";
        }

        if (message.Reason is { } part && !reason.Contains(part, StringComparison.Ordinal))
        {
            return $"the reason '{reason}' does not say '{part}'";
        }

        if (message.RawHeaderBlock is { } block)
        {
            // Kept as the server stores it, base64, not as headers (docs/protocol.md §7).
            var raw = headers.GetValueOrDefault("TT-Dead-Raw-Headers");
            if (raw is null || Encoding.UTF8.GetString(Convert.FromBase64String(raw)) != block)
            {
                return $"the dead letter's TT-Dead-Raw-Headers ({PoisonMessage.Show(raw ?? "absent")}) is not the original block";
            }

            return message.Body.AsSpan().SequenceEqual(letter.Data ?? []) ? null : "the dead letter's body is not the original's";
        }

        var truncated = headers.GetValueOrDefault("TT-Dead-Truncated") ?? string.Empty;
        var body = letter.Data ?? [];
        var bodyCut = truncated.Contains("body (", StringComparison.Ordinal);
        if (bodyCut ? !message.Body.AsSpan().StartsWith(body) : !message.Body.AsSpan().SequenceEqual(body))
        {
            return $"the dead letter's body ({body.Length} bytes{(bodyCut ? ", flagged truncated" : "")}) is not the original's ({message.Body.Length} bytes)";
        }

        var headersCut = truncated.Contains("headers (", StringComparison.Ordinal);
        foreach (var group in message.Headers.Where(h => h.Key != "Nats-Msg-Id").GroupBy(h => h.Key))
        {
            // What the worker saw: NATS.Net writes values as ASCII and trims spaces and tabs when it reads them
            // (docs/protocol.md, "Known limits").
            var sent = group.Select(h => Ascii(h.Value).Trim(' ', '\t')).Select(v => headersCut && v.Length > 256 ? v[..256] : v).ToArray();
            if (!headers.TryGetValue(group.Key, out var kept))
            {
                if (sent.All(v => v.Length == 0))
                {
                    continue;
                }

                return $"the dead letter lacks the original header {group.Key}";
            }

            if (!kept.ToArray().SequenceEqual(sent))
            {
                return $"the dead letter's {group.Key} is {PoisonMessage.Show(kept.ToString())}, the original's {PoisonMessage.Show(string.Join(",", sent))}";
            }
        }

        return null;
    }

    /// <summary>
    /// Publishes a message with a header block exactly as given over a plain socket (HPUB with a reply inbox), as a
    /// foreign producer could; returns the stream sequence from the JetStream acknowledgement.
    /// </summary>
    private static async Task<ulong> RawPublishAsync(int port, string subject, string headerBlock, byte[] body)
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync("127.0.0.1", port, FaultRun.Ct);
        await using var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
        Assert.StartsWith("INFO ", await reader.ReadLineAsync(FaultRun.Ct), StringComparison.Ordinal);
        var headers = Encoding.ASCII.GetBytes(headerBlock);
        // Its own inbox: concurrent raw publishes must not read each other's acknowledgements.
        var inbox = "_INBOX.poison" + Guid.NewGuid().ToString("N");
        var command = new MemoryStream();
        command.Write(Encoding.ASCII.GetBytes($"CONNECT {{\"verbose\":false,\"pedantic\":false,\"headers\":true,\"protocol\":1}}\r\nSUB {inbox} 1\r\nHPUB {subject} {inbox} {headers.Length} {headers.Length + body.Length}\r\n"));
        command.Write(headers);
        command.Write(body);
        command.Write("\r\n"u8);
        await stream.WriteAsync(command.ToArray(), FaultRun.Ct);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(FaultRun.Ct);
        cts.CancelAfter(TimeSpan.FromSeconds(30));
        while (await reader.ReadLineAsync(cts.Token) is { } line)
        {
            if (line.StartsWith("MSG ", StringComparison.Ordinal))
            {
                // The acknowledgement: {"stream":"…","seq":N} on the next line.
                var ack = await reader.ReadLineAsync(cts.Token) ?? string.Empty;
                using var json = System.Text.Json.JsonDocument.Parse(ack);
                return json.RootElement.GetProperty("seq").GetUInt64();
            }

            Assert.False(line.StartsWith("-ERR", StringComparison.Ordinal), $"the server refused a raw publish: {line}");
        }

        throw new InvalidOperationException("The server closed the connection before acknowledging a raw publish.");
    }

    private static string Ascii(string value) => new(value.Select(c => c < 128 ? c : '?').ToArray());

    private static NatsHeaders ToNatsHeaders(IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        var result = new NatsHeaders();
        foreach (var (name, value) in headers)
        {
            result[name] = result.TryGetValue(name, out var existing) ? StringValues.Concat(existing, value) : new StringValues(value);
        }

        return result;
    }

    private static string Tail(string text) => text.Length > 3000 ? text[^3000..] : text;
}

/// <summary>Reads one header value or null.</summary>
internal static class PoisonHeaderExtensions
{
    public static string? GetValueOrDefault(this NatsHeaders headers, string name)
        => headers.TryGetValue(name, out var values) ? values.ToString() : null;
}
