using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace TypedTasks.Fault.Tests.Infrastructure;

/// <summary>
/// A TypedTasks worker in a child process (<c>tests/WorkerHost</c>), writing its runs to its own ledger file. It can
/// be killed (SIGKILL), frozen (SIGSTOP) and thawed (SIGCONT); its resident memory is read from <c>/proc</c>.
/// </summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private const string AssemblyFile = "TypedTasks.WorkerHost.dll";

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private WorkerProcess(Process process, string ledger)
    {
        _process = process;
        Ledger = ledger;
    }

    public int Id => _process.Id;

    /// <summary>The ledger file this process appends to.</summary>
    public string Ledger { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>What the child logged (warnings and errors), the tail of it.</summary>
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

    /// <summary>Starts a worker on <paramref name="url"/> and <paramref name="prefix"/>; <paramref name="settings"/> are
    /// more <c>--Key=Value</c> configuration arguments (the same broker settings as the producer's).</summary>
    public static WorkerProcess Start(string url, string prefix, string ledger, int concurrency, TimeSpan ackWait, IEnumerable<string>? settings = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, AssemblyFile);
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} not found: build tests/Fault.Tests, which references tests/WorkerHost.");
        }

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add($"--TypedTasks:Url={url}");
        start.ArgumentList.Add($"--TypedTasks:Prefix={prefix}");
        start.ArgumentList.Add($"--TypedTasks:Worker:Concurrency={concurrency.ToString(CultureInfo.InvariantCulture)}");
        start.ArgumentList.Add($"--TypedTasks:Worker:AckWait={ackWait.ToString("c", CultureInfo.InvariantCulture)}");
        start.ArgumentList.Add("--TypedTasks:Worker:ShutdownGracePeriod=00:00:02");
        start.ArgumentList.Add($"--Fault:Ledger={ledger}");
        foreach (var setting in settings ?? [])
        {
            start.ArgumentList.Add(setting);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        // Warnings only: a soak of 200,000 tasks must not fill the test's memory with log lines.
        start.Environment["Logging__LogLevel__Default"] = "Warning";

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var worker = new WorkerProcess(process, ledger);
        DataReceivedEventHandler onLine = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (worker._output)
            {
                if (worker._output.Length > 100_000)
                {
                    worker._output.Remove(0, 50_000);
                }

                worker._output.AppendLine(e.Data);
            }
        };
        process.ErrorDataReceived += onLine;
        process.OutputDataReceived += onLine;
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return worker;
    }

    /// <summary>SIGKILL: no ack, no NAK, no goodbye. Returns when the process is gone, and the time of the kill.</summary>
    public async Task<DateTime> KillAsync()
    {
        var at = DateTime.UtcNow;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        return at;
    }

    /// <summary>SIGSTOP: the process is frozen; its connection stays open, it answers nothing.</summary>
    public DateTime Freeze()
    {
        var at = DateTime.UtcNow;
        Signals.Send(Id, Signals.Stop);
        return at;
    }

    /// <summary>SIGCONT: the frozen process runs on as if nothing happened.</summary>
    public DateTime Thaw()
    {
        var at = DateTime.UtcNow;
        Signals.Send(Id, Signals.Cont);
        return at;
    }

    /// <summary>Resident memory (VmRSS of /proc/&lt;pid&gt;/status) in bytes.</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"No VmRSS in /proc/{Id}/status.");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                // A frozen process would not die of SIGTERM; SIGKILL works on it too.
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
        }
        finally
        {
            // The tail only: a broker outage makes every worker log a stack trace per reconnect attempt.
            var output = Output;
            output = output.Length > 4000 ? "…" + output[^4000..] : output;
            if (output.Length > 0)
            {
                TestContext.Current.TestOutputHelper?.WriteLine($"--- worker process {_process.Id} (warnings and errors) ---\n{output}");
            }

            _process.Dispose();
        }
    }
}
