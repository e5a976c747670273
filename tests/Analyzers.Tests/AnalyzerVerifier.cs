using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace TypedTasks.Analyzers.Tests;

/// <summary>Runs one analyzer over C# source that references the TypedTasks runtime.</summary>
internal static class AnalyzerVerifier<TAnalyzer>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    public static DiagnosticResult Diagnostic(DiagnosticDescriptor descriptor) => new(descriptor);

    public static Task VerifyAsync(string source, params DiagnosticResult[] expected)
        => VerifyAsync([source], expected);

    public static Task VerifyAsync(string[] sources, params DiagnosticResult[] expected)
    {
        var test = new CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
        {
            ReferenceAssemblies = TestReferences.ReferenceAssemblies,
        };
        for (var i = 0; i < sources.Length; i++)
        {
            test.TestState.Sources.Add(($"/0/Test{i}.cs", sources[i]));
        }

        TestReferences.Configure(test);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(TestContext.Current.CancellationToken);
    }
}

/// <summary>
/// References for test compilations, taken from the installed SDK's ref pack so that no reference
/// pack is downloaded at test time (see BUILD-NOTES "Tests").
/// </summary>
internal static class TestReferences
{
    /// <summary>No package: the framework comes in through <see cref="FrameworkReferences"/>.</summary>
    public static ReferenceAssemblies ReferenceAssemblies { get; } = new("net10.0");

    public static ImmutableArray<MetadataReference> FrameworkReferences { get; } = LoadFrameworkReferences();

    /// <summary>The TypedTasks runtime and the Microsoft.Extensions abstractions task code typically takes.</summary>
    public static ImmutableArray<MetadataReference> LibraryReferences { get; } =
    [
        .. new[]
        {
            typeof(TaskAttribute),
            typeof(Microsoft.Extensions.Logging.ILogger),
            typeof(Microsoft.Extensions.Options.IOptions<>),
            typeof(Microsoft.Extensions.Configuration.IConfiguration),
        }.Select(type => (MetadataReference)MetadataReference.CreateFromFile(type.Assembly.Location)),
    ];

    /// <summary>References and compilation options shared by analyzer and code fix tests.</summary>
    public static void Configure<TVerifier>(AnalyzerTest<TVerifier> test)
        where TVerifier : IVerifier, new()
    {
        test.TestState.AdditionalReferences.AddRange(FrameworkReferences);
        test.TestState.AdditionalReferences.AddRange(LibraryReferences);
        test.SolutionTransforms.Add((solution, projectId) =>
        {
            // Pointer parameters (TT0003) need unsafe code.
            var options = (CSharpCompilationOptions)solution.GetProject(projectId)!.CompilationOptions!;
            return solution.WithProjectCompilationOptions(projectId, options.WithAllowUnsafe(true));
        });
    }

    private static ImmutableArray<MetadataReference> LoadFrameworkReferences()
    {
        // typeof(object) lives in <dotnet>/shared/Microsoft.NETCore.App/<version>/.
        var dotnetRoot = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", ".."));
        var packs = Path.Combine(dotnetRoot, "packs", "Microsoft.NETCore.App.Ref");
        var refDirectory = Directory.Exists(packs)
            ? Directory.GetDirectories(packs)
                .Select(version => Path.Combine(version, "ref", "net10.0"))
                .Where(Directory.Exists)
                .OrderByDescending(path => Version.TryParse(Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(path))), out var v) ? v : new Version(0, 0))
                .FirstOrDefault()
            : null;
        if (refDirectory is null)
        {
            throw new InvalidOperationException($"No net10.0 reference pack under '{packs}'; install the .NET 10 SDK.");
        }

        return [.. Directory.GetFiles(refDirectory, "*.dll").Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))];
    }
}
