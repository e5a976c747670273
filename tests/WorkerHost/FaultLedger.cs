using System.Globalization;
using System.Text;

namespace TypedTasks.WorkerHost;

/// <summary>
/// The fault suite's ledger (<c>tests/Fault.Tests</c>): an append-only file per worker process, independent of the
/// system under test. Each run of <see cref="FaultTasks.FaultWork"/> appends <c>S {id} {attempt} {pid} {UTC ticks}</c>
/// when it starts and <c>E …</c> when its body is done, so a test counts lost and duplicated runs exactly.
/// </summary>
/// <remarks>
/// One writer per file (the path names the process), one <c>write(2)</c> per line straight to the kernel (no user-space
/// buffer), so a SIGKILL loses no line that was written and leaves at most the line being written, which readers skip.
/// </remarks>
public static class FaultLedger
{
    private static readonly Lock s_gate = new();
    private static FileStream? s_file;

    /// <summary>Whether this process writes a ledger (<c>--Fault:Ledger=PATH</c>); elsewhere the tasks write nothing.</summary>
    public static bool IsOpen => s_file is not null;

    /// <summary>Opens (appends to) the ledger at <paramref name="path"/>; nothing when it is null or empty.</summary>
    public static void Open(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return;
        }

        lock (s_gate)
        {
            s_file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        }
    }

    /// <summary>Appends one line: <paramref name="kind"/> is <c>S</c> (started) or <c>E</c> (ended).</summary>
    public static void Write(char kind, string id, int attempt)
    {
        if (s_file is null)
        {
            return;
        }

        var line = string.Create(CultureInfo.InvariantCulture, $"{kind} {id} {attempt} {Environment.ProcessId} {DateTime.UtcNow.Ticks}\n");
        var bytes = Encoding.ASCII.GetBytes(line);
        lock (s_gate)
        {
            s_file.Write(bytes);
        }
    }
}
