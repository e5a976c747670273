// One lookup of the nats-server binary for everything that starts its own server (integration tests, packaging
// tests, the bench); compiled into each of them as a linked file.
namespace TypedTasks.Testing;

/// <summary>Finds the nats-server to start: <c>NATS_SERVER_BIN</c>, else <c>PATH</c>, <c>/usr/sbin</c> (Debian), <c>/usr/local/bin</c>.</summary>
internal static class NatsServerBinary
{
    public static string Find()
    {
        var fromEnv = Environment.GetEnvironmentVariable("NATS_SERVER_BIN");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return fromEnv;
        }

        var directories = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator).Append("/usr/sbin").Append("/usr/local/bin");
        return directories.Select(d => Path.Combine(d, "nats-server")).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("nats-server not found on PATH or in /usr/sbin: install it (apt-get install -y nats-server; scripts/test.sh does) or set NATS_SERVER_BIN.");
    }
}
