using System.Buffers;
using System.Reflection;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using NATS.Client.Core;
using TypedTasks.Generated;

namespace TypedTasks.Bench.Micro;

/// <summary>What <c>TaskClient.PublishAsync</c> does per call before NATS.Net takes over.</summary>
[MemoryDiagnoser]
public class SendPath
{
    private readonly ArrayBufferWriter<byte> _buffer = new(512);
    private Utf8JsonWriter _writer = null!;

    [GlobalSetup]
    public void Setup() => _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true });

    /// <summary>The generated arguments struct writing <c>{"value":N}</c> to a reused writer (<c>ArgumentsBuffer.Write</c>).</summary>
    [Benchmark]
    public int ArgumentsEncode()
    {
        _buffer.Clear();
        _writer.Reset(_buffer);
        new EchoArguments(123_456).WriteTo(_writer);
        _writer.Flush();
        return _buffer.WrittenCount;
    }

    /// <summary>What <c>ArgumentsBuffer.Rent</c> costs when the thread's cached buffer is in use (every send beyond the first one
    /// in flight on a thread): a new 512-byte buffer and writer, then the encode.</summary>
    [Benchmark]
    public int ArgumentsEncodeColdBuffer()
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        new EchoArguments(123_456).WriteTo(writer);
        writer.Flush();
        return buffer.WrittenCount;
    }

    /// <summary>The task id (<c>RandomIds.NewTaskId</c>: a UUID v7 from a per-thread buffer of random bytes).</summary>
    [Benchmark]
    public string TaskId() => TypedTasks.Protocol.RandomIds.NewTaskId();

    /// <summary>The same id from <c>Guid.CreateVersion7</c> (one call to the system's random source per id), as sends made it before.</summary>
    [Benchmark]
    public string TaskIdFromGuid() => Guid.CreateVersion7().ToString("N");

    /// <summary>The reply subject of a task with a result, ending in its random token (<c>ResultReply.NewSubject</c>).</summary>
    [Benchmark]
    public string ReplySubject() => TypedTasks.Protocol.ResultReply.NewSubject(ResultsSubject);

    /// <summary>The same subject with its token drawn straight from <c>RandomNumberGenerator.Fill</c> (a token header was made so before).</summary>
    [Benchmark]
    public string ReplySubjectDirect()
    {
        Span<byte> bytes = stackalloc byte[16];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
        return ResultsSubject + "." + Convert.ToHexStringLower(bytes);
    }

    private const string ResultsSubject = "tt.results.0193a5c2e4d87b5c9f3e2a1b0c9d8e7f";

    /// <summary>The headers <c>TaskClient.PublishAsync</c> builds (NATS.Net adds Nats-Msg-Id to the same object).</summary>
    [Benchmark]
    public NatsHeaders Headers() => new()
    {
        ["TT-Protocol"] = "1",
        ["TT-Task"] = "bench.echo",
        ["TT-Id"] = "0193a5c2e4d87b5c9f3e2a1b0c9d8e7f",
        ["TT-Reply"] = "tt.results.0193a5c2e4d87b5c9f3e2a1b0c9d8e7f",
        ["Nats-Msg-Id"] = "0193a5c2e4d87b5c9f3e2a1b0c9d8e7f",
    };
}

/// <summary>What the worker does per task around the network calls (<c>TaskWorker.RunAsync</c>, <c>StoreAsync</c>).</summary>
[MemoryDiagnoser]
public class WorkerPath
{
    private static readonly Action<IBufferWriter<byte>, TaskResultRecord> WriteRecord = Bind<Action<IBufferWriter<byte>, TaskResultRecord>>("Write");
    private static readonly Func<ReadOnlyMemory<byte>, TaskResultRecord> ReadRecord = Bind<Func<ReadOnlyMemory<byte>, TaskResultRecord>>("Read");

    private readonly ReadOnlyMemory<byte> _body = "{\"value\":123456}"u8.ToArray();
    private readonly NatsHeaders _headers = new()
    {
        ["TT-Protocol"] = "1",
        ["TT-Task"] = "bench.echo",
        ["TT-Id"] = "0193a5c2e4d87b5c9f3e2a1b0c9d8e7f",
        ["TT-Reply"] = "tt.results.0193a5c2e4d87b5c9f3e2a1b0c9d8e7f",
        ["Nats-Msg-Id"] = "0193a5c2e4d87b5c9f3e2a1b0c9d8e7f",
    };

