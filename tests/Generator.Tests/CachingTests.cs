using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using TypedTasks.Generator.Tests.Infrastructure;

namespace TypedTasks.Generator.Tests;

/// <summary>The pipeline caches: unrelated edits leave every tracked step cached or unchanged.</summary>
public sealed class CachingTests
{
    private const string Source = """
        namespace Cache;

        public sealed record Payload(string Name, List<int> Values, Shape? Shape);

        [System.Text.Json.Serialization.JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
        [System.Text.Json.Serialization.JsonDerivedType(typeof(Circle), "circle")]
        [System.Text.Json.Serialization.JsonDerivedType(typeof(Square), 4)]
        public abstract class Shape { public string Name { get; set; } = ""; }
        public sealed class Circle : Shape { public double Radius { get; set; } }
        public sealed class Square : Shape { public double Side { get; set; } }

        public static partial class CacheTasks
        {
            [Task(Queue = "q", MaxRetries = 5, RetryBackoff = true, AutoRetryFor = [typeof(TimeoutException)], TimeLimit = "00:01:00")]
            public static async Task<Payload> Run(Payload payload, int count, TaskContext context, CancellationToken ct)
            {
                await Task.Delay(1, ct);
                return payload;
            }
        }

        public sealed partial class InstanceTasks
        {
            [Task] public void Touch(string name) { }
        }
        """;

    private static readonly string[] TrackedSteps =
    [
        TrackingNames.Parse,
        TrackingNames.Models,
        TrackingNames.AllTasks,
        TrackingNames.TypeGroups,
        TrackingNames.JsonTypes,
        TrackingNames.AssemblyName,
    ];

    [Fact]
    public void UnrelatedFile_AllStepsCachedOrUnchanged()
    {
        var compilation = GeneratorRunner.CreateCompilation(Source, "Cache");
        var driver = GeneratorRunner.CreateDriver(trackSteps: true).RunGenerators(compilation, TestContext.Current.CancellationToken);
        var modified = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Other; public class Unrelated { }", GeneratorRunner.ParseOptions, path: "Unrelated.cs", cancellationToken: TestContext.Current.CancellationToken));
        driver = driver.RunGenerators(modified, TestContext.Current.CancellationToken);

        AssertCachedOrUnchanged(driver.GetRunResult().Results.Single());
    }

    [Fact]
    public void EditInsideTaskBody_ModelsUnchanged()
    {
        var compilation = GeneratorRunner.CreateCompilation(Source, "Cache");
        var driver = GeneratorRunner.CreateDriver(trackSteps: true).RunGenerators(compilation, TestContext.Current.CancellationToken);
        var tree = compilation.SyntaxTrees.Single(t => t.FilePath == "Source1.cs");
        var newTree = tree.WithChangedText(tree.GetText(TestContext.Current.CancellationToken).Replace(Source.IndexOf("Task.Delay(1", StringComparison.Ordinal), "Task.Delay(1".Length, "Task.Delay(2"));
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(tree, newTree), TestContext.Current.CancellationToken);

        var result = driver.GetRunResult().Results.Single();
        foreach (var name in TrackedSteps.Where(n => n != TrackingNames.Parse))
        {
            AssertOutputs(result, name);
        }

        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"output: {o.Reason}"));
    }

    [Fact]
    public void Models_HoldNoSymbolsSyntaxOrLocations()
    {
        var compilation = GeneratorRunner.CreateCompilation(Source, "Cache");
        var result = GeneratorRunner.CreateDriver(trackSteps: true).RunGenerators(compilation, TestContext.Current.CancellationToken).GetRunResult().Results.Single();
        foreach (var name in TrackedSteps)
        {
            Assert.True(result.TrackedSteps.ContainsKey(name), $"step {name} is not tracked");
            foreach (var output in result.TrackedSteps[name].SelectMany(s => s.Outputs))
            {
                AssertNoBannedTypes(output.Value, name, new HashSet<object>(ReferenceEqualityComparer.Instance));
            }
        }
    }

    [Fact]
    public void Output_IsDeterministic()
    {
        var first = GeneratorRunner.RunClean(Source, "Cache").Sources;
        var second = GeneratorRunner.RunClean(Source, "Cache").Sources;
        Assert.Equal(first, second);
        Assert.DoesNotContain(first.Values, text => text.Contains("/tmp", StringComparison.Ordinal) || text.Contains("Source1.cs", StringComparison.Ordinal));
    }

    private static void AssertCachedOrUnchanged(GeneratorRunResult result)
    {
        foreach (var name in TrackedSteps)
        {
            AssertOutputs(result, name);
        }

        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"output: {o.Reason}"));
    }

    private static void AssertOutputs(GeneratorRunResult result, string name)
    {
        Assert.True(result.TrackedSteps.TryGetValue(name, out var steps), $"step {name} did not run");
        foreach (var output in steps!.SelectMany(s => s.Outputs))
        {
            Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"step {name}: {output.Reason}");
        }
    }

    private static void AssertNoBannedTypes(object? value, string step, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value))
        {
            return;
        }

        Assert.False(value is ISymbol or SyntaxNode or Location or Compilation or SemanticModel or SyntaxTree, $"step {step} holds a {value.GetType().Name}");
        if (value is IEnumerable enumerable)
        {
            foreach (var item in enumerable)
            {
                AssertNoBannedTypes(item, step, seen);
            }

            return;
        }

        foreach (var field in value.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            AssertNoBannedTypes(field.GetValue(value), step, seen);
        }
    }
}
