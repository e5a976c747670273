#:package NATS.Client.JetStream
// Measures what nats-server does with a cron Nats-Schedule (docs/periodic.md, "Native schedules").
// Usage: dotnet run scripts/measure-native-schedules.cs -- /path/to/nats-server (results: docs/periodic.md)
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

var bin = args.Length > 0 ? args[0] : "nats-server";
var port = FreePort();
var store = Directory.CreateTempSubdirectory("ttsched").FullName;
Process StartServer() => Process.Start(new ProcessStartInfo(bin, $"-js -a 127.0.0.1 -p {port} -sd {store}") { RedirectStandardError = true, RedirectStandardOutput = true })!;
var server = StartServer();
await using var nats = new NatsConnection(new NatsOpts { Url = $"nats://127.0.0.1:{port}" });
await nats.ConnectAsync();
Console.WriteLine($"server {nats.ServerInfo?.Version}");
var js = new NatsJSContext(nats);
var stream = await js.CreateStreamAsync(new StreamConfig("SCHED", ["sched.>"]) { AllowMsgSchedules = true, AllowMsgTTL = true });
Console.WriteLine($"stream AllowMsgSchedules={stream.Info.Config.AllowMsgSchedules}");

async Task<string> Publish(string subject, params (string, string)[] headers)
{
    var h = new NatsHeaders();
    foreach (var (k, v) in headers) h[k] = v;
    try
    {
        var ack = await js.PublishAsync(subject, "body", headers: h);
        return ack.Error is { } e ? $"error {e.ErrCode}: {e.Description}" : $"ok seq {ack.Seq}";
    }
    catch (Exception ex) { return $"{ex.GetType().Name}: {ex.Message}"; }
}

async Task<List<(DateTime At, ulong Seq, string Headers)>> Collect(string subject, ulong from)
{
    var list = new List<(DateTime, ulong, string)>();
    var info = await js.GetStreamAsync("SCHED", new StreamInfoRequest { SubjectsFilter = subject });
    for (var seq = from; seq <= info.Info.State.LastSeq; seq++)
    {
        try
        {
            var msg = await info.GetAsync(new StreamMsgGetRequest { Seq = seq });
            if (msg.Message.Subject != subject) continue;
            var hdr = msg.Message.Hdrs is null ? "" : System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(msg.Message.Hdrs)).Replace("\r\n", " | ").Trim(' ', '|');
            list.Add((msg.Message.Time.UtcDateTime, seq, hdr));
        }
        catch (NatsJSApiException) { }
    }
    return list;
}

ulong Last() => js.GetStreamAsync("SCHED").AsTask().Result.Info.State.LastSeq;

// 1. A six-field cron, every second, UTC.
Console.WriteLine("1. cron '* * * * * *' -> " + await Publish("sched.a", ("Nats-Schedule", "* * * * * *"), ("Nats-Schedule-Target", "sched.out.a")));
var start = Last();
await Task.Delay(5200);
var fired = await Collect("sched.out.a", start);
Console.WriteLine($"   fired {fired.Count} in ~5.2 s; stored at (UTC, ms after the second): {string.Join(", ", fired.Select(f => f.At.ToString("HH:mm:ss.fff")))}");
if (fired.Count > 0) Console.WriteLine($"   headers of one: {fired[0].Headers}");

// 2. The same schedule published by three instances (same subject): replaced, or three schedules?
var before = Last();
for (var i = 0; i < 3; i++) Console.WriteLine($"2. publish #{i + 1} of cron '*/2 * * * * *' on sched.b -> " + await Publish("sched.b", ("Nats-Schedule", "*/2 * * * * *"), ("Nats-Schedule-Target", "sched.out.b")));
await Task.Delay(6100);
var b = await Collect("sched.out.b", before);
Console.WriteLine($"   fired {b.Count} in ~6.1 s: {string.Join(", ", b.Select(f => f.At.ToString("HH:mm:ss.fff")))}");
var schedMsgs = await Collect("sched.b", before);
Console.WriteLine($"   schedule messages kept on sched.b: {schedMsgs.Count}");

