using System.Globalization;
using System.Text;
using CsCheck;

namespace TypedTasks.Fault.Tests.Infrastructure;

/// <summary>What the worker must do with a generated message.</summary>
public enum PoisonExpect
{
    /// <summary>Run once and store SUCCESS.</summary>
    Run,

    /// <summary>Never run; dead-lettered exactly once with a reason and the original.</summary>
    Dead,

    /// <summary>Never run, not dead-lettered: its <c>TT-Expires</c> has passed, so its record is REVOKED.</summary>
    Revoked,
}

/// <summary>
/// One generated message: headers in the order they are sent (a name may repeat), the body's bytes, and what must happen
/// to it. Built from docs/protocol.md's tables (§2 headers and body, §3 step 1 intake, §4b schedule stream).
/// </summary>
public sealed record PoisonMessage(int Index, string Kind, PoisonExpect Expect, string? Reason, bool Scheduled, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body)
{
    /// <summary>The id a run of it writes in the ledger (TT-Id, else Nats-Msg-Id), for <see cref="PoisonExpect.Run"/> and <see cref="PoisonExpect.Revoked"/>.</summary>
    public string? RunId { get; init; }

    /// <summary>A header block sent exactly as written (an HPUB over a plain socket) instead of <see cref="Headers"/>: one
    /// NATS.Net cannot read (docs/protocol.md §7, "A header block that cannot be read").</summary>
    public string? RawHeaderBlock { get; init; }

    /// <summary>Sent through the typed client (<c>ApplyAsync</c>) rather than raw.</summary>
    public bool ViaClient { get; init; }

    /// <summary>Published a second time at once with the same <c>Nats-Msg-Id</c>: the broker must drop the copy.</summary>
    public bool ResendSameMsgId { get; init; }

    /// <summary>Published again with the same <c>TT-Id</c> under a new <c>Nats-Msg-Id</c> after it finished: must not run again.</summary>
    public bool SendAgainLater { get; init; }

    /// <summary>A readable one-paragraph description, for failure messages.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"#{Index} [{Kind}] expect {Expect}{(Reason is null ? "" : $" (reason containing '{Reason}')")}, to {(Scheduled ? "scheduled" : "tasks")} subject{(ViaClient ? " via the typed client" : "")}");
        text.Append(CultureInfo.InvariantCulture, $"{(ResendSameMsgId ? ", resent with the same Nats-Msg-Id" : "")}{(SendAgainLater ? ", sent again later under a new Nats-Msg-Id" : "")}\n    headers: ");
        text.AppendJoin("; ", Headers.Select(h => $"{h.Key}: {Show(h.Value)}"));
        if (RawHeaderBlock is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"(raw block) {Show(RawHeaderBlock)}");
        }

        text.Append(CultureInfo.InvariantCulture, $"\n    body ({Body.Length} bytes): {ShowBody(Body)}");
        return text.ToString();
    }

    /// <summary>A value as it can be read in a log: escaped, long ones cut in the middle.</summary>
    public static string Show(string value)
    {
        var escaped = string.Concat(value.Select(c => c is >= ' ' and < (char)127 ? c.ToString() : $"\\u{(int)c:x4}"));
        return escaped.Length > 120 ? $"{escaped[..60]}…({value.Length} chars)…{escaped[^20..]}" : "\"" + escaped + "\"";
    }

    private static string ShowBody(byte[] body)
    {
        var utf8 = body.All(b => b is >= 32 and < 127);
        if (utf8)
        {
            return Show(Encoding.ASCII.GetString(body));
        }

        var hex = Convert.ToHexString(body.AsSpan(0, Math.Min(body.Length, 64)));
        return "hex " + hex + (body.Length > 64 ? "…" : "");
    }
}

