using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TypedTasks.WorkerHost;

namespace TypedTasks.Fault.Tests.Infrastructure;

/// <summary>What one <c>DelayAsync</c> (here <c>ApplyAsync</c> with a fixed id) did: returned (the broker stored the
/// task) or threw, and with what.</summary>
public sealed record SendOutcome(string Id, bool Accepted, Exception? Error);

/// <summary>
/// The producer: a host with the TypedTasks client only (no worker), configured exactly like the worker processes
/// (same URL, prefix and broker settings), sending <c>fault.work</c> tasks with ids <c>t000001</c>, <c>t000002</c>, …
/// </summary>
public sealed class Producer : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly ConcurrentQueue<SendOutcome> _outcomes = new();
    private int _accepted;
    private int _attempted;

    private Producer(IHost host) => _host = host;

    public ITaskClient Client => _host.Services.GetRequiredService<ITaskClient>();

    /// <summary>Sends that returned so far.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Sends that returned or threw so far.</summary>
    public int Attempted => Volatile.Read(ref _attempted);

    public IReadOnlyList<SendOutcome> Outcomes => _outcomes.ToList();

    public static async Task<Producer> StartAsync(string url, string prefix, IReadOnlyDictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        var configuration = new Dictionary<string, string?>(settings)
        {
            ["TypedTasks:Url"] = url,
            ["TypedTasks:Prefix"] = prefix,
            ["TypedTasks:ConnectionName"] = "fault-producer",
        };
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Services.AddTypedTasks(builder.Configuration).AddTypedTasksWorkerHostTasks();
        var host = builder.Build();
        await host.StartAsync();
        return new Producer(host);
    }

    public static string IdOf(int n) => "t" + n.ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>Sends tasks <paramref name="first"/>…<paramref name="first"/>+<paramref name="count"/>-1, each working
    /// <paramref name="durationMs"/>, with up to <paramref name="inFlight"/> sends awaiting the broker at once.
    /// Never throws for a send: each outcome is recorded. With <paramref name="perSecond"/>, send number i starts no
    /// earlier than i / perSecond after the first (a producer that keeps sending, rather than one burst).</summary>
    public async Task SendAsync(int first, int count, int durationMs, int inFlight, CancellationToken cancellationToken, int? perSecond = null)
    {
        using var gate = new SemaphoreSlim(inFlight);
        var sends = new List<Task>(count);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var n = first; n < first + count; n++)
        {
            if (perSecond is { } rate && TimeSpan.FromSeconds((double)(n - first) / rate) - clock.Elapsed is { } ahead && ahead > TimeSpan.Zero)
            {
                await Task.Delay(ahead, cancellationToken); // the load's shape, not a synchronisation
            }

            await gate.WaitAsync(cancellationToken);
            sends.Add(SendOneAsync(n, durationMs, gate, cancellationToken));
        }

        await Task.WhenAll(sends);
    }

    private async Task SendOneAsync(int n, int durationMs, SemaphoreSlim gate, CancellationToken cancellationToken)
    {
        var id = IdOf(n);
        try
        {
            await Client.FaultWork().ApplyAsync(n, durationMs, new TaskOptions { TaskId = id }, cancellationToken);
            _outcomes.Enqueue(new SendOutcome(id, true, null));
            Interlocked.Increment(ref _accepted);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            _outcomes.Enqueue(new SendOutcome(id, false, ex));
        }
        finally
        {
            Interlocked.Increment(ref _attempted);
            gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        await ((IAsyncDisposable)_host).DisposeAsync();
    }
}
