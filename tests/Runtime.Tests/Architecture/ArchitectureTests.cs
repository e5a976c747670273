namespace TypedTasks.Runtime.Tests.Architecture;

public sealed class ArchitectureTests
{
    [Fact]
    public void PrintGraph()
    {
        var graph = RuntimeFolderGraph.Load();
        var lines = graph.Edges.OrderBy(e => e.Key, StringComparer.Ordinal)
            .SelectMany(e => e.Value.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{e.Key} -> {t.Key}: {t.Value}"));
        File.WriteAllLines("/tmp/folder-graph.txt", lines.Concat(graph.Cycles().Select(c => "CYCLE " + string.Join(",", c))));
    }
}
