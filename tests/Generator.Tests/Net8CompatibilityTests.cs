using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using TypedTasks.Generator.Tests.Infrastructure;

namespace TypedTasks.Generator.Tests;

/// <summary>The JSON metadata uses only APIs that .NET 8's System.Text.Json has.</summary>
public sealed class Net8CompatibilityTests
{
    private const string Types = """
        using System;
        using System.Collections.Generic;
        using System.Text.Json.Serialization;

        namespace Shop;

        public enum Priority { Low, Normal, High }
        public sealed record OrderLine(string Sku, int Quantity, decimal Price = 1.5m);
        public sealed class Customer
        {
            public required string Name { get; init; }
            [JsonPropertyName("mail")] public string? Email { get; set; }
            [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Note { get; set; }
            public List<string> Tags { get; set; } = new();
            public Dictionary<string, int> Scores { get; } = new();
        }
        public struct Point { public int X { get; set; } public int Y { get; set; } }
        public sealed record Order(Guid Id, DateTimeOffset PlacedAt, Customer Customer, IReadOnlyList<OrderLine> Lines, Priority Priority, int? Discount);

        [JsonPolymorphic(TypeDiscriminatorPropertyName = "kind", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FallBackToBaseType, IgnoreUnrecognizedTypeDiscriminators = true)]
        [JsonDerivedType(typeof(Circle), "circle")]
        [JsonDerivedType(typeof(Square), 2)]
        public abstract class Shape { public string Name { get; set; } = ""; }
        public sealed class Circle : Shape { public double Radius { get; set; } }
        public sealed class Square : Shape { public double Side { get; set; } }
        [JsonDerivedType(typeof(Box))]
        public interface IPackage { Shape? Content { get; } }
        public sealed record Box(Shape? Content) : IPackage;
        """;

    [Fact]
    public void JsonMetadata_CompilesAgainstNet8ReferenceAssemblies()
    {
        var packs = Path.Combine(Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"), "microsoft.netcore.app.ref");
        var net8 = Directory.Exists(packs) ? Directory.GetDirectories(packs, "8.0.*").OrderBy(d => d, StringComparer.Ordinal).LastOrDefault() : null;
        if (net8 is null)
        {
            Assert.Skip("The .NET 8 reference pack is not in the NuGet cache (restore a net8.0 project once).");
        }

        var tasks = """
            namespace Shop;

            public static partial class OrderTasks
            {
                [Task]
                public static Task<Order> PlaceOrder(Order order, Point[] points, HashSet<Priority> priorities, IDictionary<string, Point?> named, IEnumerable<DateOnly> days, TimeSpan? timeout, ICollection<Uri> uris, IReadOnlyDictionary<string, byte[]> blobs, IList<TimeOnly> times, IReadOnlyCollection<char> chars, IPackage package)
                    => Task.FromResult(order);
            }
            """;
        var result = GeneratorRunner.RunClean(tasks, "Shop", Types);
        var metadata = result.Sources["TypedTasks.JsonMetadata.g.cs"];

        var references = Directory.GetFiles(Path.Combine(net8, "ref", "net8.0"), "*.dll").Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create(
            "Net8Check",
            [CSharpSyntaxTree.ParseText(Types, GeneratorRunner.ParseOptions, cancellationToken: TestContext.Current.CancellationToken), CSharpSyntaxTree.ParseText(metadata, GeneratorRunner.ParseOptions, cancellationToken: TestContext.Current.CancellationToken)],
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, generalDiagnosticOption: ReportDiagnostic.Error));
        GeneratorRunner.AssertCompiles(compilation);
    }
}
