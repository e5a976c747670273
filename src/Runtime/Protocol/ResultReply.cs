using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace TypedTasks.Protocol;

/// <summary>
/// Where a worker notifies a waiting producer (<c>TT-Reply</c>), and the token it echoes back (<c>TT-Reply-Token</c>,
/// docs/protocol.md §2 and §6). The producer makes a random token per task and keeps it with its wait; a notification
/// carrying it was sent by a worker that held this task's message, so the wait may return the record it carries without
/// reading it back from the store. A notification without the token (forged by anyone else allowed to publish on the
/// subject, or sent for another task) only wakes the wait, which then reads the store.
/// </summary>
/// <param name="Subject">The results subject, of the shape the protocol defines (checked by the intake).</param>
/// <param name="Token">The producer's token for this task, 32 lowercase hex digits; null when it sent none.</param>
internal readonly record struct ResultReply(string Subject, string? Token)
{
    /// <summary>The length of a token: 16 random bytes in lowercase hex.</summary>
    public const int TokenLength = 32;

    /// <summary>A new token from the system's cryptographic random source.</summary>
    public static string NewToken()
        => string.Create(TokenLength, 0, static (chars, _) =>
        {
            Span<byte> bytes = stackalloc byte[TokenLength / 2];
            RandomNumberGenerator.Fill(bytes);
            for (var i = 0; i < bytes.Length; i++)
            {
                chars[2 * i] = Hex(bytes[i] >> 4);
                chars[(2 * i) + 1] = Hex(bytes[i] & 0xF);
            }
        });

    /// <summary>Whether a header value has the shape of a token.</summary>
    public static bool IsToken(string? value)
    {
        if (value is not { Length: TokenLength })
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether a notification's token is the one the wait expects (compared in constant time).</summary>
    public static bool Matches(string? expected, string? presented)
        => expected is { Length: TokenLength } && presented is { Length: TokenLength }
           && CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(expected.AsSpan()), MemoryMarshal.AsBytes(presented.AsSpan()));

    private static char Hex(int nibble) => (char)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
}
