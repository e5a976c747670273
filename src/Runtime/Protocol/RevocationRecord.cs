using System.Buffers;
using System.Text.Json;

namespace TypedTasks.Protocol;

/// <summary>
/// The value of a key in the revocations bucket (<c>TT_REVOKED</c>, key = task id): whether a running attempt is to
/// be cancelled too, and when the revocation was made (docs/protocol.md §8). Any value revokes; an unreadable one
/// revokes without terminate.
/// </summary>
internal readonly record struct RevocationRecord(bool Terminate, DateTimeOffset At)
{
    public byte[] ToBytes()
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteBoolean("terminate"u8, Terminate);
            writer.WriteString("at"u8, At);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a revocation value; a value that is not such an object revokes without terminate.</summary>
    public static RevocationRecord Read(ReadOnlySpan<byte> value)
    {
        var terminate = false;
        var at = DateTimeOffset.MinValue;
        try
        {
            var reader = new Utf8JsonReader(value, new JsonReaderOptions { MaxDepth = 4 });
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isTerminate = reader.ValueTextEquals("terminate"u8);
                    var isAt = reader.ValueTextEquals("at"u8);
                    reader.Read();
                    if (isTerminate && reader.TokenType is JsonTokenType.True or JsonTokenType.False)
                    {
                        terminate = reader.GetBoolean();
                    }
                    else if (isAt && reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var time))
                    {
                        at = time;
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Whatever was read so far stands; the key's presence is what revokes.
        }

        return new RevocationRecord(terminate, at);
    }
}
