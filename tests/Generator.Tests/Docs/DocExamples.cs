using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using TypedTasks.Generator.Tests.Infrastructure;

namespace TypedTasks.Generator.Tests.Docs;

/// <summary>
/// Compiles the C# examples of a page under <c>docs/</c> as a reader would paste them into a project. A code block
/// belongs to the project when an HTML comment naming its file comes right before it:
/// <code>
/// &lt;!-- file: Program.cs --&gt;
/// ```csharp
/// …
/// ```
/// </code>
/// Other blocks (fragments, shell commands) are left alone. The project is compiled in memory, as
/// <c>dotnet new console</c> would (implicit usings, top-level statements), against the runtime, with the generator.
/// </summary>
internal static partial class DocExamples
{
    /// <summary>The usings <c>dotnet new console</c> turns on (<c>ImplicitUsings</c> of Microsoft.NET.Sdk).</summary>
    public const string ConsoleImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(new[]
            {
                typeof(TaskAttribute).Assembly.Location,
                typeof(Microsoft.Extensions.Hosting.Host).Assembly.Location,
            })
            .Distinct(StringComparer.Ordinal)
            .Where(p => !p.Contains("Microsoft.CodeAnalysis", StringComparison.Ordinal) && !p.Contains("TypedTasks.Generator", StringComparison.Ordinal));
        return [.. paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))];
    });

    /// <summary>The marked code blocks of <paramref name="page"/> (a path under <c>docs/</c>), in order, as (file name, code).</summary>
    public static IReadOnlyList<(string File, string Code)> Extract(string page)
    {
        var markdown = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", page));
        var files = MarkedBlock().Matches(markdown)
            .Select(match => (match.Groups["file"].Value, match.Groups["code"].Value))
            .ToList();
        Assert.True(files.Count > 0, $"docs/{page} has no code block marked <!-- file: Name.cs -->.");
        return files;
    }

    /// <summary>
    /// Compiles <paramref name="files"/> as the project <paramref name="assemblyName"/> with the generator and returns
    /// every error and warning: the compiler's, after generation, and the generator's.
    /// </summary>
    public static ImmutableArray<Diagnostic> Compile(IEnumerable<(string File, string Code)> files, string assemblyName, OutputKind outputKind = OutputKind.ConsoleApplication)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var trees = files.Prepend(("GlobalUsings.g.cs", ConsoleImplicitUsings))
            .Select(file => CSharpSyntaxTree.ParseText(file.Item2, GeneratorRunner.ParseOptions, path: file.Item1, cancellationToken: cancellationToken));
        var compilation = CSharpCompilation.Create(
            assemblyName,
            trees,
            References.Value,
            new CSharpCompilationOptions(outputKind, nullableContextOptions: NullableContextOptions.Enable));
        GeneratorRunner.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics, cancellationToken);
        return [.. generatorDiagnostics.Concat(output.GetDiagnostics(cancellationToken)).Where(d => d.Severity >= DiagnosticSeverity.Warning)];
    }

    /// <summary>Each problem with the file and line it points at, for an assertion message.</summary>
    public static string Describe(IEnumerable<Diagnostic> diagnostics)
        => string.Join("\n", diagnostics.Select(d => $"{d.Location.GetLineSpan().Path}({d.Location.GetLineSpan().StartLinePosition.Line + 1}): {d.Id}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}"));

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "docs", "getting-started.md")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No docs/ above '{AppContext.BaseDirectory}'.");
    }

    [GeneratedRegex(@"<!--\s*file:\s*(?<file>[^\s]+)\s*-->\s*\r?\n```(?:csharp|cs)\r?\n(?<code>.*?)\r?\n```", RegexOptions.Singleline)]
    private static partial Regex MarkedBlock();
}
