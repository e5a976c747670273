using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Integration.Tests;

public enum Shade
{
    Light,
    Dark,
}

public sealed record Invoice(Guid Id, DateTimeOffset IssuedAt, IReadOnlyList<InvoiceLine> Lines, Shade Shade, string? Note);

public sealed record InvoiceLine(string Sku, int Quantity, decimal Price);

public sealed record InvoiceTotal(Guid InvoiceId, decimal Total, int Lines);

/// <summary>Static tasks of every return kind, compiled by the real generator.</summary>
public static partial class KindTasks
{
    [Task]
    public static void SyncVoid(string key, [FromServices] Probe probe) => probe.Executed(key);

    [Task]
    public static int SyncValue(int a, int b) => a + b;

    [Task]
    public static async Task AsyncTask(string key, [FromServices] Probe probe, CancellationToken ct)
    {
        await Task.Yield();
        ct.ThrowIfCancellationRequested();
        probe.Executed(key);
    }

    [Task(Queue = "kinds")]
    public static async Task<string> AsyncTaskOfT(string text, int times)
    {
        await Task.Yield();
        return string.Concat(Enumerable.Repeat(text, times));
    }

    [Task]
    public static ValueTask AsyncValueTask(string key, [FromServices] Probe probe)
    {
        probe.Executed(key);
        return ValueTask.CompletedTask;
    }

    [Task]
    public static ValueTask<InvoiceTotal> Total(Invoice invoice, int? discountPercent = null)
    {
        var total = invoice.Lines.Sum(l => l.Quantity * l.Price);
        if (discountPercent is { } percent)
        {
            total -= total * percent / 100;
        }

        return ValueTask.FromResult(new InvoiceTotal(invoice.Id, total, invoice.Lines.Count));
    }

    [Task]
    public static int Broken(string why) => throw new ArgumentException(why, nameof(why));

    [Task(Name = "integration.ignored", IgnoreResult = true)]
    public static int Ignored(string key, [FromServices] Probe probe)
    {
        probe.Executed(key);
        return 1;
    }
}

/// <summary>Instance tasks: the type is built from a DI scope per execution.</summary>
public sealed partial class GreeterTasks(Probe probe)
{
    [Task]
    public async Task<string> Greet(string name, CancellationToken ct)
    {
        await Task.Delay(1, ct);
        probe.Executed("greet:" + name);
        return $"Hello, {name}!";
    }
}

/// <summary>Tasks for eager mode's tests: retries, the task context and progress.</summary>
public static partial class EagerModeTasks
{
    [Task(MaxRetries = 2, AutoRetryFor = [typeof(IOException)], RetryBackoff = true)]
    public static int FlakyTwice(string key, TaskContext context, [FromServices] Probe probe)
    {
        probe.Attempted(key, context.Attempt);
        if (context.Attempt <= 2)
        {
            throw new IOException($"attempt {context.Attempt} fails");
        }

        return context.Attempt;
    }

    [Task(MaxRetries = 1, AutoRetryFor = [typeof(IOException)])]
    public static int AlwaysFails(string key) => throw new IOException("the disk is gone: " + key);

    [Task]
    public static async Task<string> Reports(string key, TaskContext context)
    {
        await context.ReportProgressAsync(0.5, "half of " + key);
        return key;
    }
}

/// <summary>Issue 14: what the user's code declares not nullable is refused as null on the wire; <c>string?</c> takes it.</summary>
public static partial class NullabilityTasks
{
    [Task]
    public static string TakeNote(string key, string id, string? note, [FromServices] Probe probe)
    {
        probe.Executed(key);
        return id + ":" + (note ?? "(no note)");
    }

    /// <summary>A parameter name that is not ASCII: the dead letter's reason must keep it (issue 14).</summary>
    [Task]
    public static void Measure(string größe, [FromServices] Probe probe) => probe.Executed("measure:" + größe);
}