// 3. Time zones, invalid crons, five fields, @every.
Console.WriteLine("3. tz Europe/Paris -> " + await Publish("sched.c", ("Nats-Schedule", "0 0 3 * * *"), ("Nats-Schedule-Target", "sched.out.c"), ("Nats-Schedule-Time-Zone", "Europe/Paris")));
Console.WriteLine("   tz Europe/Pariss -> " + await Publish("sched.d", ("Nats-Schedule", "0 0 3 * * *"), ("Nats-Schedule-Target", "sched.out.d"), ("Nats-Schedule-Time-Zone", "Europe/Pariss")));
Console.WriteLine("   tz Romance Standard Time -> " + await Publish("sched.d2", ("Nats-Schedule", "0 0 3 * * *"), ("Nats-Schedule-Target", "sched.out.d"), ("Nats-Schedule-Time-Zone", "Romance Standard Time")));
Console.WriteLine("   tz with @every -> " + await Publish("sched.d3", ("Nats-Schedule", "@every 1s"), ("Nats-Schedule-Target", "sched.out.d"), ("Nats-Schedule-Time-Zone", "Europe/Paris")));
Console.WriteLine("   five fields '0 3 * * *' -> " + await Publish("sched.e", ("Nats-Schedule", "0 3 * * *"), ("Nats-Schedule-Target", "sched.out.e")));
Console.WriteLine("   invalid '0 0 25 * * *' -> " + await Publish("sched.f", ("Nats-Schedule", "0 0 25 * * *"), ("Nats-Schedule-Target", "sched.out.f")));
Console.WriteLine("   Cronos-only 'L' '0 0 12 L * *' -> " + await Publish("sched.g", ("Nats-Schedule", "0 0 12 L * *"), ("Nats-Schedule-Target", "sched.out.g")));
Console.WriteLine("   macro '@daily' -> " + await Publish("sched.h", ("Nats-Schedule", "@daily"), ("Nats-Schedule-Target", "sched.out.h")));
Console.WriteLine("   target outside the stream -> " + await Publish("sched.i", ("Nats-Schedule", "* * * * * *"), ("Nats-Schedule-Target", "elsewhere.x")));
Console.WriteLine("   with Nats-Msg-Id -> " + await Publish("sched.j", ("Nats-Schedule", "0 0 3 * * *"), ("Nats-Schedule-Target", "sched.out.j"), ("Nats-Msg-Id", "x1")));

// 5. Are the schedule message's own headers and body copied to each firing?
var before5 = Last();
Console.WriteLine("5. cron with TT-Task/TT-Id headers -> " + await Publish("sched.k", ("Nats-Schedule", "* * * * * *"), ("Nats-Schedule-Target", "sched.out.k"), ("TT-Task", "app.cleanup"), ("TT-Id", "same-for-every-firing")));
await Task.Delay(2100);
foreach (var f in await Collect("sched.out.k", before5)) Console.WriteLine($"   {f.At:HH:mm:ss.fff} seq {f.Seq}: {f.Headers}");
Console.WriteLine("   purge the schedule subject -> " + (await js.PurgeStreamAsync("SCHED", new StreamPurgeRequest { Filter = "sched.k" })).Purged + " purged");
var before5b = Last();
await Task.Delay(2100);
Console.WriteLine($"   firings in the 2.1 s after the purge: {(await Collect("sched.out.k", before5b)).Count}");

// 4. Server down across occurrences: are they caught up after the restart?
var beforeStop = Last();
server.Kill();
server.WaitForExit();
var downAt = DateTime.UtcNow;
await Task.Delay(4000);
server = StartServer();
await Task.Delay(2500);
var upAt = DateTime.UtcNow;
var after = await Collect("sched.out.a", beforeStop + 1);
Console.WriteLine($"4. server down {downAt:HH:mm:ss.fff} .. restarted ~{upAt.AddMilliseconds(-2500):HH:mm:ss.fff}; sched.out.a after: {string.Join(", ", after.Select(f => f.At.ToString("HH:mm:ss.fff")))}");
server.Kill();
static int FreePort() { var l = new TcpListener(IPAddress.Loopback, 0); l.Start(); var p = ((IPEndPoint)l.LocalEndpoint).Port; l.Stop(); return p; }
