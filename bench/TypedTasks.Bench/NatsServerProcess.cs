using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TypedTasks.Bench;

/// <summary>A nats-server with JetStream on a free loopback port and a fresh temp store, killed at the end.</summary>
public sealed class NatsServerProcess : IAsyncDisposable
{
    private readonly string _storeDir = Path.Combine(Path.GetTempPath(), "tt-bench-" + Guid.NewGuid().ToString("N"));
    private readonly StringBuilder _output = new();
    private Process? _process;

    /// <summary>The last line of the server's log containing <paramref name="text"/>, or null.</summary>
    public string? LastLogLine(string text)
    {
        lock (_output)
        {
            return _output.ToString().Split('\n').LastOrDefault(l => l.Contains(text, StringComparison.OrdinalIgnoreCase));
        }
    }

    /// <summary>How many lines of the server's log so far contain <paramref name="text"/> (e.g. "Slow Consumer").</summary>
    public int CountLogLines(string text)
    {
        lock (_output)
        {
            return _output.ToString().Split('\n').Count(l => l.Contains(text, StringComparison.OrdinalIgnoreCase));
        }
    }

    public int Port { get; } = FreePort();

    /// <summary>BENCH_VARZ=1: the server's monitoring port, for messages and bytes per task (a diagnostic, off by default).</summary>
    public static readonly int? MonitorPort = Environment.GetEnvironmentVariable("BENCH_VARZ") == "1" ? FreePort() : null;

    /// <summary>The server's message and byte counters (BENCH_VARZ=1), or null.</summary>
    public static async Task<long[]?> VarzAsync()
    {
        if (MonitorPort is not { } port)
        {
            return null;
        }

        using var http = new System.Net.Http.HttpClient();
        using var doc = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/varz"));
        var root = doc.RootElement;
        return [root.GetProperty("in_msgs").GetInt64(), root.GetProperty("in_bytes").GetInt64(), root.GetProperty("out_msgs").GetInt64(), root.GetProperty("out_bytes").GetInt64()];
    }

    public string Url => $"nats://127.0.0.1:{Port}";

    public string Version { get; private set; } = "?";

    /// <summary>When set (e.g. <c>8MB</c>), the server is started with a config file raising <c>max_payload</c> (default 1 MB).</summary>
    public string? MaxPayload { get; init; }

    private static Process? s_running;

    /// <summary>The CPU time the nats-server started last has used (all threads; zero when none runs): the broker shares the
    /// cores, so what a side costs it counts too.</summary>
    public static TimeSpan ServerCpu
    {
        get
        {
            try
            {
                if (s_running is { HasExited: false } process)
                {
                    process.Refresh();
                    return process.TotalProcessorTime;
                }
            }
            catch (InvalidOperationException)
            {
            }

            return TimeSpan.Zero;
        }
    }

    /// <summary>The server's process id (once started).</summary>
    public int? ProcessId => _process?.Id;

    /// <summary>In a child process of the bench: reads the CPU time of the server the parent started.</summary>
    public static void Attach(int pid)
    {
        s_running = Process.GetProcessById(pid);
        Countdown.ServerCpu = static () => ServerCpu;
    }

    public async Task StartAsync()
    {
        Directory.CreateDirectory(_storeDir);
        var binary = TypedTasks.Testing.NatsServerBinary.Find();
        Version = (await RunAsync(binary, "--version")).Trim().Replace("nats-server: ", string.Empty, StringComparison.Ordinal);
        var config = string.Empty;
        if (MaxPayload is not null)
        {
            var file = Path.Combine(_storeDir, "bench.conf");
            await File.WriteAllTextAsync(file, $"max_payload: {MaxPayload}\n");
            config = $" -c {file}";
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = _output;
        var process = new Process
        {
            StartInfo = new ProcessStartInfo(binary, $"-js -a 127.0.0.1 -p {Port} -sd {_storeDir}{config}" + (MonitorPort is { } m ? $" -m {m}" : string.Empty))
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

            lock (output)
            {
                output.AppendLine(e.Data);
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
        s_running = process;
        Countdown.ServerCpu = static () => ServerCpu;
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(20));
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        try
        {
            Directory.Delete(_storeDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task<string> RunAsync(string file, string args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
        var stdout = await p.StandardOutput.ReadToEndAsync();
        var stderr = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return string.IsNullOrWhiteSpace(stdout) ? stderr : stdout;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
