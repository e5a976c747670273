using System.Text.Json;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.KeyValueStore;
using TypedTasks.Protocol;
using TypedTasks.Topology;

namespace TypedTasks.Client;

/// <summary>The task catalog as read at one moment.</summary>
/// <param name="Entries">At most the limit asked for, sorted by task name.</param>
/// <param name="BucketExists">Whether the catalog bucket exists (a worker of this version has started).</param>
/// <param name="More">Whether the bucket holds more entries than were read.</param>
internal sealed record TaskCatalogView(IReadOnlyList<TaskCatalogEntry> Entries, bool BucketExists, bool More);

/// <summary>
/// The read side of the task catalog (<c>TT_CATALOG</c>, docs/protocol.md §2) that <c>tt tasks</c>, <c>tt send</c> and the
/// dashboard share: every entry (bounded), one entry by task name, and the check of a JSON arguments object against an
/// entry — the same rules the worker's generated reader applies, said before anything is sent.
/// </summary>
internal static class TaskCatalog
{
    /// <summary>The most entries one read of the whole catalog takes: 1,000 tasks.</summary>
    public const int MaxTasks = 1000;

    private static readonly NatsRawSerializer<ReadOnlyMemory<byte>> Raw = NatsRawSerializer<ReadOnlyMemory<byte>>.Default;

    /// <summary>
    /// Up to <paramref name="limit"/> (at most <see cref="MaxTasks"/>) entries, sorted by task name: one ephemeral ordered
    /// consumer on the bucket's stream (one message per key: the bucket keeps no history), one fetch of the limit plus one.
    /// Values that are not entries (or larger than <see cref="TaskCatalogEntry.MaxBytes"/>) are left out. A bucket that does
    /// not exist yet is no error: no workers of this version have started.
    /// </summary>
    public static async Task<TaskCatalogView> ReadAllAsync(TypedTasksConnection connection, int limit, CancellationToken cancellationToken)
    {
        limit = Math.Clamp(limit, 1, MaxTasks);
        var bucketStream = "KV_" + connection.Names.CatalogBucket;
        if (!await connection.StreamExistsAsync(bucketStream, cancellationToken).ConfigureAwait(false))
        {
            return new TaskCatalogView([], false, false);
        }

        var consumer = await connection.JetStream.CreateOrderedConsumerAsync(
            bucketStream,
            // As the schedules' read (DeploymentQueries.ReadPeriodicSchedulesAsync): History 1, so every message is a key's latest.
            new NatsJSOrderedConsumerOpts { DeliverPolicy = ConsumerConfigDeliverPolicy.All },
            cancellationToken).ConfigureAwait(false);
        var entries = new List<TaskCatalogEntry>();
        var more = false;
        var read = 0;
        await foreach (var message in consumer.FetchNoWaitAsync(new NatsJSFetchOpts { MaxMsgs = limit + 1 }, Raw, cancellationToken).ConfigureAwait(false))
        {
            if (++read > limit)
            {
                more = true;
                break;
            }

            // A deleted or purged key holds a marker (KV-Operation: DEL or PURGE) and no entry.
            if (message.Headers?.ContainsKey("KV-Operation") != true && TaskCatalogEntry.Read(message.Data.Span) is { } entry)
            {
                entries.Add(entry);
            }

            if (message.Metadata?.NumPending == 0)
            {
                break;
            }
        }

        entries.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return new TaskCatalogView(entries, true, more);
    }

    /// <summary>The entry of task <paramref name="name"/> (one KV get under <see cref="TaskCatalogEntry.Key"/>), or null when
    /// there is none; and whether the bucket exists at all.</summary>
    public static async Task<(TaskCatalogEntry? Entry, bool BucketExists)> ReadAsync(TypedTasksConnection connection, string name, CancellationToken cancellationToken)
    {
        if (!await connection.StreamExistsAsync("KV_" + connection.Names.CatalogBucket, cancellationToken).ConfigureAwait(false))
        {
            return (null, false);
        }

        var store = await connection.KeyValue.GetStoreAsync(connection.Names.CatalogBucket, cancellationToken).ConfigureAwait(false);
        return ((await ReadAsync(store, name, cancellationToken).ConfigureAwait(false)).Entry, true);
    }

    /// <summary>Reads the entry of <paramref name="name"/> from the bucket: the entry (null when missing, deleted, not an entry,
    /// or another name's), and the revision of the key (0 when it has none).</summary>
    public static async Task<(TaskCatalogEntry? Entry, ulong Revision)> ReadAsync(INatsKVStore store, string name, CancellationToken cancellationToken)
    {
        var result = await store.TryGetEntryAsync(TaskCatalogEntry.Key(name), serializer: Raw, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!result.Success)
        {
            return (null, 0);
        }

        var entry = TaskCatalogEntry.Read(result.Value.Value.Span);
        return (entry is not null && string.Equals(entry.Name, name, StringComparison.Ordinal) ? entry : null, result.Value.Revision);
    }