/// <summary>
/// Generates a batch of valid and poisonous task messages for <c>fault.work(int n, int durationMs)</c> with CsCheck's
/// generators, all from one <see cref="PCG"/> seed, so a failing batch is reproduced exactly with <c>POISON_SEED</c>.
/// </summary>
public sealed class PoisonBatch
{
    /// <summary>The worker's <c>Worker:Intake:MaxBodyBytes</c> in the test (smaller than the default 1 MiB, so bodies over
    /// it stay cheap to send).</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>The worker's default <c>Worker:Intake:MaxHeaderBytes</c>.</summary>
    public const int MaxHeaderBytes = 16 * 1024;

    private const string Task = "fault.work";

    private readonly string _prefix;

    public PoisonBatch(string prefix) => _prefix = prefix.ToLowerInvariant();

    /// <summary>Makes <paramref name="count"/> messages from <paramref name="seed"/> (a <see cref="PCG"/> string).</summary>
    public IReadOnlyList<PoisonMessage> Generate(string seed, int count)
    {
        var pcg = PCG.Parse(seed);
        var gen = MessageGen();
        var list = new List<PoisonMessage>(count);
        for (var i = 1; i <= count; i++)
        {
            list.Add(gen.Generate(pcg, null!, out _)(i));
        }

        return list;
    }

    private static string IdOf(int index) => "p" + index.ToString("D6", CultureInfo.InvariantCulture);

    private static string Json(int index) => "{\"n\":" + index.ToString(CultureInfo.InvariantCulture) + ",\"durationMs\":0}";

    private static List<KeyValuePair<string, string>> Base(int index, string? id = null)
    {
        id ??= IdOf(index);
        return
        [
            new("TT-Case", index.ToString(CultureInfo.InvariantCulture)),
            new("TT-Protocol", "1"),
            new("TT-Task", Task),
            new("TT-Id", id),
            new("Nats-Msg-Id", id),
        ];
    }

    private static List<KeyValuePair<string, string>> With(List<KeyValuePair<string, string>> headers, string name, string? value)
    {
        var at = headers.FindIndex(h => h.Key == name);
        if (at >= 0)
        {
            headers.RemoveAt(at);
            if (value is not null)
            {
                headers.Insert(at, new(name, value));
            }
        }
        else if (value is not null)
        {
            headers.Add(new(name, value));
        }

        return headers;
    }

    private static PoisonMessage Valid(int i, string kind, List<KeyValuePair<string, string>>? headers = null, string? body = null, string? runId = null)
        => new(i, kind, PoisonExpect.Run, null, false, headers ?? Base(i), Encoding.UTF8.GetBytes(body ?? Json(i))) { RunId = runId ?? IdOf(i) };

    private static PoisonMessage Bad(int i, string kind, string reason, List<KeyValuePair<string, string>>? headers = null, byte[]? body = null, bool scheduled = false)
    {
        // A unique Nats-Msg-Id: two bad messages with the same bad id must both be stored.
        var h = headers ?? Base(i);
        if (h.Any(x => x.Key == "Nats-Msg-Id"))
        {
            With(h, "Nats-Msg-Id", "m" + IdOf(i));
        }

        return new(i, kind, PoisonExpect.Dead, reason, scheduled, h, body ?? Encoding.UTF8.GetBytes(Json(i)));
    }

    private static Gen<Func<int, PoisonMessage>> Pick(string kind, Func<int, string, PoisonMessage>[] variants)
        => Gen.Int[0, variants.Length - 1].Select(v => (Func<int, PoisonMessage>)(i => variants[v](i, kind + "/" + v.ToString(CultureInfo.InvariantCulture))));

    private static Gen<Func<int, PoisonMessage>> Bodies(string kind, string reason, string[] bodies)
        => Pick(kind, bodies.Select(b => (Func<int, string, PoisonMessage>)((i, k) => Bad(i, k, reason, body: Encoding.UTF8.GetBytes(b.Replace("#", i.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal))))).ToArray());

    private static Gen<Func<int, PoisonMessage>> Header(string kind, string name, string reason, string?[] values)
        => Pick(kind, values.Select(v => (Func<int, string, PoisonMessage>)((i, k) => Bad(i, k, reason, With(Base(i), name, v)))).ToArray());

