#!/usr/bin/env python3
# Instruments a worktree's L round trip with stage timestamps, for comparing two builds stage by stage (never committed
# into a build: it edits the worktree's sources). Stages: 0 before the client's publish, 1 its PubAck, 2 the worker holds
# the message, 3 a slot starts it, 4 it ran, 5 its record is stored, 6 acked, 7 notification published, 8 the client's
# listener has it, 9 GetAsync returned. The bench's L then prints one line per run on stderr:
#   LTRACE n=1100 s0->1=..us s1->2=..us ... (median of each stage's duration over the run's round trips)
#
#   bench/ab/l-stages.py WORKTREE main|base      (written against main 0dcea63; base: e8dfb29 with e8dfb29-driver.patch applied)
#   (cd WORKTREE && dotnet build bench/TypedTasks.Bench -c Release -p:TreatWarningsAsErrors=false)
#   (cd WORKTREE && dotnet bench/TypedTasks.Bench/bin/Release/net10.0/TypedTasks.Bench.dll L 2>&1 | grep LTRACE)
import sys,re
root, kind = sys.argv[1], sys.argv[2]
def edit(p, old, new, count=1):
    s=open(root+'/'+p).read()
    assert old in s, (p, old)
    s=s.replace(old,new,count)
    open(root+'/'+p,'w').write(s)
open(root+'/src/Runtime/LTrace.cs','w').write('''namespace TypedTasks;
/// <summary>Bench-only stage timestamps.</summary>
public static class LTrace
{
    /// <summary>Marks.</summary>
    public static readonly System.Collections.Concurrent.ConcurrentDictionary<string, long[]> D = new();
    /// <summary>Mark.</summary>
    public static void Mark(string? id, int stage)
    {
        if (id is null) return;
        D.GetOrAdd(id, static _ => new long[10])[stage] = System.Diagnostics.Stopwatch.GetTimestamp();
    }
}
''')
edit('src/Runtime/Client/TaskClient.cs', '            var ack = await _connection.JetStream.PublishAsync(', '            LTrace.Mark(id, 0);\n            var ack = await _connection.JetStream.PublishAsync(')
edit('src/Runtime/Client/TaskClient.cs', '            // A duplicate (same id within the duplicate window) is stored already: that is success.', '            LTrace.Mark(id, 1);\n            // A duplicate (same id within the duplicate window) is stored already: that is success.')
if kind=='main':
    edit('src/Runtime/Worker/TaskWorker.Fetch.cs', '                    _held[held.Key] = held;', '                    LTrace.Mark(held.TaskId, 2);\n                    _held[held.Key] = held;')
    idexpr='held.TaskId'
else:
    edit('src/Runtime/Worker/TaskWorker.Fetch.cs', '                    var held = new HeldMessage(Interlocked.Increment(ref _nextKey), queue, message);', '                    var held = new HeldMessage(Interlocked.Increment(ref _nextKey), queue, message);\n                    LTrace.Mark(held.Header("TT-Id"), 2);')
    idexpr='held.Header("TT-Id")'
edit('src/Runtime/Worker/TaskWorker.Run.cs', '                    outcome = await RunAsync(held).ConfigureAwait(false);', '                    LTrace.Mark(%s, 3);\n                    outcome = await RunAsync(held).ConfigureAwait(false);\n                    LTrace.Mark(%s, 4);' % (idexpr, idexpr))
if kind=='main':
    edit('src/Runtime/Worker/TaskWorker.Settle.cs', '''                            var stored = Stored(outcome, await StoreAsync(outcome, state, buffer!).ConfigureAwait(false));
                            await held.Message.AckAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
                            await NotifyAsync(outcome, stored).ConfigureAwait(false);''', '''                            var stored = Stored(outcome, await StoreAsync(outcome, state, buffer!).ConfigureAwait(false));
                            LTrace.Mark(outcome.TaskId, 5);
                            await held.Message.AckAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
                            LTrace.Mark(outcome.TaskId, 6);
                            await NotifyAsync(outcome, stored).ConfigureAwait(false);
                            LTrace.Mark(outcome.TaskId, 7);''')
    edit('src/Runtime/Backend/NatsResultBackend.cs', '                    waiter.TrySetResult(new Notification(', '                    LTrace.Mark(id, 8);\n                    waiter.TrySetResult(new Notification(')
else:
    edit('src/Runtime/Worker/TaskWorker.Settle.cs', '''                    var stored = await StoreAsync(outcome, state, buffer!).ConfigureAwait(false);
                    await held.Message.AckAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
                    await NotifyAsync(held, stored).ConfigureAwait(false);''', '''                    var stored = await StoreAsync(outcome, state, buffer!).ConfigureAwait(false);
                    LTrace.Mark(outcome.TaskId, 5);
                    await held.Message.AckAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
                    LTrace.Mark(outcome.TaskId, 6);
                    await NotifyAsync(held, stored).ConfigureAwait(false);
                    LTrace.Mark(outcome.TaskId, 7);''')
    edit('src/Runtime/Backend/NatsResultStore.cs', '                    waiter.TrySetResult(record);', '                    LTrace.Mark(record.Id, 8);\n                    waiter.TrySetResult(record);')
edit('bench/TypedTasks.Bench/TypedSide.cs', '''            var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;''', '''            var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            TypedTasks.LTrace.Mark(handle.Id, 9);''')
edit('bench/TypedTasks.Bench/TypedSide.cs', '''        LastCpuPerRoundTrip = (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalMilliseconds / count;''', '''        LastCpuPerRoundTrip = (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalMilliseconds / count;
        var full = TypedTasks.LTrace.D.Values.Where(m => m.All(t => t != 0)).ToList();
        var line = new System.Text.StringBuilder($"LTRACE n={full.Count}");
        for (var k = 1; k < 10; k++)
        {
            var d = full.Select(m => (m[k] - m[k - 1]) * 1e6 / Stopwatch.Frequency).OrderBy(x => x).ToList();
            if (d.Count > 0) line.Append($" s{k - 1}->{k}={d[d.Count / 2]:F0}us");
        }
        Console.Error.WriteLine(line);
        TypedTasks.LTrace.D.Clear();''')
