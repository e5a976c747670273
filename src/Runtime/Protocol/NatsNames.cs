using System.Buffers;
using System.Collections.Concurrent;

namespace TypedTasks.Protocol;

/// <summary>
/// Every NATS name TypedTasks uses, derived from the configured prefix (see <c>docs/protocol.md</c>).
/// Per-queue subjects are built once and cached, so the send path concatenates no strings.
/// </summary>
internal sealed class NatsNames
{
    /// <summary>What ids and queue names are made of: ASCII letters, digits, <c>-</c> and <c>_</c>.</summary>
    private static readonly SearchValues<char> IdCharacters = SearchValues.Create("-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz");

    /// <summary>What a results subject's instance and token are made of: lowercase hex digits.</summary>
    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdef");

    private readonly ConcurrentDictionary<string, string> _taskSubjects = new(StringComparer.Ordinal);
    private readonly string _taskSubjectPrefix;

    public NatsNames(string prefix)
    {
        if (string.IsNullOrEmpty(prefix) || !prefix.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw new ArgumentException($"The prefix '{prefix}' is not valid: use letters, digits and '_' (TypedTasks:Prefix).", nameof(prefix));
        }

        Prefix = prefix.ToLowerInvariant();
        var upper = prefix.ToUpperInvariant();
        TasksStream = upper + "_TASKS";
        DeadStream = upper + "_DEAD";
        HistoryStream = upper + "_HISTORY";
        ChordsStream = upper + "_CHORDS";
        ChordWildcard = Prefix + ".chord.>";
        ResultsBucket = upper + "_RESULTS";
        ScheduleStream = upper + "_SCHEDULED";
        RevokedBucket = upper + "_REVOKED";
        LocksBucket = upper + "_LOCKS";
        LimitsBucket = upper + "_LIMITS";
        WorkersBucket = upper + "_WORKERS";
        SchedulesBucket = upper + "_SCHEDULES";
        CatalogBucket = upper + "_CATALOG";
        ScheduleWildcard = Prefix + ".scheduled.>";
        DelayedStream = upper + "_DELAYED";
        DelayedWildcard = Prefix + ".delayed.>";
        DueFilter = Prefix + ".delayed.*";
        ForwarderConsumer = Prefix + "_forwarder";
        _taskSubjectPrefix = Prefix + ".tasks.";
        TasksWildcard = Prefix + ".tasks.>";
        DeadWildcard = Prefix + ".dead.>";
        ResultsSubjectPrefix = Prefix + ".results.";
        TaskEventsPrefix = Prefix + ".events.task.";
        TaskEventsWildcard = TaskEventsPrefix + "*";
        ControlAll = Prefix + ".control.all";
    }

    /// <summary>The lower-case prefix of subjects.</summary>
    public string Prefix { get; }

    /// <summary>The work-queue stream holding sent tasks.</summary>
    public string TasksStream { get; }

    /// <summary>The stream holding dead letters.</summary>
    public string DeadStream { get; }

    /// <summary>
    /// The history stream: the task events (<see cref="TaskEventsWildcard"/>) as they were published, bounded by count, age
    /// and bytes, oldest dropped first (docs/protocol.md §7c). It captures the events' own subjects, so that subscribers
    /// of the live events see no change.
    /// </summary>
    public string HistoryStream { get; }

    /// <summary>The chords stream: member-done markers of chords in flight (docs/protocol.md §13).</summary>
    public string ChordsStream { get; }

    public string ChordWildcard { get; }

    /// <summary>The subject of a chord's member-done markers.</summary>
    public string ChordSubject(string group) => Prefix + ".chord." + group;

    /// <summary>The KV bucket holding result records.</summary>
    public string ResultsBucket { get; }

    /// <summary>The stream where tasks with an ETA (countdowns, retries) wait until they are due.</summary>
    public string ScheduleStream { get; }

    /// <summary>
    /// The work-queue stream of native schedules (nats-server 2.12+): a schedule message per waiting task on
    /// <see cref="DelayedSubject"/>, released by the server to <see cref="DueSubject"/>.
    /// </summary>
    public string DelayedStream { get; }

    public string DelayedWildcard { get; }

    /// <summary>Matches the due subjects of every queue (one token after <c>delayed</c>), not the schedule messages.</summary>
    public string DueFilter { get; }

