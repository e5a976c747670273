using System.Runtime.InteropServices;

namespace TypedTasks.Fault.Tests.Infrastructure;

/// <summary>POSIX signals for the scenarios (Linux numbering).</summary>
internal static partial class Signals
{
    public const int Term = 15;
    public const int Stop = 19;
    public const int Cont = 18;

    public static void Send(int processId, int signal)
    {
        if (Kill(processId, signal) != 0)
        {
            throw new InvalidOperationException($"kill({processId}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int sig);
}
