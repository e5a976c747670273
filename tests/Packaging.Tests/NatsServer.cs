using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace TypedTasks.Packaging.Tests;

/// <summary>
/// A nats-server with JetStream on a port the OS picks (<c>-p -1</c>, read back from its log) and a
/// fresh store folder; killed and removed on dispose.
/// </summary>
internal sealed partial class NatsServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _storeDirectory;

    private NatsServer(Process process, string storeDirectory, string url)
    {
        _process = process;
        _storeDirectory = storeDirectory;
        Url = url;
    }

    public string Url { get; }

    public static async Task<NatsServer> StartAsync(CancellationToken cancellationToken)
    {
        var store = Path.Combine(Path.GetTempPath(), "typedtasks-packaging-nats-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(store);
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new StringBuilder();
        var process = new Process
        {
            StartInfo = new ProcessStartInfo(TypedTasks.Testing.NatsServerBinary.Find())
            {
                ArgumentList = { "-js", "-a", "127.0.0.1", "-p", "-1", "-sd", store },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
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

            if (ListeningLine().Match(e.Data) is { Success: true } match)
            {
                listening.TrySetResult("nats://127.0.0.1:" + match.Groups[1].Value);
            }
        };
        process.OutputDataReceived += onLine;
        process.ErrorDataReceived += onLine;
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("nats-server exited:\n" + output));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var url = await listening.Task.WaitAsync(TimeSpan.FromSeconds(20), cancellationToken);
        return new NatsServer(process, store, url);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_storeDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [GeneratedRegex(@"Listening for client connections on 127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningLine();
}
