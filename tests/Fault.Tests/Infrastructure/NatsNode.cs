using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace TypedTasks.Fault.Tests.Infrastructure;

/// <summary>
/// One real nats-server with JetStream on a free loopback port and its own store directory: alone, or a node of a
/// <see cref="NatsCluster"/>. Killable (SIGKILL), stoppable (SIGTERM) and restartable on the same port and store.
/// </summary>
public sealed partial class NatsNode : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tt-fault-nats-" + Guid.NewGuid().ToString("N"));
    private readonly StringBuilder _output = new();
    private string? _config;
    private Process? _process;

    public NatsNode(string name = "n1")
    {
        Name = name;
        Directory.CreateDirectory(StoreDir);
    }

    public string Name { get; }

    public int Port { get; } = FreePort();

    /// <summary>The cluster route port (used only by a cluster node).</summary>
    public int ClusterPort { get; } = FreePort();

    public string Url => $"nats://127.0.0.1:{Port}";

    public string StoreDir => Path.Combine(_directory, "store");

    /// <summary>The version the server printed at start-up, e.g. <c>2.9.10</c>.</summary>
    public string Version { get; private set; } = "unknown";

    public int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The last lines the server logged (for failure messages).</summary>
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

    /// <summary>Makes this node a cluster member: writes its config file with routes to <paramref name="peers"/>.</summary>
    public void JoinCluster(string clusterName, IEnumerable<NatsNode> peers)
    {
        var routes = string.Join(", ", peers.Where(p => p != this).Select(p => $"\"nats-route://127.0.0.1:{p.ClusterPort}\""));
        _config = Path.Combine(_directory, "server.conf");
        File.WriteAllText(_config, string.Create(CultureInfo.InvariantCulture, $$"""
            server_name: "{{Name}}"
            listen: "127.0.0.1:{{Port}}"
            jetstream {
              store_dir: "{{StoreDir}}"
            }
            cluster {
              name: "{{clusterName}}"
              listen: "127.0.0.1:{{ClusterPort}}"
              routes: [{{routes}}]
            }
            """));
    }

    /// <summary>Starts the server and waits until it says it is ready (not that JetStream has a leader).</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var arguments = _config is null
            ? $"-js -a 127.0.0.1 -p {Port} -sd {StoreDir} -n {Name}"
            : $"-c {_config}";
        var process = new Process
        {
            StartInfo = new ProcessStartInfo(TypedTasks.Testing.NatsServerBinary.Find(), arguments)
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            },
            EnableRaisingEvents = true,
        };
        DataReceivedEventHandler onLine = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (_output)
            {
                // Keep the tail only: a long run logs a lot on a cluster.
                if (_output.Length > 200_000)
                {
                    _output.Remove(0, 100_000);
                }

                _output.AppendLine(e.Data);
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
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"nats-server {Name} exited:\n{Output}"));
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _process = process;
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
    }

    /// <summary>SIGKILL: no flush, no goodbye. The store stays for a restart.</summary>
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

    /// <summary>SIGTERM: the server shuts down cleanly (what systemd or a container runtime does first).</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            Signals.Send(process.Id, Signals.Term);
            try
            {
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (TimeoutException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }

        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    [GeneratedRegex(@"\bVersion:\s+(\S+)")]
    private static partial Regex VersionLine();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