    private ServiceProvider _services = null!;
    private IServiceScopeFactory _scopes = null!;
    private TaskInvocation _reused = null!;
    private ReadOnlyMemory<byte> _record;
    private readonly string _worker = $"{Environment.MachineName}/{Environment.ProcessId}";

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTypedTasks(o => o.Prefix = "bench").AddTask(BenchTasks.Echo).AddTask(BenchTasks.Noop).AddWorker();
        _services = services.BuildServiceProvider();
        _scopes = _services.GetRequiredService<IServiceScopeFactory>();
        _reused = new TaskInvocation("0193a5c2e4d87b5c9f3e2a1b0c9d8e7f", "bench.echo", _body, _services, CancellationToken.None);
        _intake = new Intake.TaskIntake(_services.GetRequiredService<TaskRegistry>(), new Protocol.NatsNames("tt"), new IntakeOptions());
        _executor = _services.GetRequiredService<Executor.TaskExecutor>();
        _track = _services.GetRequiredService<Worker.RevocationRegistry>().Track;
        var buffer = new ArrayBufferWriter<byte>(256);
        WriteRecord(buffer, NewRecord("123456"u8.ToArray()));
        _record = buffer.WrittenMemory.ToArray();
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    /// <summary>The four header reads of <c>RunAsync</c> (<c>HeldMessage.Header</c>) and the protocol parse.</summary>
    [Benchmark]
    public int HeaderReads()
    {
        var n = 0;
        n += Header("TT-Protocol") is { } p && int.TryParse(p, out var v) ? v : 0;
        n += Header("TT-Task")?.Length ?? 0;
        n += Header("TT-Id")?.Length ?? 0;
        n += Header("TT-Reply")?.Length ?? 0;
        return n;
    }

    /// <summary>The DI scope <c>RunAsync</c> creates and disposes around every execution.</summary>
    [Benchmark]
    public async ValueTask ScopeCreateDispose()
    {
        var scope = _scopes.CreateAsyncScope();
        await scope.DisposeAsync();
    }

    /// <summary>Dispatcher decode + invoke of the echo task: a new <see cref="TaskInvocation"/> over the JSON body, the hand-written
    /// (generator-shaped) invoker reading <c>value</c>, calling the method and <see cref="TaskInvocation.SetResult{T}"/>.</summary>
    [Benchmark]
    public async ValueTask<int> DecodeInvokeEcho()
    {
        var invocation = new TaskInvocation("0193a5c2e4d87b5c9f3e2a1b0c9d8e7f", "bench.echo", _body, _services, CancellationToken.None);
        await BenchTasks.Echo.Invoker(invocation);
        return invocation.ResultJson.Length;
    }

    /// <summary>The same for the IgnoreResult no-op task (no SetResult).</summary>
    [Benchmark]
    public async ValueTask<bool> DecodeInvokeNoop()
    {
        var invocation = new TaskInvocation("0193a5c2e4d87b5c9f3e2a1b0c9d8e7f", "bench.noop", _body, _services, CancellationToken.None);
        await BenchTasks.Noop.Invoker(invocation);
        return invocation.HasResult;
    }

    /// <summary><see cref="TaskInvocation.SetResult{T}"/> alone, on a reused invocation.</summary>
    [Benchmark]
    public int SetResult()
    {
        _reused.SetResult(123_456, BenchTasks.IntInfo);
        return _reused.ResultJson.Length;
    }

    /// <summary>The result record as <c>StoreAsync</c> writes it: a <see cref="TaskResultRecord"/> over the task's result
    /// bytes, written by <c>ResultRecordSerializer.Write</c> (a Utf8JsonWriter cached per thread) into a pooled buffer.</summary>
    [Benchmark]
    public int ResultRecordWrite()
    {
        _recordBuffer.ResetWrittenCount();
        WriteRecord(_recordBuffer, NewRecord(_result));
        return _recordBuffer.WrittenCount;
    }

