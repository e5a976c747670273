using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using TypedTasks.Semantics;

namespace TypedTasks.Analyzers.Tests;

/// <summary>
/// Issue 10: a service-like task parameter (a DbContext, an HttpClient, a logger, the service provider, an interface
/// named like a service) used to get TT0102, TT0104 ("add a public parameterless constructor", wrong for a service)
/// and, from the generator, TT0101 at once. With every analyzer running together, it gets exactly one: TT0102.
/// </summary>
public class ServiceParameterTests
{
    [Fact]
    public async Task ServiceParameters_AllAnalyzers_OnlyTT0102EachAsync()
    {
        const string source = """
            using System;
            using System.Net.Http;
            using Microsoft.EntityFrameworkCore;
            using Microsoft.Extensions.Logging;
            using TypedTasks;

            public sealed class AppDbContextOptions { }

            public sealed class AppDbContext : DbContext
            {
                public AppDbContext(AppDbContextOptions options) { }

                public DbSet<Order> Orders { get; } = new();
            }

            public sealed class Order { public int Id { get; set; } }

            public interface IEmailSender { void Send(string to); }

            public partial class Jobs
            {
                [Task]
                public static void Run(
                    int orderId,
                    AppDbContext db,
                    HttpClient http,
                    ILogger<Jobs> logger,
                    IServiceProvider services,
                    IEmailSender email)
                { }
            }
            """;

        var diagnostics = await RunAllAnalyzersAsync(TaskParameterMustNotBeServiceAnalyzerTests.FakeFrameworks, source);

        Assert.All(diagnostics, diagnostic => Assert.Equal(Descriptors.ParameterMustNotBeService.Id, diagnostic.Id));
        Assert.Equal(
            ["db", "http", "logger", "services", "email"],
            diagnostics.OrderBy(d => d.Location.SourceSpan.Start).Select(d => d.GetMessage().Split('\'')[1]));
    }

    [Fact]
    public async Task ServiceParameters_FromServices_NoDiagnosticAsync()
    {
        const string source = """
            using System.Net.Http;
            using Microsoft.EntityFrameworkCore;
            using TypedTasks;

            public sealed class AppDbContext : DbContext { public AppDbContext(int pool) { } }

            public partial class Jobs
            {
                [Task]
                public static void Run(int orderId, [FromServices] AppDbContext db, [FromServices] HttpClient http) { }
            }
            """;

        Assert.Empty(await RunAllAnalyzersAsync(TaskParameterMustNotBeServiceAnalyzerTests.FakeFrameworks, source));
    }

    /// <summary>Every analyzer of TypedTasks.Analyzers over the sources; diagnostics at Info and above (TT0301 asks for a contracts file: left out).</summary>
    private static async Task<ImmutableArray<Diagnostic>> RunAllAnalyzersAsync(params string[] sources)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var compilation = CSharpCompilation.Create(
            "ServiceParameters",
            sources.Select((text, i) => CSharpSyntaxTree.ParseText(text, new CSharpParseOptions(LanguageVersion.Latest), $"Test{i}.cs", cancellationToken: cancellationToken)),
            [.. TestReferences.FrameworkReferences, .. TestReferences.LibraryReferences],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var errors = compilation.GetDiagnostics(cancellationToken).Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, "The test source does not compile:\n" + string.Join("\n", errors));

        var analyzers = typeof(TaskParameterMustNotBeServiceAnalyzer).Assembly.GetTypes()
            .Where(type => typeof(DiagnosticAnalyzer).IsAssignableFrom(type) && !type.IsAbstract)
            .Select(type => (DiagnosticAnalyzer)Activator.CreateInstance(type)!)
            .ToImmutableArray();
        var diagnostics = await compilation.WithAnalyzers(analyzers).GetAnalyzerDiagnosticsAsync(cancellationToken);
        return [.. diagnostics.Where(d => d.Id != Descriptors.ContractMustBeRecorded.Id)];
    }
}
