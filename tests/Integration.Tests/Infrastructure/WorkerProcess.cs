using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace TypedTasks.Integration.Tests.Infrastructure;

/// <summary>
/// A TypedTasks worker in a child process (<c>tests/WorkerHost</c>) on a test's prefix, to be killed or stopped
/// for real. Disposing kills it if it still runs and writes its log to the test output.
/// </summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private const string AssemblyFile = "TypedTasks.WorkerHost.dll";

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private WorkerProcess(Process process)
    {
        _process = process;
    }

    /// <summary>The child's process id.</summary>
    public int Id => _process.Id;

    /// <summary>Completes when the child has exited.</summary>
    public Task Exited => _exited.Task;

    public int ExitCode => _process.ExitCode;

    /// <summary>What the child logged so far (stderr and stdout).</summary>
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

    public static WorkerProcess Start(NatsServer server, string prefix, TimeSpan ackWait, int maxDeliveries = 5, TimeSpan? shutdownGracePeriod = null, IEnumerable<string>? settings = null)
    {
        var dll = FindAssembly();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add($"--TypedTasks:Url={server.Url}");
        start.ArgumentList.Add($"--TypedTasks:Prefix={prefix}");
        start.ArgumentList.Add($"--TypedTasks:Worker:Concurrency=1");
        start.ArgumentList.Add($"--TypedTasks:Worker:AckWait={ackWait.ToString("c", CultureInfo.InvariantCulture)}");
        start.ArgumentList.Add($"--TypedTasks:Worker:MaxDeliveries={maxDeliveries.ToString(CultureInfo.InvariantCulture)}");
        start.ArgumentList.Add($"--TypedTasks:Worker:ShutdownGracePeriod={(shutdownGracePeriod ?? TimeSpan.FromMilliseconds(200)).ToString("c", CultureInfo.InvariantCulture)}");
        foreach (var setting in settings ?? [])
        {
            start.ArgumentList.Add(setting);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Information";

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var worker = new WorkerProcess(process);
        DataReceivedEventHandler onLine = (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (worker._output)
                {
                    worker._output.AppendLine(e.Data);
                }
            }
        };
        process.ErrorDataReceived += onLine;
        process.OutputDataReceived += onLine;
        process.Exited += (_, _) => worker._exited.TrySetResult();
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return worker;
    }

    /// <summary>SIGKILL: the process gets no chance to ack, NAK or say goodbye.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>SIGTERM: the generic host stops gracefully (what a container runtime or systemd does first).</summary>
    public async Task TerminateAsync(CancellationToken cancellationToken)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", Id.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false })!;
        await kill.WaitForExitAsync(cancellationToken);
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -TERM {Id} exited with {kill.ExitCode}.");
        }
    }

    /// <summary>Waits for the child to exit; fails with its log if it does not within <paramref name="timeout"/>.</summary>
    public async Task WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await Exited.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"The worker process {Id} did not exit within {timeout}. Its log:\n{Output}", ex);
        }

        // Exited fires before the redirected streams are drained; this waits for them.
        await _process.WaitForExitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
        finally
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"--- worker process {_process.Id} ---\n{Output}");
            _process.Dispose();
        }
    }

    /// <summary>
    /// The WorkerHost is a project reference of this test project, so the build copies it (with its runtimeconfig)
    /// next to the tests, in CI too. <c>TT_WORKERHOST_DLL</c> overrides the path.
    /// </summary>
    private static string FindAssembly()
    {
        var fromEnv = Environment.GetEnvironmentVariable("TT_WORKERHOST_DLL");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return fromEnv;
        }

        var dll = Path.Combine(AppContext.BaseDirectory, AssemblyFile);
        if (File.Exists(dll) && File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json")))
        {
            return dll;
        }

        throw new InvalidOperationException(
            $"{AssemblyFile} (with its .runtimeconfig.json) not found in {AppContext.BaseDirectory}. Build tests/Integration.Tests, which references tests/WorkerHost, or set TT_WORKERHOST_DLL.");
    }
}
