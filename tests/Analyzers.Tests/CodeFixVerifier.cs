using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace TypedTasks.Analyzers.Tests;

/// <summary>Runs one analyzer and one code fix over C# source that references the TypedTasks runtime.</summary>
internal static class CodeFixVerifier<TAnalyzer, TCodeFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    public static DiagnosticResult Diagnostic(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor) => new(descriptor);

    /// <summary>Checks that the fix turns <paramref name="source"/> into <paramref name="fixedSource"/>; the same text means no fix is offered.</summary>
    public static Task VerifyAsync(string source, string fixedSource, params DiagnosticResult[] expected)
        => VerifyAsync([source], [fixedSource], expected);

    /// <summary>As <see cref="VerifyAsync(string, string, DiagnosticResult[])"/>, over several files.</summary>
    public static Task VerifyAsync(string[] sources, string[] fixedSources, DiagnosticResult[] expected, Action<CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>>? configure = null)
    {
        var test = new CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
        {
            ReferenceAssemblies = TestReferences.ReferenceAssemblies,
        };
        for (var i = 0; i < sources.Length; i++)
        {
            test.TestState.Sources.Add(($"/0/Test{i}.cs", sources[i]));
        }

        for (var i = 0; i < fixedSources.Length; i++)
        {
            test.FixedState.Sources.Add(($"/0/Test{i}.cs", fixedSources[i]));
        }

        TestReferences.Configure(test);
        test.ExpectedDiagnostics.AddRange(expected);
        configure?.Invoke(test);
        return test.RunAsync(TestContext.Current.CancellationToken);
    }
}
