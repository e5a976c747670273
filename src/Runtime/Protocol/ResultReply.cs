using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace TypedTasks.Protocol;

/// <summary>
/// The token a producer puts in the reply subject it sends with a task (<c>TT-Reply: &lt;results subject&gt;.&lt;token&gt;</c>,
/// docs/protocol.md §2 and §6). The producer makes a random token per task and keeps it with its wait; a notification
/// arriving on the subject that ends in it was published by someone who held this task's message, so the wait may return
/// the record it carries without reading it back from the store. A notification on another subject (forged by anyone
/// else allowed to publish under the producer's results subject, or sent for another task) only wakes the wait, which then
/// reads the store. The worker needs to know nothing of it: it publishes to <c>TT-Reply</c> as it is.
/// </summary>
internal static class ResultReply
{
    /// <summary>The length of a token: 16 random bytes in lowercase hex.</summary>
    public const int TokenLength = NatsNames.HexTokenLength;

    /// <summary>
    /// A new reply subject for one task: <paramref name="resultsSubject"/>, a dot and a new token from the system's
    /// cryptographic random source (<see cref="RandomIds"/>), made in one string.
    /// </summary>
    public static string NewSubject(string resultsSubject)
        => string.Create(resultsSubject.Length + 1 + TokenLength, resultsSubject, static (chars, results) =>
        {
            results.CopyTo(chars);
            chars[results.Length] = '.';
            RandomIds.FillHex(chars[(results.Length + 1)..]);
        });

    /// <summary>Whether a notification arrived on the subject the wait sent with its task (compared in constant time).</summary>
    public static bool Matches(string? expected, string presented)
        => expected is not null && expected.Length == presented.Length
           && CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(expected.AsSpan()), MemoryMarshal.AsBytes(presented.AsSpan()));
}
