namespace TypedTasks.Runtime.Tests.Architecture;

/// <summary>
/// The runtime's folders are its stages (docs/architecture.md), and each folder uses only the folders below it: a task
/// message flows one way, and a newcomer can read any stage knowing only what is under it.
/// </summary>
public sealed class ArchitectureTests
{
    /// <summary>Bottom to top. A folder may use the folders before it in this list, never one after it.</summary>
    private static readonly string[] Stages =
    [
        "Tasks",      // what users write: attributes, options, context, states, exceptions
        "Generated",  // what generated code calls (namespace TypedTasks.Generated) and the task table
        "Protocol",   // the wire: names, headers, records, events, their JSON (docs/protocol.md)
        "Topology",   // the connection, streams, consumers, buckets, the scheduling mode, connection settings
        "Telemetry",  // spans, metrics, task events
        "Backend",    // the one writer and reader of task records
        "Intake",     // a delivered message becomes a validated task message or a dead letter
        "Executor",   // runs one task
        "Client",     // sends tasks, hands out handles, inspects
        "Worker",     // fetch, slots, settle
        "Eager",      // eager mode: the client that runs tasks in the sender
        "Health",     // the health check
        "Hosting",    // AddTypedTasks and friends
    ];

    private static readonly Lazy<RuntimeFolderGraph> Graph = new(RuntimeFolderGraph.Load);

    [Fact]
    public void RuntimeFolders_HaveNoCycle()
    {
        var cycles = Graph.Value.Cycles();
        Assert.True(cycles.Count == 0, "Folders of src/Runtime that use each other: " + string.Join("; ", cycles.Select(Describe)));
    }

    [Fact]
    public void EveryRuntimeFolder_IsAStage()
    {
        // Folders with sources only: git keeps no empty folder, a working tree may.
        var folders = Directory.EnumerateDirectories(Graph.Value.RuntimeDirectory)
            .Where(d => Directory.EnumerateFiles(d, "*.cs", SearchOption.AllDirectories).Any())
            .Select(Path.GetFileName)
            .Where(name => name is not ("bin" or "obj" or "Properties"))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Empty(folders.Except(Stages, StringComparer.Ordinal));
        Assert.Empty(Directory.EnumerateFiles(Graph.Value.RuntimeDirectory, "*.cs"));
    }

    [Fact]
    public void EveryStage_UsesOnlyTheStagesBelowIt()
    {
        var upward = Graph.Value.Edges
            .SelectMany(from => from.Value.Select(to => (From: from.Key, To: to.Key, Example: to.Value)))
            .Where(edge => Array.IndexOf(Stages, edge.To) >= Array.IndexOf(Stages, edge.From))
            .Select(edge => $"{edge.From} -> {edge.To}: {edge.Example}")
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.True(upward.Count == 0, "Uses of a stage above (or beside) the user:\n" + string.Join("\n", upward));
    }

    [Fact]
    public void EveryType_LivesInOneStage()
    {
        var split = Graph.Value.TypeFolders.Keys.Where(name => name.Contains('@', StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        Assert.Empty(split);
    }

    [Fact]
    public void TheGraph_SeesTheDependencies()
    {
        // The test would pass on an empty graph: make sure names are bound (the worker runs tasks with the executor).
        Assert.Contains("Executor", Graph.Value.Edges["Worker"].Keys);
        Assert.Contains("Backend", Graph.Value.Edges["Eager"].Keys);
    }

    private string Describe(IReadOnlyList<string> cycle)
        => string.Join(", ", cycle) + " (" + string.Join("; ", cycle.SelectMany(from => Graph.Value.Edges.TryGetValue(from, out var targets)
            ? targets.Where(t => cycle.Contains(t.Key)).Select(t => $"{from} -> {t.Key}: {t.Value}")
            : [])) + ")";
}
