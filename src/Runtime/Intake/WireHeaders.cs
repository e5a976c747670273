using System.Text;
using NATS.Client.Core;
using TypedTasks.Protocol;

namespace TypedTasks.Intake;

/// <summary>
/// The headers the intake reads, picked out of a message's header block in one pass, and the block's size. Names compare
/// as <see cref="NatsHeaders"/> compares them (ordinal, ignoring case), so a value here is the one a lookup by name would
/// give; several values under one name are joined by commas, as <see cref="TaskHeaders.Value"/> joins them.
/// </summary>
internal readonly struct WireHeaders
{
    public WireHeaders(NatsHeaders? headers)
    {
        if (headers is null)
        {
            return;
        }

        var bytes = 0;
        foreach (var (key, values) in headers)
        {
            bytes += key.Length + 4;
            foreach (var value in values)
            {
                bytes += Encoding.UTF8.GetByteCount(value ?? string.Empty);
            }

            // By length first: at most two names compared a header, none for the headers the intake does not read.
            switch (key.Length)
            {
                case 5 when Is(key, TaskHeaders.Id):
                    Id = values.ToString();
                    break;
                case 6 when Is(key, TaskHeaders.Eta):
                    Eta = values.ToString();
                    break;
                case 7 when Is(key, TaskHeaders.Task):
                    Task = values.ToString();
                    break;
                case 8 when Is(key, TaskHeaders.Reply):
                    Reply = values.ToString();
                    break;
                case 8 when Is(key, TaskHeaders.Chain):
                    Chain = values.ToString();
                    break;
                case 8 when Is(key, TaskHeaders.Chord):
                    Chord = values.ToString();
                    break;
                case 8 when Is(key, TaskHeaders.Queue):
                    Queue = values.ToString();
                    break;
                case 10 when Is(key, TaskHeaders.Attempt):
                    Attempt = values.ToString();
                    break;
                case 10 when Is(key, TaskHeaders.Expires):
                    Expires = values.ToString();
                    break;
                case 11 when Is(key, TaskHeaders.Protocol):
                    Protocol = values.ToString();
                    break;
                case 11 when Is(key, TaskHeaders.MsgId):
                    MsgId = values.ToString();
                    break;
                case 14 when Is(key, TaskHeaders.MaxRetries):
                    MaxRetries = values.ToString();
                    break;
                case 18 when Is(key, TaskHeaders.RecordRevision):
                    RecordRevision = values.ToString();
                    break;
            }
        }

        Bytes = bytes;

        static bool Is(string key, string name) => string.Equals(key, name, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The block's size as the intake bounds it: each name, its value bytes (UTF-8) and 4 bytes of framing.</summary>
    public int Bytes { get; }

    /// <summary><see cref="TaskHeaders.Task"/>.</summary>
    public string? Task { get; }

    /// <summary><see cref="TaskHeaders.Protocol"/>.</summary>
    public string? Protocol { get; }

    /// <summary><see cref="TaskHeaders.Id"/>.</summary>
    public string? Id { get; }

    /// <summary><see cref="TaskHeaders.MsgId"/>, the id's stand-in.</summary>
    public string? MsgId { get; }

    /// <summary><see cref="TaskHeaders.Reply"/>.</summary>
    public string? Reply { get; }

    /// <summary><see cref="TaskHeaders.Chain"/>.</summary>
    public string? Chain { get; }

    /// <summary><see cref="TaskHeaders.Chord"/>.</summary>
    public string? Chord { get; }

    /// <summary><see cref="TaskHeaders.Attempt"/>.</summary>
    public string? Attempt { get; }

    /// <summary><see cref="TaskHeaders.MaxRetries"/>.</summary>
    public string? MaxRetries { get; }

    /// <summary><see cref="TaskHeaders.Expires"/>.</summary>
    public string? Expires { get; }

    /// <summary><see cref="TaskHeaders.Eta"/>.</summary>
    public string? Eta { get; }

    /// <summary><see cref="TaskHeaders.Queue"/>.</summary>
    public string? Queue { get; }

    /// <summary><see cref="TaskHeaders.RecordRevision"/>.</summary>
    public string? RecordRevision { get; }
}
