using System.Buffers;
using System.Text.Json;
using TypedTasks.Generated;

namespace TypedTasks.Protocol;

/// <summary>
/// A reusable buffer and JSON writer for encoding task arguments on the send path, cached per thread so
/// that a send allocates no buffer and no writer.
/// </summary>
internal sealed class ArgumentsBuffer
{
    [ThreadStatic]
    private static ArgumentsBuffer? t_cached;

    private readonly ArrayBufferWriter<byte> _buffer = new(512);
    private readonly Utf8JsonWriter _writer;

    private ArgumentsBuffer()
    {
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true });
    }

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.WrittenMemory;

    public static ArgumentsBuffer Rent()
    {
        var buffer = t_cached ?? new ArgumentsBuffer();
        t_cached = null;
        return buffer;
    }

    public static void Return(ArgumentsBuffer buffer)
    {
        // Do not keep a buffer that grew for an unusually large message.
        if (buffer._buffer.Capacity <= 64 * 1024)
        {
            t_cached = buffer;
        }
    }

    public void Write<TArguments>(TArguments arguments)
        where TArguments : ITaskArguments
    {
        _buffer.Clear();
        _writer.Reset(_buffer);
        arguments.WriteTo(_writer);
        _writer.Flush();
    }
}