    /// <summary>The durable consumer through which workers forward due tasks to their queues.</summary>
    public string ForwarderConsumer { get; }

    /// <summary>The KV bucket of revoked task ids, watched by every worker.</summary>
    public string RevokedBucket { get; }

    /// <summary>The KV bucket of rate-limit counters, one key per task type and window.</summary>
    public string LimitsBucket { get; }

    /// <summary>The KV bucket of worker heartbeats, one key per running worker.</summary>
    public string WorkersBucket { get; }

    /// <summary>The KV bucket of periodic schedules, one key per schedule name: its definition and last occurrence sent.</summary>
    public string SchedulesBucket { get; }

    /// <summary>The KV bucket of the task catalog: one entry per task a worker serves (docs/protocol.md §2, "The task catalog").</summary>
    public string CatalogBucket { get; }

    /// <summary>The KV bucket of leases (the schedule mover's leadership).</summary>
    public string LocksBucket { get; }

    public string ScheduleWildcard { get; }

    public string TasksWildcard { get; }

    public string DeadWildcard { get; }

    /// <summary>Core-NATS subjects on which workers notify waiting producers: <c>tt.results.&lt;client&gt;</c>.</summary>
    public string ResultsSubjectPrefix { get; }

    /// <summary>The remote-control subject every worker listens on.</summary>
    public string ControlAll { get; }

    /// <summary>The remote-control subject of one worker.</summary>
    public string ControlSubject(string workerId) => Prefix + ".control." + workerId;

    /// <summary>Core-NATS subjects of task events: <c>tt.events.task.&lt;kind&gt;</c>.</summary>
    public string TaskEventsPrefix { get; }

    /// <summary>Every task-event subject, <c>tt.events.task.*</c>: what the history stream captures.</summary>
    public string TaskEventsWildcard { get; }

    public string TaskSubject(string queue) => _taskSubjects.GetOrAdd(queue, static (q, prefix) => prefix + q, _taskSubjectPrefix);

    public string DeadSubject(string queue) => Prefix + ".dead." + queue;

    public string ScheduleSubject(string queue) => Prefix + ".scheduled." + queue;

    /// <summary>The subject of a task's native schedule message: one per task id (a new one replaces the old).</summary>
    public string DelayedSubject(string queue, string id) => Prefix + ".delayed." + queue + "." + id;

    /// <summary>Where the server puts a queue's tasks when they are due.</summary>
    public string DueSubject(string queue) => Prefix + ".delayed." + queue;

    /// <summary>The durable pull consumer shared by all workers of a queue.</summary>
    public string ConsumerName(string queue) => Prefix + "_" + queue;

    public static bool IsValidQueue(string queue)
        => queue.Length > 0 && queue.AsSpan().IndexOfAnyExcept(IdCharacters) < 0;

    /// <summary>The one rule for task ids (docs/protocol.md §2), shared by the client and the intake: 1 to 128 ASCII letters,
    /// digits, <c>-</c> and <c>_</c>, so that an id is always a valid KV key and subject token.</summary>
    public static bool IsValidTaskId(string id)
        => id.Length is > 0 and <= 128 && id.AsSpan().IndexOfAnyExcept(IdCharacters) < 0;

    /// <summary>
    /// Whether <paramref name="subject"/> is a results subject of this prefix (docs/protocol.md, <c>TT-Reply</c>):
    /// <c>&lt;prefix&gt;.results.&lt;instance&gt;</c>, or <c>&lt;prefix&gt;.results.&lt;instance&gt;.&lt;token&gt;</c> as the .NET
    /// client sends it, each of 32 lowercase hex digits. Workers publish notifications nowhere else.
    /// </summary>
    public bool IsResultsSubject(string subject)
    {
        if (!subject.StartsWith(ResultsSubjectPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = subject.AsSpan(ResultsSubjectPrefix.Length);
        return rest.Length switch
        {
            HexTokenLength => IsHex(rest),
            (2 * HexTokenLength) + 1 => rest[HexTokenLength] == '.' && IsHex(rest[..HexTokenLength]) && IsHex(rest[(HexTokenLength + 1)..]),
            _ => false,
        };

        static bool IsHex(ReadOnlySpan<char> text) => text.IndexOfAnyExcept(HexDigits) < 0;
    }

    /// <summary>The length of a results subject's instance and token: 32 lowercase hex digits.</summary>
    public const int HexTokenLength = 32;
}
