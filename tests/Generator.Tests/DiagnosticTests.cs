using Microsoft.CodeAnalysis;
using TypedTasks.Generator.Tests.Infrastructure;

namespace TypedTasks.Generator.Tests;

/// <summary>TT0101: a type the generator cannot describe for System.Text.Json. The task is skipped; the rest still compiles.</summary>
public sealed class DiagnosticTests
{
    [Theory]
    [InlineData("object", "object", "object is untyped, so the worker cannot tell what to rebuild")]
    [InlineData("System.IO.Stream", "System.IO.Stream", "Stream is a stream, readable once and only in this process")]
    [InlineData("IShape", "Diag.IShape", "IShape is an interface with no [JsonDerivedType], so the worker cannot tell which type to create; add [JsonDerivedType(")]
    [InlineData("IDisposable", "System.IDisposable", "interfaces other than the supported collection interfaces cannot be deserialized")]
    [InlineData("Action", "System.Action", "Action is a delegate, code rather than data")]
    [InlineData("Dictionary<int, string>", "System.Collections.Generic.Dictionary<int, string>", "only dictionaries with string keys")]
    [InlineData("int[,]", "int[*,*]", "multi-dimensional arrays")]
    [InlineData("Holder", "Diag.Holder", "Holder.Stream: Stream is a stream")]
    [InlineData("TwoConstructors", "Diag.TwoConstructors", "TwoConstructors has no constructor System.Text.Json can use; add a public parameterless constructor or [JsonConstructor]")]
    [InlineData("Mismatch", "Diag.Mismatch", "Mismatch has no constructor System.Text.Json can use")]
    [InlineData("AbstractShape", "Diag.AbstractShape", "AbstractShape is an abstract class with no [JsonDerivedType], so the worker cannot tell which type to create; add [JsonDerivedType(")]
    [InlineData("List<IShape>", "System.Collections.Generic.List<Diag.IShape>", "add [JsonDerivedType(")]
    [InlineData("ShapeHolder", "Diag.ShapeHolder", "ShapeHolder.Shape: AbstractShape is an abstract class with no [JsonDerivedType]")]
    public void UnsupportedParameterType_ReportsTT0101_AndSkipsTheTask(string typeSyntax, string displayed, string reason)
    {
        var source = $$"""
            namespace Diag;

            public interface IShape { }
            public abstract class AbstractShape { }
            public sealed class ShapeHolder { public AbstractShape Shape { get; set; } = null!; }
            public sealed class Holder { public System.IO.Stream? Stream { get; set; } }
            public sealed class TwoConstructors { public TwoConstructors(int a) { A = a; } public TwoConstructors(string b) { } public int A { get; } }
            public sealed class Mismatch { public Mismatch(int other) { } public int Value { get; } }

            public static partial class DiagTasks
            {
                [Task] public static void Bad({{typeSyntax}} value) { }
                [Task] public static void Good(int value) { }
            }
            """;
        var result = GeneratorRunner.Run(source, "Diag");

        var diagnostic = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal("TT0101", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(typeSyntax, GeneratorRunner.TextAt(result.Output, diagnostic));
        var message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.StartsWith($"Type '{displayed}' of parameter 'value' of task 'Diag.DiagTasks.Bad' cannot be serialized by TypedTasks: ", message);
        Assert.Contains(reason, message);

        var proxies = result.Sources["Diag.DiagTasks.Tasks.g.cs"];
        Assert.Contains("GoodTask", proxies);
        Assert.DoesNotContain("BadTask", proxies);
        GeneratorRunner.AssertCompiles(result.Output);
    }

    [Fact]
    public void UnsupportedResultType_ReportsTT0101AtReturnType()
    {
        var result = GeneratorRunner.Run("""
            namespace Diag;

            public static partial class DiagTasks
            {
                [Task] public static Task<System.IO.Stream> Open(string path) => throw null!;
            }
            """, "Diag");

        var diagnostic = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal("TT0101", diagnostic.Id);
        Assert.Equal("Task<System.IO.Stream>", GeneratorRunner.TextAt(result.Output, diagnostic));
        Assert.Contains("the result of task 'Diag.DiagTasks.Open'", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Empty(result.Sources);
        GeneratorRunner.AssertCompiles(result.Output);
    }

    [Fact]
    public void ServiceParameter_NoTT0101_TaskSkipped()
    {
        // Issue 10: a service is TT0102's alone (an analyzer: mark it [FromServices]); the generator skips the task silently.
        var result = GeneratorRunner.Run("""
            namespace Diag;

            public sealed class AppDbContext : Microsoft.EntityFrameworkCore.DbContext { public AppDbContext(string connectionString) { } }

            public static partial class DiagTasks
            {
                [Task] public static void Bad(int id, AppDbContext db, System.Net.Http.HttpClient http) { }
                [Task] public static void Good(int id, [FromServices] AppDbContext db, [FromServices] System.Net.Http.HttpClient http) { }
            }
            """, "Diag", "namespace Microsoft.EntityFrameworkCore { public class DbContext { } }");

        Assert.Empty(result.GeneratorDiagnostics);
        var proxies = result.Sources["Diag.DiagTasks.Tasks.g.cs"];
        Assert.Contains("GoodTask", proxies);
        Assert.DoesNotContain("BadTask", proxies);
        GeneratorRunner.AssertCompiles(result.Output);
    }

    [Fact]
    public void UnsupportedResultType_WithIgnoreResult_IsFine()
    {
        var result = GeneratorRunner.RunClean("""
            namespace Diag;

            public static partial class DiagTasks
            {
                [Task(IgnoreResult = true)] public static System.IO.Stream Open(string path) => System.IO.Stream.Null;
            }
            """, "Diag");
        Assert.Contains("OpenTask", result.Sources["Diag.DiagTasks.Tasks.g.cs"]);
    }

    [Fact]
    public void RecursiveType_IsSupported()
    {
        GeneratorRunner.RunClean("""
            namespace Diag;

            public sealed class Node { public int Value { get; set; } public List<Node> Children { get; set; } = new(); public Node? Parent { get; set; } }

            public static partial class DiagTasks
            {
                [Task] public static Node Walk(Node root) => root;
            }
            """, "Diag");
    }

    [Theory]
    [InlineData("[JsonPolymorphic] public abstract class Base { }", "Base is an abstract class with no [JsonDerivedType]")]
    [InlineData("[JsonDerivedType(typeof(Other), \"other\")] public abstract class Base { } public sealed class Other { }", "derived type 'Poly.Other' is not derived from 'Poly.Base'")]
    [InlineData("[JsonDerivedType(typeof(A), \"x\")] [JsonDerivedType(typeof(B), \"x\")] public abstract class Base { } public sealed class A : Base { } public sealed class B : Base { }", "type discriminator \"x\" is used by several derived types")]
    [InlineData("[JsonDerivedType(typeof(A), 1)] [JsonDerivedType(typeof(A), 2)] public abstract class Base { } public sealed class A : Base { }", "derived type 'Poly.A' is listed twice")]
    [InlineData("[JsonDerivedType(typeof(Middle), \"m\")] public abstract class Base { } public abstract class Middle : Base { }", "derived type 'Poly.Middle' is abstract")]
    [InlineData("[JsonDerivedType(typeof(A), \"a\")] public abstract class Base { } public sealed class A : Base { public System.IO.Stream? S { get; set; } }", "Base (A).S: Stream is a stream")]
    [InlineData("[JsonPolymorphic(TypeDiscriminatorPropertyName = \"kind\")] [JsonDerivedType(typeof(A), \"a\")] public abstract class Base { } public sealed class A : Base { public string Kind2 { get; set; } = \"\"; [JsonPropertyName(\"kind\")] public string Kind { get; set; } = \"\"; }", "property 'Kind' of 'Poly.A' has the name of the type discriminator property 'kind'")]
    [InlineData("[JsonPolymorphic(TypeDiscriminatorPropertyName = \"$id\")] [JsonDerivedType(typeof(A), \"a\")] public abstract class Base { } public sealed class A : Base { }", "'$id' is reserved")]
    [InlineData("[JsonDerivedType(typeof(A), \"a\")] public sealed class Base { } public sealed class A { }", "need a class that is not sealed, or an interface")]
    public void InvalidPolymorphism_ReportsTT0101(string declarations, string reason)
    {
        var result = GeneratorRunner.Run($$"""
            using System.Text.Json.Serialization;

            namespace Poly;

            {{declarations}}

            public static partial class PolyTasks
            {
                [Task] public static void Bad(Base value) { }
            }
            """, "Poly");

        var diagnostic = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal("TT0101", diagnostic.Id);
        Assert.Contains(reason, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Empty(result.Sources);
        GeneratorRunner.AssertCompiles(result.Output);
    }

    [Theory]
    [InlineData("public static class NotPartial { [Task] public static void M() { } }")]
    [InlineData("public partial class Outer { public class Inner { public static partial class Deep { [Task] public static void M() { } } } }")]
    [InlineData("public static partial class GenericMethod { [Task] public static void M<T>(T value) { } }")]
    [InlineData("public partial class GenericType<T> { [Task] public static void M() { } }")]
    [InlineData("public static partial class RefParameter { [Task] public static void M(ref int value) { } }")]
    [InlineData("public static partial class OutParameter { [Task] public static void M(out int value) { value = 1; } }")]
    [InlineData("public static partial class InParameter { [Task] public static void M(in int value) { } }")]
    [InlineData("public static partial class AsyncVoid { [Task] public static async void M() { await Task.Yield(); } }")]
    [InlineData("public partial class Outer { private static partial class Hidden { [Task] public static void M() { } } }")]
    [InlineData("public partial class Outer { protected static partial class Hidden { [Task] public static void M() { } } }")]
    [InlineData("public static partial class Duplicates { [Task(Name = \"same\")] public static void A() { } [Task(Name = \"same\")] public static void B() { } }")]
    [InlineData("public static partial class Overloads { [Task(Name = \"one\")] public static void M(int a) { } [Task(Name = \"two\")] public static void M(string a) { } }")]
    [InlineData("public abstract partial class AbstractHost { [Task] public void M() { } }")]
    [InlineData("public partial struct StructHost { [Task] public void M() { } }")]
    public void InvalidTaskMethod_IsSkippedSilently(string declaration)
    {
        var result = GeneratorRunner.Run("namespace Skip;\n\n" + declaration, "Skip");
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.Sources);
        GeneratorRunner.AssertCompiles(result.Output);
    }

    [Fact]
    public void DuplicateNames_AcrossTypes_SkipBoth_KeepOthers()
    {
        var result = GeneratorRunner.RunClean("""
            namespace Skip;

            public static partial class A { [Task(Name = "same")] public static void M() { } [Task] public static void Kept() { } }
            public static partial class B { [Task(Name = "same")] public static void M() { } }
            """, "Skip");
        Assert.DoesNotContain("B.Tasks.g.cs", string.Join(",", result.Sources.Keys));
        var dispatcher = result.Sources["TypedTasks.Dispatcher.g.cs"];
        Assert.Contains("global::Skip.A.KeptTask.Definition", dispatcher);
        Assert.DoesNotContain("MTask", dispatcher);
    }

    [Fact]
    public void NoTasks_NoOutput()
    {
        var result = GeneratorRunner.RunClean("namespace Empty; public static class Nothing { }", "Empty");
        Assert.Empty(result.Sources);
    }
}