    /// <summary>The intake's check of a message as the .NET client sends it (with <c>TT-Reply</c> ending in a token and
    /// <c>TT-Fresh-Id</c>): headers, sizes, the JSON body's shape.</summary>
    [Benchmark]
    public bool IntakeCheck() => _intake.Check(_clientHeaders, _body).Rejection is null;

    /// <summary>The executor around the echo task, as the worker calls it: linked cancellation, revocation tracking, a DI
    /// scope, the context slot, decode, invoke, the result (<c>TaskExecutor.RunAsync</c>).</summary>
    [Benchmark]
    public async ValueTask<int> ExecutorRunEcho()
    {
        var context = new TaskContext("0193a5c2e4d87b5c9f3e2a1b0c9d8e7f", "bench.echo", "default", 1, 0);
        var run = await _executor.RunAsync(BenchTasks.Echo, context, _body, CancellationToken.None, _track);
        return run.ResultJson.Length;
    }

    /// <summary>The outcome's record as the backend builds and writes it (<c>StoreOutcomeAsync</c>) into a pooled buffer, on
    /// the in-memory store (then forgotten, so that every call writes).</summary>
    [Benchmark]
    public async ValueTask<int> StoreOutcome()
    {
        _recordBuffer.ResetWrittenCount();
        var run = new Backend.TaskRun("0193a5c2e4d87b5c9f3e2a1b0c9d8e7f", "bench.echo", 1, 0, _worker, DateTimeOffset.UtcNow);
        var written = await _memory.StoreOutcomeAsync(run, TaskState.Success, _result, null, null, null, _recordBuffer, CancellationToken.None);
        await _memory.ForgetAsync(run.Id, CancellationToken.None);
        return written.Stored.Length;
    }

    private readonly NatsHeaders _clientHeaders = new()
    {
        ["TT-Protocol"] = "1",
        ["TT-Task"] = "bench.echo",
        ["TT-Id"] = "0193a5c2e4d87b5c9f3e2a1b0c9d8e7f",
        ["TT-Reply"] = "tt.results.0193a5c2e4d87b5c9f3e2a1b0c9d8e7f.5f0c8e1d2a3b4c5d6e7f8091a2b3c4d5",
        ["TT-Fresh-Id"] = "NBGXDTZMAJWBQ6AE5ZNHHHGH2AHBX4NRUHBFBWV4XZ7LLAO3HCQA6EPA",
        ["Nats-Msg-Id"] = "0193a5c2e4d87b5c9f3e2a1b0c9d8e7f",
    };

    private Intake.TaskIntake _intake = null!;
    private Executor.TaskExecutor _executor = null!;
    private Func<string, CancellationTokenSource, Executor.ITerminationSignal> _track = null!;
    private readonly Backend.InMemoryResultBackend _memory = new();

    private readonly ArrayBufferWriter<byte> _recordBuffer = new(512);
    private readonly ReadOnlyMemory<byte> _result = "123456"u8.ToArray();

    /// <summary>The producer side of <c>GetAsync</c>: <c>ResultRecordSerializer.Read</c> of the notification and the typed result.</summary>
    [Benchmark]
    public int ResultRecordReadAndGetResult() => ReadRecord(_record).GetResult(BenchTasks.IntInfo);

    private TaskResultRecord NewRecord(ReadOnlyMemory<byte> result) => new()
    {
        Id = "0193a5c2e4d87b5c9f3e2a1b0c9d8e7f",
        TaskName = "bench.echo",
        State = TaskState.Success,
        ResultJson = result,
        Attempts = 1,
        Worker = _worker,
        StartedAt = DateTimeOffset.UtcNow,
        CompletedAt = DateTimeOffset.UtcNow,
    };

    private string? Header(string name) => _headers.TryGetValue(name, out var values) ? values.ToString() : null;

    private static T Bind<T>(string method)
        where T : Delegate
    {
        var type = typeof(TaskResultRecord).Assembly.GetType("TypedTasks.Protocol.ResultRecordSerializer", throwOnError: true)!;
        var parameters = typeof(T).GetMethod("Invoke")!.GetParameters().Select(p => p.ParameterType).ToArray();
        var info = type.GetMethod(method, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static, parameters)
            ?? throw new MissingMethodException(type.FullName, method);
        return info.CreateDelegate<T>();
    }
}
