using System.ComponentModel;
using System.Reflection;
using TypedTasks.Generated;

namespace TypedTasks.Runtime.Tests;

/// <summary>
/// Issue 10: the public API shows users only what they use. What generated code needs must be public, so it lives in
/// namespace <c>TypedTasks.Generated</c>, hidden from IntelliSense (<c>EditorBrowsable(Never)</c>); the recorded
/// baseline (<c>src/Runtime/PublicAPI.*.txt</c>, kept exact by RS0016/RS0017) names plumbing nowhere else.
/// </summary>
public sealed class PublicApiTests
{
    private const string GeneratedNamespace = "TypedTasks.Generated";

    /// <summary>Types only generated code uses; user code never needs them.</summary>
    private static readonly string[] Plumbing = ["TaskInvocation", "ITaskArguments", "TaskArgumentReader", "TaskInvoker", "TaskArgumentInfo", "TaskArgumentKind"];

    private static readonly Assembly Runtime = typeof(TaskInvocation).Assembly;

    private static readonly Lazy<IReadOnlyList<string>> Baseline = new(LoadBaseline);

    [Fact]
    public void Baseline_DeclaresPlumbingTypes_OnlyInTypedTasksGenerated()
    {
        var misplaced = BaselineTypes().Where(t => Plumbing.Contains(SimpleName(t)) && NamespaceOf(t) != GeneratedNamespace).ToList();

        Assert.True(misplaced.Count == 0, "Types for generated code outside namespace TypedTasks.Generated: " + string.Join(", ", misplaced));
    }

    [Fact]
    public void Baseline_IsRead()
    {
        // The test above would pass on a baseline it cannot parse: make sure it sees the plumbing where it belongs.
        var types = BaselineTypes();
        Assert.All(Plumbing, name => Assert.Contains($"{GeneratedNamespace}.{name}", types));
        Assert.Contains("TypedTasks.TaskHandle", types);
    }

    [Fact]
    public void Baseline_ExposesNoJetStreamOrKeyValueTypes()
    {
        // Settings use our own types (StorageType), so a NATS.Net upgrade cannot change our API.
        var leaks = Baseline.Value.Where(line => line.Contains("NATS.Client.JetStream", StringComparison.Ordinal) || line.Contains("NATS.Client.KeyValueStore", StringComparison.Ordinal)).ToList();

        Assert.Empty(leaks);
    }

    [Fact]
    public void EveryPublicTypeOfTypedTasksGenerated_IsHiddenFromIntelliSense()
    {
        var generated = Runtime.GetExportedTypes().Where(t => t.Namespace == GeneratedNamespace).ToList();

        Assert.NotEmpty(generated);
        var visible = generated.Where(t => !IsHidden(t)).Select(t => t.FullName).ToList();
        Assert.True(visible.Count == 0, "Types in TypedTasks.Generated without [EditorBrowsable(EditorBrowsableState.Never)]: " + string.Join(", ", visible));
    }

    [Fact]
    public void PlumbingTypes_LiveInTypedTasksGenerated()
    {
        var misplaced = Runtime.GetExportedTypes()
            .Where(t => Plumbing.Contains(t.Name.Split('`')[0]) && t.Namespace != GeneratedNamespace)
            .Select(t => t.FullName)
            .ToList();

        Assert.Empty(misplaced);
    }

    [Theory]
    [InlineData(typeof(TaskDefinition), ".ctor")]
    [InlineData(typeof(TaskDefinition<int>), ".ctor")]
    [InlineData(typeof(TaskDefinition), nameof(TaskDefinition.Invoker))]
    [InlineData(typeof(TaskDefinition), nameof(TaskDefinition.Arguments))]
    [InlineData(typeof(TaskDefinition), nameof(TaskDefinition.ResultTypeName))]
    [InlineData(typeof(TypedTasksBuilder), nameof(TypedTasksBuilder.AddTask))]
    [InlineData(typeof(TypedTasksBuilder), nameof(TypedTasksBuilder.AddTaskType))]
    [InlineData(typeof(ITaskClient), nameof(ITaskClient.EnqueueAsync))]
    public void MembersForGeneratedCode_AreHiddenFromIntelliSense(Type type, string member)
    {
        var members = type.GetMember(member, BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly);

        Assert.NotEmpty(members);
        Assert.All(members, m => Assert.True(IsHidden(m), $"{type.Name}.{member} ({m}) is visible in IntelliSense."));
    }

    private static bool IsHidden(MemberInfo member)
        => member.GetCustomAttribute<EditorBrowsableAttribute>() is { State: EditorBrowsableState.Never };

    /// <summary>The types the baseline declares: lines without a <c>-&gt;</c> (members have one), less modifiers.</summary>
    private static List<string> BaselineTypes()
        => Baseline.Value
            .Where(line => !line.Contains("->", StringComparison.Ordinal))
            .Select(line => line.Split(' ')[^1])
            .ToList();

    private static string SimpleName(string type)
    {
        var name = type.Split('<')[0];
        return name[(name.LastIndexOf('.') + 1)..];
    }

    private static string NamespaceOf(string type)
    {
        var name = type.Split('<')[0];
        var dot = name.LastIndexOf('.');
        return dot < 0 ? string.Empty : name[..dot];
    }

    private static IReadOnlyList<string> LoadBaseline()
    {
        var runtime = Path.Combine(RepositoryRoot(), "src", "Runtime");
        return new[] { "PublicAPI.Shipped.txt", "PublicAPI.Unshipped.txt" }
            .SelectMany(file => File.ReadAllLines(Path.Combine(runtime, file)))
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .ToList();
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "TypedTasks.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("TypedTasks.sln not found above " + AppContext.BaseDirectory);
    }
}
