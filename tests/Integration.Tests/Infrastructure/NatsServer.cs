using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace TypedTasks.Integration.Tests.Infrastructure;

/// <summary>
/// A real nats-server with JetStream on a free loopback port and a fresh store directory, started for a
/// test class and killed at the end. Restartable on the same port and store, to test persistence.
/// </summary>
public sealed partial class NatsServer : IAsyncLifetime
{
    private readonly string _storeDir = Path.Combine(Path.GetTempPath(), "tt-nats-" + Guid.NewGuid().ToString("N"));
    private readonly System.Text.StringBuilder _output = new();
    private Process? _process;

    public int Port { get; } = FreePort();

    /// <summary>A server configuration file (<c>-c</c>), e.g. users and permissions; the flags above it still apply.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>Environment variables of the server process (a configuration's <c>$NAME</c> references read them).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>What the server printed so far (its log, e.g. permission violations).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public string Url => $"nats://127.0.0.1:{Port}";

    /// <summary>The version the server printed at start-up, e.g. <c>2.9.10</c>.</summary>
    public string Version { get; private set; } = "unknown";

    /// <summary>Whether this server has native scheduled delivery (2.12+), so <c>Scheduling = Auto</c> uses it.</summary>
    internal bool HasSchedules => Topology.TaskSchedule.ServerSchedules(Version);

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_storeDir);
        await StartAsync();
    }

    public async Task StartAsync()
    {
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = _output;
        var configuration = ConfigFile is null ? string.Empty : $" -c {ConfigFile}";
        var process = new Process
        {
            StartInfo = new ProcessStartInfo(TypedTasks.Testing.NatsServerBinary.Find(), $"-js -a 127.0.0.1 -p {Port} -sd {_storeDir}{configuration}")
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            },
            EnableRaisingEvents = true,
        };
        foreach (var (name, value) in Environment)
        {
            process.StartInfo.Environment[name] = value;
        }

        DataReceivedEventHandler onLine = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (VersionLine().Match(e.Data) is { Success: true } version)
            {
                Version = version.Groups[1].Value;
            }

            if (e.Data.Contains("Server is ready", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += onLine;
        process.OutputDataReceived += onLine;
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("nats-server exited:\n" + output));
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _process = process;
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(20));
    }

    /// <summary>Kills the server (SIGKILL); the store directory stays for a restart.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        try
        {
            Directory.Delete(_storeDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\bVersion:\s+(\S+)")]
    private static partial System.Text.RegularExpressions.Regex VersionLine();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
