using TypedTasks.Generator.Tests.Infrastructure;

namespace TypedTasks.Generator.Tests;

public sealed class EdgeCaseTests
{
    [Fact]
    public void InternalArgumentType_InPublicType_MakesThatProxyInternal()
    {
        var result = GeneratorRunner.RunClean("""
            namespace Edge;

            internal sealed record Secret(string Value);

            public static partial class EdgeTasks
            {
                [Task] internal static void Hide(Secret secret) { }
                [Task] public static int Show(int x) => x;
            }
            """, "Edge");
        var source = result.Sources["Edge.EdgeTasks.Tasks.g.cs"];
        Assert.Contains("internal readonly struct HideTask", source);
        Assert.Contains("public readonly struct ShowTask", source);
        Assert.Contains("internal static class EdgeTasksTaskClientExtensions", source);
    }

    [Fact]
    public void TypeNamesDifferingOnlyInCase_GetDistinctFiles()
    {
        var result = GeneratorRunner.RunClean("""
            namespace A;

            public static partial class Jobs { [Task] public static void One() { } }
            public static partial class jobs { [Task] public static void Two() { } }
            """, "Edge");
        Assert.Contains("A.Jobs.Tasks.g.cs", result.Sources.Keys);
        Assert.Contains("A.jobs.2.Tasks.g.cs", result.Sources.Keys);
    }

    [Fact]
    public void AspNetCoreFromServices_IsHonoured()
    {
        var result = GeneratorRunner.RunClean("""
            namespace Microsoft.AspNetCore.Mvc
            {
                [System.AttributeUsage(System.AttributeTargets.Parameter)]
                public sealed class FromServicesAttribute : System.Attribute { }
            }

            namespace Edge
            {
                public interface IClock { }

                public static partial class EdgeTasks
                {
                    [Task] public static void Tick([Microsoft.AspNetCore.Mvc.FromServices] IClock clock, int times) { }
                }
            }
            """, "Edge");
        Assert.Contains("GetRequiredService<global::Edge.IClock>(invocation.Services)", result.Sources["Edge.EdgeTasks.Tasks.g.cs"]);
        Assert.Contains("DelayAsync(int times, ", result.Sources["Edge.EdgeTasks.Tasks.g.cs"]);
    }

    [Fact]
    public void TaskWithoutArgumentsOrResult_Compiles()
    {
        var result = GeneratorRunner.RunClean("""
            namespace Edge;

            public static partial class EdgeTasks
            {
                [Task] public static void Ping() { }
            }
            """, "Edge");
        Assert.Contains("public global::System.Threading.Tasks.ValueTask<global::TypedTasks.TaskHandle> DelayAsync(global::System.Threading.CancellationToken cancellationToken = default)", result.Sources["Edge.EdgeTasks.Tasks.g.cs"]);
    }
}
