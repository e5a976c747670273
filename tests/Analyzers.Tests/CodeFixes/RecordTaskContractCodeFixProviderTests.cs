using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using TypedTasks.CodeFixes;
using TypedTasks.Semantics;

namespace TypedTasks.Analyzers.Tests.CodeFixes;

public class RecordTaskContractCodeFixProviderTests
{
    private const string Shipped = TaskContractsAnalyzerTests.Shipped;
    private const string Unshipped = TaskContractsAnalyzerTests.Unshipped;

    [Fact]
    public async Task TT0301_UnrecordedTask_AppendsSortedLineKeepingHeader()
    {
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.Logging;
            using TypedTasks;

            namespace Samples.Tasks;

            public partial class ReportTasks
            {
                [Task(Queue = "reports")]
                public static Task<int> {|#0:GenerateReport|}(int year, [FromServices] ILogger<ReportTasks> logger, string? format = "csv", CancellationToken cancellationToken = default)
                    => Task.FromResult(year);

                [Task]
                public static void Zip(string path) { }

                [Task]
                public static void Archive(string path) { }
            }
            """;

        await VerifyAsync(
            source,
            shipped: null,
            unshipped: "# Task contracts added since the last release\n\nSamples.Tasks.ReportTasks.Archive queue=default (string path) -> void\nSamples.Tasks.ReportTasks.Zip queue=default (string path) -> void\n",
            fixedShipped: null,
            fixedUnshipped: "# Task contracts added since the last release\nSamples.Tasks.ReportTasks.Archive queue=default (string path) -> void\n"
                + "Samples.Tasks.ReportTasks.GenerateReport queue=reports (int year, string? format = \"csv\") -> int\n"
                + "Samples.Tasks.ReportTasks.Zip queue=default (string path) -> void\n",
            Diagnostic(Descriptors.ContractMustBeRecorded, 0, "Samples.Tasks.ReportTasks.GenerateReport", "has no recorded contract; record it in TaskContracts.Unshipped.txt"));
    }

    [Fact]
    public async Task TT0301_NoUnshippedFile_CreatesItNextToShipped()
    {
        const string source = """
            using TypedTasks;

            public partial class Jobs
            {
                [Task]
                public static void Old(int id) { }

                [Task(Queue = "bulk")]
                public static void {|#0:New|}(int id) { }
            }
            """;
        const string shipped = "Jobs.Old queue=default (int id) -> void\n";

        await VerifyAsync(
            source,
            shipped,
            unshipped: null,
            fixedShipped: shipped,
            fixedUnshipped: "Jobs.New queue=bulk (int id) -> void\n",
            Diagnostic(Descriptors.ContractMustBeRecorded, 0, "Jobs.New", "has no recorded contract; record it in TaskContracts.Unshipped.txt"));
    }

    [Fact]
    public async Task TT0301_FixAll_RecordsEveryTaskInOneEdit()
    {
        const string source0 = """
            using TypedTasks;

            public partial class Mail
            {
                [Task]
                public static void {|#0:Send|}(string to, string? subject = null) { }
            }
            """;
        const string source1 = """
            using TypedTasks;

            public partial class Reports
            {
                [Task(Name = "reports.build")]
                public static int {|#1:Build|}(int year) => year;

                [Task]
                public static void {|#2:Clean|}() { }
            }
            """;

        await VerifyAsync(
            [source0, source1],
            shipped: null,
            unshipped: "\n",
            fixedShipped: null,
            fixedUnshipped: "Mail.Send queue=default (string to, string? subject = null) -> void\nReports.Clean queue=default () -> void\nreports.build queue=default (int year) -> int\n",
            [
                Diagnostic(Descriptors.ContractMustBeRecorded, 0, "Mail.Send", "has no recorded contract; record it in TaskContracts.Unshipped.txt"),
                Diagnostic(Descriptors.ContractMustBeRecorded, 1, "reports.build", "has no recorded contract; record it in TaskContracts.Unshipped.txt"),
                Diagnostic(Descriptors.ContractMustBeRecorded, 2, "Reports.Clean", "has no recorded contract; record it in TaskContracts.Unshipped.txt"),
            ]);
    }

    [Fact]
    public async Task TT0301_StaleUnshippedLine_IsReplaced()
    {
        const string source = """
            using TypedTasks;

            public partial class Jobs
            {
                [Task]
                public static void {|#0:Import|}(string file) { }
            }
            """;

        await VerifyAsync(
            source,
            shipped: null,
            unshipped: "Jobs.Import queue=default (string path) -> void\r\n",
            fixedShipped: null,
            fixedUnshipped: "Jobs.Import queue=default (string file) -> void\r\n",
            Diagnostic(Descriptors.ContractMustBeRecorded, 0, "Jobs.Import", "does not match its contract in TaskContracts.Unshipped.txt; record the new one"));
    }

    [Fact]
    public async Task TT0301_BackToShippedContract_RemovesUnshippedLine()
    {
        const string source = """
            using TypedTasks;

            public partial class Jobs
            {
                [Task]
                public static void {|#0:Import|}(string path) { }
            }
            """;
        const string shipped = "Jobs.Import queue=default (string path) -> void\n";

        await VerifyAsync(
            source,
            shipped,
            unshipped: "# unshipped\nJobs.Import queue=default (string path, int batch) -> void\n",
            fixedShipped: shipped,
            fixedUnshipped: "# unshipped\n",
            Diagnostic(Descriptors.ContractMustBeRecorded, 0, "Jobs.Import", "matches its shipped contract again, but TaskContracts.Unshipped.txt records another; remove that line"));
    }

    [Fact]
    public async Task TT0302_IncompatibleChange_RecordsNewContractInUnshipped()
    {
        const string source = """
            using TypedTasks;

            public partial class Jobs
            {
                [Task]
                public static void {|#0:Import|}(string path, int batch) { }
            }
            """;
        const string shipped = "Jobs.Import queue=default (string path) -> void\n";

        await VerifyAsync(
            source,
            shipped,
            unshipped: "Jobs.Import queue=default (string path, int batch = 10) -> void\n",
            fixedShipped: shipped,
            fixedUnshipped: "Jobs.Import queue=default (string path, int batch) -> void\n",
            Diagnostic(Descriptors.ShippedContractBroken, 0, "Jobs.Import", "parameter 'batch' was added without a default (queued messages lack it and are dead-lettered; give it a default)"));
    }

    [Fact]
    public async Task TT0302_RenamedTask_RecordsRemovalAndNewContract()
    {
        const string source = """
            using TypedTasks;

            namespace Mail;

            public partial class MailTasks
            {
                [Task(Queue = "email")]
                public static void {|#0:SendWelcomeEmail|}(string address) { }
            }
            """;
        const string shipped = "Mail.MailTasks.SendWelcome queue=email (string address) -> void\n";

        await VerifyAsync(
            source,
            shipped,
            unshipped: string.Empty,
            fixedShipped: shipped,
            fixedUnshipped: "*REMOVED*Mail.MailTasks.SendWelcome queue=email (string address) -> void\nMail.MailTasks.SendWelcomeEmail queue=email (string address) -> void\n",
            Diagnostic(
                Descriptors.ShippedContractBroken,
                0,
                "Mail.MailTasks.SendWelcomeEmail",
                "it was renamed from 'Mail.MailTasks.SendWelcome' (messages queued under 'Mail.MailTasks.SendWelcome' find no task and are dead-lettered; "
                + "keep the old name with [Task(Name = \"Mail.MailTasks.SendWelcome\")])"));
    }

    [Fact]
    public async Task TT0302_RemovedTask_FixOnShippedLineRecordsRemoval()
    {
        // Diagnostics on lines of additional files are not fixed by CodeFix.Testing, so the fix is run by hand here.
        const string source = """
            using TypedTasks;

            public partial class Jobs
            {
                [Task]
                public static void Keep(int id) { }
            }
            """;

        var unshipped = await FixAdditionalFileDiagnosticAsync(
            source,
            shipped: "Jobs.Keep queue=default (int id) -> void\nJobs.Purge queue=maintenance (int days) -> void\n",
            unshipped: "# since 1.0\n",
            expectedId: "TT0302",
            expectedTitle: "Record the removal of 'Jobs.Purge' in TaskContracts.Unshipped.txt");

        Assert.Equal("# since 1.0\n*REMOVED*Jobs.Purge queue=maintenance (int days) -> void\n", unshipped);
    }

    [Fact]
    public async Task TT0301_StaleLineOfDeletedTask_FixOnUnshippedLineRemovesIt()
    {
        const string source = """
            using TypedTasks;

            public partial class Jobs
            {
                [Task]
                public static void Keep() { }
            }
            """;

        var unshipped = await FixAdditionalFileDiagnosticAsync(
            source,
            shipped: null,
            unshipped: "Jobs.Draft queue=default (int id) -> void\nJobs.Keep queue=default () -> void\n",
            expectedId: "TT0301",
            expectedTitle: "Remove the stale line of 'Jobs.Draft' from TaskContracts.Unshipped.txt");

        Assert.Equal("Jobs.Keep queue=default () -> void\n", unshipped);
    }

    [Fact]
    public async Task TT0303AndTT0304_CompatibleChange_RecordsNewContract()
    {
        const string source = """
            using TypedTasks;

            public partial class Jobs
            {
                [Task(Queue = "bulk")]
                public static void {|#0:Import|}(string path, bool overwrite = false) { }
            }
            """;
        const string shipped = "Jobs.Import queue=default (string path) -> void\n";

        await VerifyAsync(
            source,
            shipped,
            unshipped: string.Empty,
            fixedShipped: shipped,
            fixedUnshipped: "Jobs.Import queue=bulk (string path, bool overwrite = false) -> void\n",
            Diagnostic(Descriptors.ShippedContractExtended, 0, "Jobs.Import", "optional parameter 'overwrite' was added"),
            Diagnostic(Descriptors.ShippedContractQueueChanged, 0, "Jobs.Import", "default", "bulk"));
    }

    /// <summary>
    /// Runs the analyzer over a workspace project, expects exactly one diagnostic (on a line of a contract file),
    /// applies the fix offered for it on that additional document, and returns the Unshipped text afterwards.
    /// </summary>
    private static async Task<string> FixAdditionalFileDiagnosticAsync(string source, string? shipped, string? unshipped, string expectedId, string expectedTitle)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var workspace = new Microsoft.CodeAnalysis.AdhocWorkspace();
        var project = workspace.AddProject("Test", Microsoft.CodeAnalysis.LanguageNames.CSharp)
            .WithCompilationOptions(new Microsoft.CodeAnalysis.CSharp.CSharpCompilationOptions(
                Microsoft.CodeAnalysis.OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: Microsoft.CodeAnalysis.NullableContextOptions.Enable))
            .AddMetadataReferences(TestReferences.FrameworkReferences)
            .AddMetadataReferences(TestReferences.LibraryReferences);
        project = project.AddDocument("Test0.cs", source, filePath: "/0/Test0.cs").Project;
        if (shipped is not null)
        {
            project = project.AddAdditionalDocument("TaskContracts.Shipped.txt", shipped, filePath: Shipped).Project;
        }

        if (unshipped is not null)
        {
            project = project.AddAdditionalDocument("TaskContracts.Unshipped.txt", unshipped, filePath: Unshipped).Project;
        }

        var compilation = await project.GetCompilationAsync(cancellationToken);
        var diagnostics = await compilation!
            .WithAnalyzers([new TaskContractsAnalyzer()], project.AnalyzerOptions)
            .GetAnalyzerDiagnosticsAsync(cancellationToken);
        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal(expectedId, diagnostic.Id);
        var document = project.AdditionalDocuments.Single(d => d.FilePath == diagnostic.Location.GetLineSpan().Path);

        var actions = new List<Microsoft.CodeAnalysis.CodeActions.CodeAction>();
        // Roslyn 4.8 does not expose the TextDocument constructor of CodeFixContext that hosts use for additional documents.
        var constructor = typeof(Microsoft.CodeAnalysis.CodeFixes.CodeFixContext).GetConstructor(
            System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic,
            binder: null,
            [
                typeof(Microsoft.CodeAnalysis.TextDocument),
                typeof(Microsoft.CodeAnalysis.Diagnostic),
                typeof(Action<Microsoft.CodeAnalysis.CodeActions.CodeAction, System.Collections.Immutable.ImmutableArray<Microsoft.CodeAnalysis.Diagnostic>>),
                typeof(CancellationToken),
            ],
            modifiers: null)!;
        Action<Microsoft.CodeAnalysis.CodeActions.CodeAction, System.Collections.Immutable.ImmutableArray<Microsoft.CodeAnalysis.Diagnostic>> register = (action, _) => actions.Add(action);
        var context = (Microsoft.CodeAnalysis.CodeFixes.CodeFixContext)constructor.Invoke([document, diagnostic, register, cancellationToken]);
        await new RecordTaskContractCodeFixProvider().RegisterCodeFixesAsync(context);
        var action = Assert.Single(actions);
        Assert.Equal(expectedTitle, action.Title);

        var operations = await action.GetOperationsAsync(cancellationToken);
        var solution = operations.OfType<Microsoft.CodeAnalysis.CodeActions.ApplyChangesOperation>().Single().ChangedSolution;
        var fixedUnshipped = solution.GetProject(project.Id)!.AdditionalDocuments.Single(d => d.Name == "TaskContracts.Unshipped.txt");
        return (await fixedUnshipped.GetTextAsync(cancellationToken)).ToString();
    }

    private static DiagnosticResult Diagnostic(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, int location, params object[] arguments)
        => TaskContractsAnalyzerTests.Diagnostic(descriptor, location, arguments);

    private static Task VerifyAsync(
        string source,
        string? shipped,
        string? unshipped,
        string? fixedShipped,
        string? fixedUnshipped,
        params DiagnosticResult[] expected)
        => VerifyAsync([source], shipped, unshipped, fixedShipped, fixedUnshipped, expected);

    private static Task VerifyAsync(
        string[] sources,
        string? shipped,
        string? unshipped,
        string? fixedShipped,
        string? fixedUnshipped,
        DiagnosticResult[] expected)
    {
        var test = new CSharpCodeFixTest<TaskContractsAnalyzer, RecordTaskContractCodeFixProvider, DefaultVerifier>
        {
            ReferenceAssemblies = TestReferences.ReferenceAssemblies,
        };
        for (var i = 0; i < sources.Length; i++)
        {
            test.TestState.Sources.Add(($"/0/Test{i}.cs", sources[i]));
            test.FixedState.Sources.Add(($"/0/Test{i}.cs", StripMarkup(sources[i])));
        }

        AddFile(test.TestState.AdditionalFiles, Shipped, shipped);
        AddFile(test.TestState.AdditionalFiles, Unshipped, unshipped);
        AddFile(test.FixedState.AdditionalFiles, Shipped, fixedShipped is null ? null : StripMarkup(fixedShipped));
        if (fixedUnshipped is not null)
        {
            // A file the fix creates is UTF-8; an edited one keeps its encoding.
            test.FixedState.AdditionalFiles.Add((Unshipped, unshipped is null
                ? Microsoft.CodeAnalysis.Text.SourceText.From(fixedUnshipped, System.Text.Encoding.UTF8)
                : Microsoft.CodeAnalysis.Text.SourceText.From(fixedUnshipped)));
        }

        TestReferences.Configure(test);
        test.SolutionTransforms.Add(TaskContractsAnalyzerTests.EnableNullable);
        test.ExpectedDiagnostics.AddRange(expected);

        return test.RunAsync(TestContext.Current.CancellationToken);

        static void AddFile(SourceFileCollection files, string path, string? content)
        {
            if (content is not null)
            {
                files.Add((path, content));
            }
        }
    }

    /// <summary>The text without <c>{|#n:…|}</c> markup, for fixed states whose text is otherwise unchanged.</summary>
    private static string StripMarkup(string text)
        => System.Text.RegularExpressions.Regex.Replace(text, @"\{\|#\d+:(.*?)\|\}", "$1");
}
