using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace TypedTasks.Generator.Tests.Infrastructure;

/// <summary>Compiles source against the running runtime plus TypedTasks, and runs the generator on it.</summary>
internal static class GeneratorRunner
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(new[]
            {
                typeof(TaskAttribute).Assembly.Location,
                typeof(Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions).Assembly.Location,
                typeof(Microsoft.Extensions.DependencyInjection.IServiceCollection).Assembly.Location,
            })
            .Distinct(StringComparer.Ordinal)
            .Where(p => !p.Contains("Microsoft.CodeAnalysis", StringComparison.Ordinal) && !p.Contains("TypedTasks.Generator", StringComparison.Ordinal));
        return paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
    });

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp12);

    public const string GlobalUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.Threading;
        global using System.Threading.Tasks;
        global using TypedTasks;
        """;

    public static CSharpCompilation CreateCompilation(string source, string assemblyName = "TestAssembly", params string[] extraSources)
    {
        var trees = new[] { GlobalUsings, source }.Concat(extraSources)
            .Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: i == 0 ? "GlobalUsings.cs" : $"Source{i}.cs"));
        return CSharpCompilation.Create(
            assemblyName,
            trees,
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, generalDiagnosticOption: ReportDiagnostic.Error));
    }

    public static GeneratorDriver CreateDriver(bool trackSteps = false)
        => CSharpGeneratorDriver.Create(
            new[] { new TaskGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    public sealed record Result(GeneratorDriverRunResult RunResult, Compilation Output, ImmutableArray<Diagnostic> GeneratorDiagnostics, ImmutableArray<Diagnostic> CompilationDiagnostics)
    {
        public IReadOnlyDictionary<string, string> Sources => RunResult.Results.SelectMany(r => r.GeneratedSources).ToDictionary(s => s.HintName, s => s.SourceText.ToString());
    }

    public static Result Run(string source, string assemblyName = "TestAssembly", params string[] extraSources)
        => Run(source, assemblyName, checkInput: true, extraSources);

    /// <summary>Runs the generator; <paramref name="checkInput"/> is false when the input uses generated code.</summary>
    public static Result Run(string source, string assemblyName, bool checkInput, params string[] extraSources)
    {
        var compilation = CreateCompilation(source, assemblyName, extraSources);
        var inputErrors = !checkInput ? new List<Diagnostic>() : compilation.GetDiagnostics(TestContext.Current.CancellationToken).Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(inputErrors.Count == 0, "The test source itself does not compile:\n" + string.Join("\n", inputErrors));
        var driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics, TestContext.Current.CancellationToken);
        return new Result(driver.GetRunResult(), output, generatorDiagnostics, output.GetDiagnostics(TestContext.Current.CancellationToken));
    }

    /// <summary>Runs the generator and asserts that it reports nothing and that the result compiles without warnings.</summary>
    public static Result RunClean(string source, string assemblyName = "TestAssembly", params string[] extraSources)
    {
        var result = Run(source, assemblyName, extraSources);
        Assert.True(result.GeneratorDiagnostics.IsEmpty, "Generator diagnostics:\n" + string.Join("\n", result.GeneratorDiagnostics));
        AssertCompiles(result.Output);
        return result;
    }

    public static void AssertCompiles(Compilation compilation)
    {
        var problems = compilation.GetDiagnostics(TestContext.Current.CancellationToken).Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, "The generated code does not compile cleanly:\n" + string.Join("\n", problems.Select(p => $"{p} :: {Line(p)}")));
    }

    /// <summary>The source text a diagnostic points at (generator diagnostics carry a path, not a tree).</summary>
    public static string TextAt(Compilation compilation, Diagnostic diagnostic)
    {
        var path = diagnostic.Location.GetLineSpan().Path;
        var tree = compilation.SyntaxTrees.Single(t => t.FilePath == path);
        return tree.GetText(TestContext.Current.CancellationToken).ToString(diagnostic.Location.SourceSpan);
    }

    private static string Line(Diagnostic diagnostic)
    {
        var tree = diagnostic.Location.SourceTree;
        return tree is null ? string.Empty : tree.GetText().Lines[diagnostic.Location.GetLineSpan().StartLinePosition.Line].ToString().Trim();
    }
}
