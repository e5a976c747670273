using System.Buffers.Binary;
using System.Security.Cryptography;

namespace TypedTasks.Protocol;

/// <summary>
/// Task ids and reply tokens: random bytes from the system's cryptographic source, drawn from a small per-thread buffer
/// refilled <see cref="PoolSize"/> bytes at a time. Every send needs 26 of them (10 for the id, 16 for the token), and
/// one call to the source costs about as much as the rest of the send's own work on a virtual machine (a system call
/// per <see cref="Guid.NewGuid"/>, a locked DRBG per <see cref="RandomNumberGenerator.Fill(Span{byte})"/>); a buffered
/// draw is as unpredictable as a direct one (the bytes are the same source's output, each handed out once and then
/// wiped).
/// </summary>
internal static class RandomIds
{
    /// <summary>How many random bytes one refill draws.</summary>
    internal const int PoolSize = 4096;

    /// <summary>The length of a task id: a UUID version 7 in lowercase hex without dashes (the "N" format).</summary>
    public const int TaskIdLength = 32;

    [ThreadStatic]
    private static byte[]? t_pool;

    [ThreadStatic]
    private static int t_next;

    /// <summary>
    /// A new task id: a UUID version 7 (48 bits of Unix milliseconds, then 74 random bits; RFC 9562) in the "N" format, so
    /// that KV keys and logs sort in send order. The same shape as <c>Guid.CreateVersion7().ToString("N")</c>, on every
    /// target framework.
    /// </summary>
    public static string NewTaskId()
        => string.Create(TaskIdLength, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), static (chars, milliseconds) =>
        {
            Span<byte> uuid = stackalloc byte[16];
            BinaryPrimitives.WriteInt64BigEndian(uuid[..8], milliseconds << 16);
            Take(uuid[6..]);
            uuid[6] = (byte)(0x70 | (uuid[6] & 0x0F)); // version 7
            uuid[8] = (byte)(0x80 | (uuid[8] & 0x3F)); // variant 10xx
            WriteHex(uuid, chars);
        });

    /// <summary>Fills <paramref name="destination"/> (an even number of characters, at most 64) with random lowercase hex digits.</summary>
    public static void FillHex(Span<char> destination)
    {
        Span<byte> random = stackalloc byte[destination.Length / 2];
        Take(random);
        WriteHex(random, destination);
    }

    /// <summary>Fills <paramref name="destination"/> (at most <see cref="PoolSize"/> bytes) with random bytes from this thread's buffer.</summary>
    internal static void Take(Span<byte> destination)
    {
        var pool = t_pool;
        var next = t_next;
        if (pool is null)
        {
            pool = t_pool = new byte[PoolSize];
            next = PoolSize;
        }

        if (next + destination.Length > PoolSize)
        {
            RandomNumberGenerator.Fill(pool);
            next = 0;
        }

        var taken = pool.AsSpan(next, destination.Length);
        taken.CopyTo(destination);
        taken.Clear();
        t_next = next + destination.Length;
    }

    private static void WriteHex(ReadOnlySpan<byte> bytes, Span<char> chars)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            chars[2 * i] = Hex(bytes[i] >> 4);
            chars[(2 * i) + 1] = Hex(bytes[i] & 0xF);
        }
    }

    private static char Hex(int nibble) => (char)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
}
