using Microsoft.CodeAnalysis.Testing;
using TypedTasks.Semantics;
using Verifier = TypedTasks.Analyzers.Tests.AnalyzerVerifier<TypedTasks.Analyzers.ChainStepTypesMustMatchAnalyzer>;

namespace TypedTasks.Analyzers.Tests;

public class ChainStepTypesMustMatchAnalyzerTests
{
    /// <summary>Stands in for the generator's output: a typed Call and a Partial per task.</summary>
    private const string Steps = """
        using TypedTasks;
        using TypedTasks.Generated;

        public sealed record Report(string Title);

        public static class Steps
        {
            private readonly struct None : ITaskArguments
            {
                public void WriteTo(System.Text.Json.Utf8JsonWriter writer) { writer.WriteStartObject(); writer.WriteEndObject(); }
            }

            public static TaskCall<int> Count() => new(null!, new None());
            public static PartialTaskCall<int, string> Describe() => new(null!, "pages", new None());
            public static PartialTaskCall<string, Report> Render() => new(null!, "text", new None());
        }
        """;

    [Fact]
    public async Task StepsThatLineUp_DoNotReport()
    {
        const string source = """
            public static class Caller
            {
                public static object Build() => Steps.Count().Then(Steps.Describe()).Then(Steps.Render());
            }
            """;

        await Verifier.VerifyAsync([Steps, source]);
    }

    [Fact]
    public async Task SecondStepTakesAnotherType_ReportsBothTypes()
    {
        const string source = """
            public static class Caller
            {
                public static object Build() => Steps.Count().Then({|#0:Steps.Render()|});
            }
            """;

        await Verifier.VerifyAsync(
            [Steps, source],
            DiagnosticResult.CompilerError("CS1503").WithLocation(0).WithArguments("1", "TypedTasks.PartialTaskCall<string, Report>", "TypedTasks.PartialTaskCall<int, Report>"),
            Verifier.Diagnostic(Descriptors.ChainStepTypesMustMatch).WithLocation(0).WithArguments("string", "int"));
    }

    [Fact]
    public async Task ThirdStepOfAChainTakesAnotherType_ReportsBothTypes()
    {
        const string source = """
            public static class Caller
            {
                public static object Build() => Steps.Count().Then(Steps.Describe()).Then({|#0:Steps.Describe()|});
            }
            """;

        await Verifier.VerifyAsync(
            [Steps, source],
            DiagnosticResult.CompilerError("CS1503").WithLocation(0).WithArguments("1", "TypedTasks.PartialTaskCall<int, string>", "TypedTasks.PartialTaskCall<string, string>"),
            Verifier.Diagnostic(Descriptors.ChainStepTypesMustMatch).WithLocation(0).WithArguments("int", "string"));
    }

    [Fact]
    public async Task ThenOfAnotherType_DoesNotReport()
    {
        const string source = """
            public sealed class Promise<T>
            {
                public Promise<U> Then<U>(System.Func<T, U> next) => new();
            }

            public static class Caller
            {
                public static object Build(Promise<int> p) => p.Then(x => x.ToString());
            }
            """;

        await Verifier.VerifyAsync([Steps, source]);
    }
}
