using System.Reflection;
using Microsoft.CodeAnalysis;
using TypedTasks.Semantics;

namespace TypedTasks.Analyzers.Tests;

public class DescriptorsTests
{
    public static TheoryData<string> Ids { get; } = [.. AllDescriptors().Select(descriptor => descriptor.Id)];

    [Theory]
    [MemberData(nameof(Ids))]
    public void Descriptor_Any_HelpLinkPointsAtItsPage(string id)
    {
        var descriptor = AllDescriptors().Single(d => d.Id == id);

        Assert.Equal($"https://github.com/typedtasks/typedtasks/blob/main/docs/diagnostics/{id}.md", descriptor.HelpLinkUri);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Descriptor_Any_HasDocPageListedInCatalog(string id)
    {
        var docs = Path.Combine(RepositoryRoot(), "docs", "diagnostics");

        var page = File.ReadAllText(Path.Combine(docs, id + ".md"));
        Assert.StartsWith($"# {id}: ", page, StringComparison.Ordinal);
        Assert.Contains($"[{id}]({id}.md)", File.ReadAllText(Path.Combine(docs, "README.md")), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Descriptor_Any_ListedInUnshippedReleases(string id)
    {
        var descriptor = AllDescriptors().Single(d => d.Id == id);
        var releases = File.ReadAllText(Path.Combine(RepositoryRoot(), "src", "Semantics", "AnalyzerReleases.Unshipped.md"));

        Assert.Contains($"{id} | {descriptor.Category} | {descriptor.DefaultSeverity} |", releases, StringComparison.Ordinal);
    }

    [Fact]
    public void Descriptors_All_HaveDistinctIds()
    {
        var ids = AllDescriptors().Select(d => d.Id).ToList();

        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
    }

    private static IEnumerable<DiagnosticDescriptor> AllDescriptors()
        => typeof(Descriptors)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(field => field.FieldType == typeof(DiagnosticDescriptor))
            .Select(field => (DiagnosticDescriptor)field.GetValue(null)!);

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (Directory.Exists(Path.Combine(directory.FullName, "docs", "diagnostics")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No docs/diagnostics above '{AppContext.BaseDirectory}'.");
    }
}
