using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace TypedTasks.Worker;

/// <summary>
/// A stream message read back by sequence as the server stores it (<c>STREAM.MSG.GET</c>: the data and the raw header
/// block, base64 in JSON): the evidence for a dead letter when NATS.Net could not parse the header block it delivered.
/// </summary>
internal static class StoredOriginal
{
    /// <summary>The stored body and raw header block of message <paramref name="sequence"/> in <paramref name="stream"/>.</summary>
    public static async Task<(ReadOnlyMemory<byte> Body, ReadOnlyMemory<byte> RawHeaders)> ReadAsync(INatsJSStream stream, ulong sequence, CancellationToken cancellationToken)
    {
        var stored = await stream.GetAsync(new StreamMsgGetRequest { Seq = sequence }, cancellationToken).ConfigureAwait(false);
        var raw = stored.Message.Hdrs is { Length: > 0 } hdrs ? Convert.FromBase64String(hdrs) : default(ReadOnlyMemory<byte>);
        return (stored.Message.Data, raw);
    }
}