    /// <summary>
    /// What is wrong with <paramref name="arguments"/> (a JSON object) for the task <paramref name="entry"/> describes, as
    /// the worker's reader would refuse it: a required argument missing, a property the task has no parameter for, a value
    /// of the wrong JSON kind, <c>null</c> for an argument that is not nullable. Empty when it is fine, or when the entry does
    /// not describe its arguments. Checks the kind of each value, not its range or nested shape: the worker reads the rest.
    /// </summary>
    public static IReadOnlyList<string> CheckArguments(TaskCatalogEntry entry, ReadOnlyMemory<byte> arguments)
    {
        var problems = new List<string>();
        if (entry.Arguments is not { } expected)
        {
            return problems;
        }

        using var document = JsonDocument.Parse(arguments, new JsonDocumentOptions { MaxDepth = 64 });
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            problems.Add("the arguments must be a JSON object");
            return problems;
        }

        var byName = new Dictionary<string, CatalogArgument>(StringComparer.Ordinal);
        foreach (var argument in expected)
        {
            byName.TryAdd(argument.Name, argument);
        }

        var given = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (!given.Add(property.Name))
            {
                continue;
            }

            if (!byName.TryGetValue(property.Name, out var argument))
            {
                problems.Add(expected.Count == 0
                    ? $"unknown argument '{WireText.Bound(property.Name)}': the task takes no arguments"
                    : $"unknown argument '{WireText.Bound(property.Name)}': the task takes {string.Join(", ", expected.Select(a => a.Name))}");
                continue;
            }

            var value = property.Value;
            if (value.ValueKind == JsonValueKind.Null)
            {
                if (!argument.Nullable)
                {
                    problems.Add($"argument '{argument.Name}' is null, but it is not nullable: expected {Expected(argument)}");
                }

                continue;
            }

            if (!Fits(argument.Type, value))
            {
                problems.Add($"argument '{argument.Name}' must be {Expected(argument)}, not {Describe(value)}");
            }
        }

        foreach (var argument in expected)
        {
            if (argument.Required && !given.Contains(argument.Name))
            {
                problems.Add($"missing required argument '{argument.Name}': expected {Expected(argument)}");
            }
        }

        return problems;
    }

    /// <summary>How an argument's expected value reads in a message: <c>integer (int)</c>, <c>string or null (string?)</c>.</summary>
    public static string Expected(CatalogArgument argument)
        => (argument.Nullable ? argument.Type + " or null" : argument.Type) + (argument.DotnetType is { } type ? $" ({type})" : string.Empty);

    /// <summary>Up to <paramref name="max"/> of <paramref name="names"/> closest to <paramref name="name"/> (case-insensitive edit
    /// distance, or containing its last dotted part), closest first: for "no task X; did you mean …".</summary>
    public static IReadOnlyList<string> CloseNames(string name, IEnumerable<string> names, int max = 5)
    {
        var wanted = name.ToLowerInvariant();
        var tail = wanted[(wanted.LastIndexOf('.') + 1)..];
        return names
            .Select(n => (Name: n, Distance: Distance(wanted, n.ToLowerInvariant())))
            .Where(c => c.Distance <= Math.Clamp(wanted.Length / 4, 2, 6) || (tail.Length >= 3 && c.Name.Contains(tail, StringComparison.OrdinalIgnoreCase)))
            .OrderBy(c => c.Distance)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .Take(max)
            .Select(c => c.Name)
            .ToList();
    }

    private static bool Fits(string kind, JsonElement value) => kind switch
    {
        "string" => value.ValueKind == JsonValueKind.String,
        // System.Text.Json reads an integral type only from a number without a fraction or an exponent.
        "integer" => value.ValueKind == JsonValueKind.Number && value.GetRawText().AsSpan().IndexOfAny('.', 'e', 'E') < 0,
        "number" => value.ValueKind == JsonValueKind.Number,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "array" => value.ValueKind == JsonValueKind.Array,
        "object" => value.ValueKind == JsonValueKind.Object,
        _ => true, // any, or a kind a newer worker names: the worker checks
    };

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => value.GetRawText().AsSpan().IndexOfAny('.', 'e', 'E') < 0 ? "an integer" : "a number with a fraction or exponent",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "null",
    };

    /// <summary>Levenshtein distance, bounded: names longer than 256 characters count as far.</summary>
    private static int Distance(string a, string b)
    {
        if (a.Length > 256 || b.Length > 256)
        {
            return int.MaxValue;
        }

        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