    private static int HeaderBytes(IEnumerable<KeyValuePair<string, string>> headers) => headers.Sum(h => h.Key.Length + 4 + h.Value.Length);

    private Gen<Func<int, PoisonMessage>> MessageGen()
    {
        var prefix = _prefix;
        var upper = prefix.ToUpperInvariant();
        var hex32 = Gen.Byte.Array[16].Select(b => Convert.ToHexString(b).ToLowerInvariant());

        // Valid: plain (sometimes resent with the same Nats-Msg-Id, or sent again later under a new one), reordered and
        // extra arguments, whitespace, padded names (NATS.Net trims header values: docs/protocol.md, "Known limits"),
        // optional headers in range, a results reply subject, bodies and headers at the limits, the typed client.
        var plain = Gen.Int[0, 99].Select(r => (Func<int, PoisonMessage>)(i => Valid(i, "valid/plain") with { ResendSameMsgId = r < 5, SendAgainLater = r is >= 5 and < 10 }));
        var shapes = Pick("valid/shape", [
            (i, k) => Valid(i, k, body: "{\"durationMs\":0,\"n\":" + i.ToString(CultureInfo.InvariantCulture) + "}"),
            (i, k) => Valid(i, k, body: " \t\r\n{ \"n\" : " + i.ToString(CultureInfo.InvariantCulture) + " , \"durationMs\" : 0 }\r\n "),
            (i, k) => Valid(i, k, body: "{\"n\":" + i.ToString(CultureInfo.InvariantCulture) + ",\"durationMs\":0,\"extra\":[1,{\"a\":null}],\"N\":\"x\"}"),
            (i, k) => Valid(i, k, body: "{\"n\":" + i.ToString(CultureInfo.InvariantCulture) + ",\"durationMs\":-5,\"more\":null}"),
            (i, k) => Valid(i, k, With(Base(i), "TT-Task", " " + Task)),
            (i, k) => Valid(i, k, With(Base(i), "TT-Task", Task + "  ")),
            (i, k) => Valid(i, k, With(Base(i), "TT-Task", "\t" + Task + "\t")),
            (i, k) => Valid(i, k, With(Base(i), "TT-Protocol", "01")),
            (i, k) => Valid(i, k, With(Base(i), "TT-Attempt", "2")),
            (i, k) => Valid(i, k, With(Base(i), "TT-Max-Retries", "0")),
            (i, k) => Valid(i, k, With(Base(i), "TT-Record-Revision", "999999")),
            (i, k) => Valid(i, k, With(Base(i), "TT-Expires", "2099-01-01T00:00:00Z")),
            (i, k) => Valid(i, k, With(Base(i), "TT-Eta", "2020-01-01T00:00:00Z")),
            (i, k) => Valid(i, k, With(Base(i), "TT-Queue", "default")),
            (i, k) => Valid(i, k, With(Base(i), "traceparent", "00-zz-not-a-trace")),
            (i, k) => Valid(i, k, With(Base(i), "Nats-Msg-Id", null)),
            (i, k) => Valid(i, k, With(Base(i), "TT-Id", null), runId: IdOf(i)),
            (i, k) => { var id = IdOf(i) + new string('_', 121); return Valid(i, k, Base(i, id), runId: id); },
        ]);
        var reply = hex32.Select(h => (Func<int, PoisonMessage>)(i => Valid(i, "valid/reply", With(Base(i), "TT-Reply", prefix + ".results." + h))));
        var bodyAtLimit = Gen.Int[0, 200].Select(under => (Func<int, PoisonMessage>)(i => Valid(i, "valid/body-at-limit", body: Padded(i, MaxBodyBytes - under))));
        var headersAtLimit = Gen.Int[0, 200].Select(under => (Func<int, PoisonMessage>)(i => Valid(i, "valid/headers-at-limit", PaddedHeaders(Base(i), MaxHeaderBytes - under))));
        var scheduled = Gen.Int[0, 2].Select(age => (Func<int, PoisonMessage>)(i =>
            Valid(i, "valid/scheduled", With(With(Base(i), "TT-Eta", DateTimeOffset.UtcNow.AddSeconds(-age).ToString("O", CultureInfo.InvariantCulture)), "TT-Queue", "default")) with { Scheduled = true }));
        var client = Gen.Const((Func<int, PoisonMessage>)(i => Valid(i, "valid/typed-client") with { ViaClient = true }));

        // Bad bodies.
        var randomBytes = Gen.Byte.Array[1, 400].Select(bytes => (Func<int, PoisonMessage>)(i =>
        {
            if (bytes[0] is (byte)'{' or (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            {
                bytes[0] = (byte)'#';
            }

            return Bad(i, "bad/random-bytes", "message body", body: bytes);
        }));
        var wrongTypes = Bodies("bad/wrong-type", "argument '", [
            """{"n":"x","durationMs":0}""", """{"n":1.5,"durationMs":0}""", """{"n":true,"durationMs":0}""", """{"n":{},"durationMs":0}""",
            """{"n":[#],"durationMs":0}""", """{"n":99999999999,"durationMs":0}""", """{"n":"#","durationMs":0}""", """{"n":#,"durationMs":"0"}""",
        ]);
        var missingOrNull = Bodies("bad/missing-null", "argument '", [
            """{"durationMs":0}""", """{"n":#}""", """{}""", """{"N":#,"durationMs":0}""", """{"n":null,"durationMs":0}""", """{"n":#,"durationMs":null}""",
        ]);
        var notObject = Bodies("bad/not-object", "message body", ["", "[#]", "\"#\"", "#", "null", "   ", "{\"n\":#,\"durationMs\":0,\"deep\":" + new string('[', 80) + new string(']', 80) + "}"]);
        var truncated = Gen.Double[0, 1].Select(f => (Func<int, PoisonMessage>)(i =>
        {
            var full = Encoding.UTF8.GetBytes(Json(i));
            return Bad(i, "bad/truncated", "message body", body: full[..(int)(f * (full.Length - 1))]);
        }));
        var trailing = Gen.OneOf(" x", "}", "{}", "garbage", "\0", ",", "]", " 1", "\u00e9").Select(tail => (Func<int, PoisonMessage>)(i => Bad(i, "bad/trailing", "message body", body: Encoding.UTF8.GetBytes(Json(i) + tail))));
        var bodyOverLimit = Gen.Int[1, 100_000].Select(over => (Func<int, PoisonMessage>)(i => Bad(i, "bad/body-over-limit", "MaxBodyBytes", body: Encoding.UTF8.GetBytes(Padded(i, MaxBodyBytes + over)))));

        // Bad headers, one defect each (the reason then says which).
        var names = Header("bad/task-name", "TT-Task", "No task named", ["fault.work2", "Fault.Work", "fault.wor", "fault. work", "fault..work", "fault.w\u00f6rk", "\u65e5\u672c", "fault.work\u00a0", "*", "fault.>"]);
        var noName = Header("bad/no-task-name", "TT-Task", "TT-Task", [null, "", "   "]);
        var protocolBad = Header("bad/protocol", "TT-Protocol", "TT-Protocol", [null, "0", "-1", "+1", "1.0", "one", "", "99999999999", "1 1"]);
        var protocolNewer = Header("bad/protocol-newer", "TT-Protocol", "newer", ["2", "3", "1000"]);
        var ids = Pick("bad/id", [
            (i, k) => Bad(i, k, "is not valid", Base(i, "a b" + i.ToString(CultureInfo.InvariantCulture))),
            (i, k) => Bad(i, k, "is not valid", Base(i, "a*" + i.ToString(CultureInfo.InvariantCulture))),
            (i, k) => Bad(i, k, "is not valid", Base(i, "*")),
            (i, k) => Bad(i, k, "is not valid", Base(i, ">")),
            (i, k) => Bad(i, k, "is not valid", Base(i, "a>" + i.ToString(CultureInfo.InvariantCulture))),
            (i, k) => Bad(i, k, "is not valid", Base(i, "a." + i.ToString(CultureInfo.InvariantCulture))),
            (i, k) => Bad(i, k, "is not valid", Base(i, "\u00fcber" + i.ToString(CultureInfo.InvariantCulture))),
            (i, k) => Bad(i, k, "is not valid", Base(i, "\u65e5\u672c")),
            (i, k) => Bad(i, k, "is not valid", Base(i, IdOf(i) + new string('x', 122))),
            (i, k) => Bad(i, k, "is not valid", Base(i, new string('y', 5000))),
            (i, k) => Bad(i, k, "is not valid", Base(i, "")),
            (i, k) => Bad(i, k, "has no TT-Id", With(With(Base(i), "TT-Id", null), "Nats-Msg-Id", null)),
            (i, k) => { var h = Base(i); h.Insert(4, new("TT-Id", IdOf(i) + "b")); return Bad(i, k, "is not valid", h); },
        ]);
        var replies = Header("bad/reply", "TT-Reply", "TT-Reply", [
            "$JS.API.STREAM.PURGE." + upper + "_TASKS", "$KV." + upper + "_RESULTS.poison_victim", prefix + ".tasks.poison_victim", prefix + ".tasks.default",
            prefix + ".results." + new string('a', 31), prefix + ".results." + new string('a', 33), prefix + ".results." + new string('A', 32),
            prefix + ".results." + new string('a', 32) + ".x", "_INBOX.poison", "", "tt.results." + new string('a', 32),
        ]);
        var optional = Pick("bad/optional", [
            (i, k) => Bad(i, k, "TT-Attempt", With(Base(i), "TT-Attempt", "0")),
            (i, k) => Bad(i, k, "TT-Attempt", With(Base(i), "TT-Attempt", "-1")),
            (i, k) => Bad(i, k, "TT-Attempt", With(Base(i), "TT-Attempt", "10001")),
            (i, k) => Bad(i, k, "TT-Attempt", With(Base(i), "TT-Attempt", "x")),
            (i, k) => Bad(i, k, "TT-Max-Retries", With(Base(i), "TT-Max-Retries", "-1")),
            (i, k) => Bad(i, k, "TT-Max-Retries", With(Base(i), "TT-Max-Retries", "10001")),
            (i, k) => Bad(i, k, "TT-Expires", With(Base(i), "TT-Expires", "tomorrow")),
            (i, k) => Bad(i, k, "TT-Expires", With(Base(i), "TT-Expires", "2026-13-01T00:00:00Z")),
            (i, k) => Bad(i, k, "TT-Expires", With(Base(i), "TT-Expires", "2099-01-01T00:00:00")),
            (i, k) => Bad(i, k, "TT-Record-Revision", With(Base(i), "TT-Record-Revision", "x")),
            (i, k) => Bad(i, k, "TT-Record-Revision", With(Base(i), "TT-Record-Revision", "-1")),
        ]);
        var headersOverLimit = Gen.Int[1, 40_000].Select(over => (Func<int, PoisonMessage>)(i =>
        {
            var h = Base(i);
            With(h, "Nats-Msg-Id", "m" + IdOf(i));
            return Bad(i, "bad/headers-over-limit", "MaxHeaderBytes", PaddedHeaders(h, MaxHeaderBytes + over));
        }));
        var unreadable = Pick("bad/unreadable-block", [
            (i, k) => Bad(i, k, "header block cannot be read", []) with { RawHeaderBlock = $"BAD/1.0\r\nTT-Case: {i}\r\nTT-Protocol: 1\r\nTT-Task: {Task}\r\nTT-Id: {IdOf(i)}\r\n\r\n" },
            (i, k) => Bad(i, k, "header block cannot be read", []) with { RawHeaderBlock = $"NATS/1.0\r\nTT-Case: {i}\r\nTT-Protocol: 1\r\nTT-Task: {Task}\r\nTT-Id: {IdOf(i)}\r\nno colon on this line\r\n\r\n" },
        ]);
        var expired = Gen.Const((Func<int, PoisonMessage>)(i => new PoisonMessage(i, "revoked/expired", PoisonExpect.Revoked, null, false, With(Base(i), "TT-Expires", "2020-01-01T00:00:00Z"), Encoding.UTF8.GetBytes(Json(i))) { RunId = IdOf(i) }));

        // The schedule stream (§4b): the mover refuses a bad TT-Eta or TT-Queue; on a queue subject the intake does
        // (§3 step 1: a malformed TT-Eta or TT-Queue is never run at once).
        var badSchedule = Pick("bad/schedule", [
            (i, k) => Bad(i, k, "TT-Eta", With(Base(i), "TT-Eta", "next tuesday")),
            (i, k) => Bad(i, k, "TT-Queue", With(Base(i), "TT-Queue", "no such queue!")),
            (i, k) => Bad(i, k, "TT-Eta", With(With(Base(i), "TT-Eta", "next tuesday"), "TT-Queue", "default"), scheduled: true),
            (i, k) => Bad(i, k, "TT-Eta", With(Base(i), "TT-Queue", "default"), scheduled: true),
            (i, k) => Bad(i, k, "TT-Eta", With(With(Base(i), "TT-Eta", "2026-02-30T00:00:00Z"), "TT-Queue", "default"), scheduled: true),
            (i, k) => Bad(i, k, "queue", With(With(Base(i), "TT-Eta", "2020-01-01T00:00:00Z"), "TT-Queue", "no such queue!"), scheduled: true),
            (i, k) => Bad(i, k, "queue", With(With(Base(i), "TT-Eta", "2020-01-01T00:00:00Z"), "TT-Queue", "a.b"), scheduled: true),
            (i, k) => Bad(i, k, "queue", With(With(Base(i), "TT-Eta", "2020-01-01T00:00:00Z"), "TT-Queue", "*"), scheduled: true),
            (i, k) => Bad(i, k, "queue", With(With(Base(i), "TT-Eta", "2020-01-01T00:00:00Z"), "TT-Queue", new string('q', 65)), scheduled: true),
        ]);

        return Gen.Frequency(
            (30, (IGen<Func<int, PoisonMessage>>)plain),
            (8, shapes),
            (2, reply),
            (1, bodyAtLimit),
            (1, headersAtLimit),
            (2, scheduled),
            (2, client),
            (4, randomBytes),
            (4, wrongTypes),
            (4, missingOrNull),
            (3, notObject),
            (3, truncated),
            (3, trailing),
            (1, bodyOverLimit),
            (4, names),
            (2, noName),
            (3, protocolBad),
            (2, protocolNewer),
            (6, ids),
            (4, replies),
            (4, optional),
            (1, headersOverLimit),
            (1, expired),
            (1, unreadable),
            (2, badSchedule));
    }

    /// <summary><c>{"n":i,"durationMs":0,"pad":"ppp…"}</c> of exactly <paramref name="length"/> bytes.</summary>
    private static string Padded(int i, int length)
    {
        var head = "{\"n\":" + i.ToString(CultureInfo.InvariantCulture) + ",\"durationMs\":0,\"pad\":\"";
        return head + new string('p', length - head.Length - 2) + "\"}";
    }

    /// <summary>Adds <c>TT-Padding</c> so that the headers take exactly <paramref name="total"/> bytes as the intake counts them.</summary>
    private static List<KeyValuePair<string, string>> PaddedHeaders(List<KeyValuePair<string, string>> headers, int total)
    {
        var room = total - HeaderBytes(headers) - ("TT-Padding".Length + 4);
        headers.Add(new("TT-Padding", new string('p', room)));
        return headers;
    }
}
