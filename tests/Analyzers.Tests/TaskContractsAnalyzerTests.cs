using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using TypedTasks.Semantics;

namespace TypedTasks.Analyzers.Tests;

public class TaskContractsAnalyzerTests
{
    internal const string Shipped = "/0/TaskContracts.Shipped.txt";
    internal const string Unshipped = "/0/TaskContracts.Unshipped.txt";

    private const string ReportTasks = """
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.Extensions.Logging;
        using TypedTasks;

        namespace Samples.Tasks;

        public partial class ReportTasks
        {
            [Task(Queue = "reports")]
            public static Task<int> {|#0:GenerateReport|}(int year, [FromServices] ILogger<ReportTasks> logger, TaskContext context, string? format = "csv", CancellationToken cancellationToken = default)
                => Task.FromResult(year);
        }
        """;

    private const string ReportLine = "Samples.Tasks.ReportTasks.GenerateReport queue=reports (int year, string? format = \"csv\") -> int";

    [Fact]
    public async Task NoContractFiles_NothingReported()
    {
        await VerifyAsync(ReportTasks.Replace("{|#0:GenerateReport|}", "GenerateReport"), shipped: null, unshipped: null);
    }

    [Fact]
    public async Task UnrecordedTask_EmptyUnshipped_ReportsTT0301OnMethod()
    {
        await VerifyAsync(
            ReportTasks,
            shipped: null,
            unshipped: string.Empty,
            Diagnostic(Descriptors.ContractMustBeRecorded, 0, "Samples.Tasks.ReportTasks.GenerateReport", "has no recorded contract; record it in TaskContracts.Unshipped.txt"));
    }

    [Fact]
    public async Task UnrecordedTask_OnlyShippedFilePresent_ReportsTT0301()
    {
        await VerifyAsync(
            ReportTasks,
            shipped: "# Tasks of release 1.0\n",
            unshipped: null,
            Diagnostic(Descriptors.ContractMustBeRecorded, 0, "Samples.Tasks.ReportTasks.GenerateReport", "has no recorded contract; record it in TaskContracts.Unshipped.txt"));
    }

    [Theory]
    [InlineData(ReportLine, "")]
    [InlineData("", ReportLine)]
    [InlineData("# comment\n\n" + ReportLine + "\n", "# nothing yet\n")]
    [InlineData("  " + ReportLine + "  \r\n", null)]
    public async Task RecordedTask_MatchingLine_NothingReported(string? shipped, string? unshipped)
    {
        await VerifyAsync(ReportTasks.Replace("{|#0:GenerateReport|}", "GenerateReport"), shipped, unshipped);
    }

    [Fact]
    public async Task Contract_TypesDefaultsAndResults_FormattedPrecisely()
    {
        const string source = """
            #nullable enable
            using System;
            using System.Collections.Generic;
            using System.Threading.Tasks;
            using TypedTasks;

            public enum Priority { Low, High }

            public record Order(int Id);

            public partial class Jobs
            {
                public class Nested
                {
                    [Task(Name = "jobs.nested", Queue = "")]
                    public static ValueTask Run(List<string?> names, Dictionary<string, Order>? orders, int? limit = null, Priority priority = Priority.High,
                        DateTime since = default, double ratio = 0.5, bool dryRun = false, char separator = ';', string label = "a \"b\", c = d", long max = -1) => default;
                }

                [Task]
                public static ValueTask<Order[]> Load(Guid id, (int Left, string Right) pair) => default;

                [Task(IgnoreResult = true)]
                public static string Describe(@string.Inner @class) => "";

                [Task]
                public static void NoArguments() { }
            }

            namespace @string
            {
                public record Inner(string Text);
            }
            """;
        const string shipped = """
            jobs.nested queue=default (System.Collections.Generic.List<string?> names, System.Collections.Generic.Dictionary<string, Order>? orders, int? limit = null, Priority priority = 1, System.DateTime since = default, double ratio = 0.5, bool dryRun = false, char separator = ';', string label = "a \"b\", c = d", long max = -1) -> void
            Jobs.Load queue=default (System.Guid id, (int Left, string Right) pair) -> Order[]
            Jobs.Describe queue=default (@string.Inner class) -> string
            Jobs.NoArguments queue=default () -> void
            """;

        await VerifyAsync(source, shipped, unshipped: null);
    }

    [Theory]
    [InlineData(
        "int year, string format = \"csv\"",
        "(int year, string? format = \"csv\")",
        "int",
        "parameter 'format' changed type from 'string?' to 'string' (queued messages hold a 'string?', which may not decode as 'string'; keep the type, or add a new parameter with a default)")]
    [InlineData(
        "long year, string? format = \"csv\"",
        "(int year, string? format = \"csv\")",
        "int",
        "parameter 'year' changed type from 'int' to 'long' (queued messages hold a 'int', which may not decode as 'long'; keep the type, or add a new parameter with a default)")]
    [InlineData(
        "string? format = \"csv\"",
        "(int year, string? format = \"csv\")",
        "int",
        "parameter 'year' was removed (queued messages still carry it and its value would be silently dropped; keep the parameter, even unused, until they are drained)")]
    [InlineData(
        "int fiscalYear, string? format = \"csv\"",
        "(int year, string? format = \"csv\")",
        "int",
        "parameter 'year' was renamed to 'fiscalYear' (queued messages carry 'year', not 'fiscalYear', and are dead-lettered; keep the name 'year')")]
    [InlineData(
        "int year, string? style = \"csv\"",
        "(int year, string? format = \"csv\")",
        "int",
        "parameter 'format' was renamed to 'style' (queued messages carry 'format', so 'style' silently takes its default and their value is lost; keep the name 'format')")]
    [InlineData(
        "int year, int month, string? format = \"csv\"",
        "(int year, string? format = \"csv\")",
        "int",
        "parameter 'month' was added without a default (queued messages lack it and are dead-lettered; give it a default)")]
    [InlineData(
        "int year, string? format",
        "(int year, string? format = \"csv\")",
        "int",
        "parameter 'format' no longer has a default (messages that omit it, such as those queued before it was added, are dead-lettered; keep the default)")]
    [InlineData(
        "int year, string? format = \"csv\"",
        "(int year, string? format = \"csv\")",
        "long",
        "its result changed from 'long' to 'int' (callers holding handles of tasks already queued read a result stored as 'int' as 'long'; keep the result type, or add a new task)")]
    public async Task ShippedTask_IncompatibleChange_ReportsTT0302WithReason(string parameters, string shippedParameters, string shippedResult, string reason)
    {
        var source = $$"""
            using System.Threading.Tasks;
            using TypedTasks;

            namespace Samples.Tasks;

            public partial class ReportTasks
            {
                [Task(Queue = "reports")]
                public static Task<int> {|#0:GenerateReport|}({{parameters}}) => Task.FromResult(1);
            }
            """;

        await VerifyAsync(
            source,
            shipped: $"Samples.Tasks.ReportTasks.GenerateReport queue=reports {shippedParameters} -> {shippedResult}\n",
            unshipped: string.Empty,
            Diagnostic(Descriptors.ShippedContractBroken, 0, "Samples.Tasks.ReportTasks.GenerateReport", reason));
    }

    [Fact]
    public async Task ShippedTask_SeveralIncompatibleChanges_ListsEachReason()
    {
        const string source = """
            using TypedTasks;

            public partial class Jobs
            {
                [Task]
                public static void {|#0:Send|}(string to, int retries) { }
            }
            """;

        await VerifyAsync(
            source,
            shipped: "Jobs.Send queue=default (string to, string subject) -> void",
            unshipped: null,
            Diagnostic(
                Descriptors.ShippedContractBroken,
                0,
                "Jobs.Send",
                "parameter 'subject' was removed (queued messages still carry it and its value would be silently dropped; keep the parameter, even unused, until they are drained); "
                + "parameter 'retries' was added without a default (queued messages lack it and are dead-lettered; give it a default)"));
    }

    [Fact]
    public async Task ShippedTask_Renamed_ReportsTT0302OnRenamedMethod()
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

        await VerifyAsync(
            source,
            shipped: "Mail.MailTasks.SendWelcome queue=email (string address) -> void\n",
            unshipped: string.Empty,
            Diagnostic(
                Descriptors.ShippedContractBroken,
                0,
                "Mail.MailTasks.SendWelcomeEmail",
                "it was renamed from 'Mail.MailTasks.SendWelcome' (messages queued under 'Mail.MailTasks.SendWelcome' find no task and are dead-lettered; "
                + "keep the old name with [Task(Name = \"Mail.MailTasks.SendWelcome\")])"));
    }

    [Fact]
    public async Task NewSiblingWithSameArguments_ShippedTaskStillThere_OnlyTT0301()
    {
        const string source = """
            using TypedTasks;

            public partial class Jobs
            {
                [Task]
                public static void Send(string to) { }

                [Task]
                public static void {|#0:SendLater|}(string to) { }
            }
            """;

        await VerifyAsync(
            source,
            shipped: "Jobs.Send queue=default (string to) -> void",
            unshipped: null,
            Diagnostic(Descriptors.ContractMustBeRecorded, 0, "Jobs.SendLater", "has no recorded contract; record it in TaskContracts.Unshipped.txt"));
    }

    [Fact]
    public async Task ShippedTask_RenameAmbiguous_ReportsRemovalOnLineAndTT0301OnEachCandidate()
    {
        const string source = """
            using TypedTasks;

            public partial class Jobs
            {
                [Task]
                public static void {|#0:SendNow|}(string to) { }

                [Task]
                public static void {|#1:SendLater|}(string to) { }
            }
            """;

        await VerifyAsync(
            source,
            shipped: "{|#2:Jobs.Send queue=default (string to) -> void|}",
            unshipped: null,
            Diagnostic(Descriptors.ContractMustBeRecorded, 0, "Jobs.SendNow", "has no recorded contract; record it in TaskContracts.Unshipped.txt"),
            Diagnostic(Descriptors.ContractMustBeRecorded, 1, "Jobs.SendLater", "has no recorded contract; record it in TaskContracts.Unshipped.txt"),
            Diagnostic(
                Descriptors.ShippedContractBroken,
                2,
                "Jobs.Send",
                "it no longer exists (messages queued under 'Jobs.Send' find no task and are dead-lettered; keep a task with that name until they are drained)"));
    }

    [Fact]
    public async Task ShippedTask_MovedToAnotherType_ReportsRenameWithQueueAndResultChecked()
    {
        const string source = """
            using TypedTasks;

            namespace Mail.V2;

            public partial class MailTasks
            {
                [Task(Queue = "email")]
                public static bool {|#0:SendWelcome|}(string address) => true;
            }
            """;

        await VerifyAsync(
            source,
            shipped: "Mail.MailTasks.SendWelcome queue=email (string address) -> void",
            unshipped: null,
            Diagnostic(
                Descriptors.ShippedContractBroken,
                0,
                "Mail.V2.MailTasks.SendWelcome",
                "it was renamed from 'Mail.MailTasks.SendWelcome' (messages queued under 'Mail.MailTasks.SendWelcome' find no task and are dead-lettered; "
                + "keep the old name with [Task(Name = \"Mail.MailTasks.SendWelcome\")]); "
                + "its result changed from 'void' to 'bool' (callers holding handles of tasks already queued read a result stored as 'bool' as 'void'; keep the result type, or add a new task)"));
    }

    [Fact]
    public async Task ShippedTask_RenamedMethodKeepsName_NothingReported()
    {
        const string source = """
            using TypedTasks;

            namespace Mail;

            public partial class MailTasks
            {
                [Task(Name = "Mail.MailTasks.SendWelcome", Queue = "email")]
                public static void SendWelcomeEmail(string address) { }
            }
            """;

        await VerifyAsync(source, shipped: "Mail.MailTasks.SendWelcome queue=email (string address) -> void\n", unshipped: string.Empty);
    }

    [Fact]
    public async Task ShippedTask_Removed_ReportsTT0302OnShippedLine()
    {
        const string source = """
            using TypedTasks;

            public partial class Jobs
            {
                [Task]
                public static void Keep(int id) { }
            }
            """;

        await VerifyAsync(
            source,
            shipped: "# shipped in 1.0\nJobs.Keep queue=default (int id) -> void\n  {|#0:Jobs.Purge queue=maintenance (int days) -> void|}\n",
            unshipped: string.Empty,
            Diagnostic(
                Descriptors.ShippedContractBroken,
                0,
                "Jobs.Purge",
                "it no longer exists (messages queued under 'Jobs.Purge' find no task and are dead-lettered; keep a task with that name until they are drained)"));
    }

    [Fact]
    public async Task ShippedTask_RemovedAndRecordedAsRemoved_NothingReported()
    {
        const string source = """
            using TypedTasks;

            public partial class Jobs
            {
                [Task]
                public static void Keep(int id) { }
            }
            """;

        await VerifyAsync(
            source,
            shipped: "Jobs.Keep queue=default (int id) -> void\nJobs.Purge queue=maintenance (int days) -> void\n",
            unshipped: "*REMOVED*Jobs.Purge queue=maintenance (int days) -> void\n");
    }

    [Theory]
    [InlineData("int year, string? format = \"csv\", bool zip = false", "optional parameter 'zip' was added")]
    [InlineData("int? year, string? format = \"csv\"", "parameter 'year' now accepts null")]
    [InlineData("int year = 2024, string? format = \"csv\"", "parameter 'year' now has a default")]
    [InlineData("int year, string? format = \"pdf\"", "the default of parameter 'format' changed from \"csv\" to \"pdf\"")]
    [InlineData("string? format = \"csv\", int year = 0", "parameter 'year' now has a default; parameters were reordered (arguments travel by name)")]
    public async Task ShippedTask_CompatibleChange_ReportsTT0303(string parameters, string reason)
    {
        var source = $$"""
            using System.Threading.Tasks;
            using TypedTasks;

            namespace Samples.Tasks;

            public partial class ReportTasks
            {
                [Task(Queue = "reports")]
                public static Task<int> {|#0:GenerateReport|}({{parameters}}) => Task.FromResult(1);
            }
            """;

        await VerifyAsync(
            source,
            shipped: ReportLine,
            unshipped: null,
            Diagnostic(Descriptors.ShippedContractExtended, 0, "Samples.Tasks.ReportTasks.GenerateReport", reason));
    }

    [Fact]
    public async Task ShippedTask_QueueChanged_ReportsTT0304()
    {
        const string source = """
            using TypedTasks;

            public partial class Jobs
            {
                [Task(Queue = "bulk")]
                public static void {|#0:Import|}(string path) { }
            }
            """;

        await VerifyAsync(
            source,
            shipped: "Jobs.Import queue=default (string path) -> void",
            unshipped: null,
            Diagnostic(Descriptors.ShippedContractQueueChanged, 0, "Jobs.Import", "default", "bulk"));
    }

    [Fact]
    public async Task ShippedTask_QueueChangedAndOptionalParameter_ReportsTT0303AndTT0304()
    {
        const string source = """
            using TypedTasks;

            public partial class Jobs
            {
                [Task]
                public static void {|#0:Import|}(string path, bool overwrite = false) { }
            }
            """;

        await VerifyAsync(
            source,
            shipped: "Jobs.Import queue=bulk (string path) -> void",
            unshipped: null,
            Diagnostic(Descriptors.ShippedContractExtended, 0, "Jobs.Import", "optional parameter 'overwrite' was added"),
            Diagnostic(Descriptors.ShippedContractQueueChanged, 0, "Jobs.Import", "bulk", "default"));
    }

    [Fact]
    public async Task ShippedTask_BreakRecordedInUnshipped_NothingReported()
    {
        const string source = """
            using TypedTasks;

            public partial class Jobs
            {
                [Task(Queue = "bulk")]
                public static void Import(string path, int batch) { }
            }
            """;

        await VerifyAsync(
            source,
            shipped: "Jobs.Import queue=default (string path) -> void",
            unshipped: "Jobs.Import queue=bulk (string path, int batch) -> void");
    }

    [Fact]
    public async Task ShippedTask_ChangedAgainAfterRecording_ComparedWithShipped()
    {
        const string source = """
            using TypedTasks;

            public partial class Jobs
            {
                [Task]
                public static void {|#0:Import|}(string path, int batch) { }
            }
            """;

        await VerifyAsync(
            source,
            shipped: "Jobs.Import queue=default (string path) -> void",
            unshipped: "Jobs.Import queue=default (string path, int batch = 10) -> void",
            Diagnostic(Descriptors.ShippedContractBroken, 0, "Jobs.Import", "parameter 'batch' was added without a default (queued messages lack it and are dead-lettered; give it a default)"));
    }

    [Fact]
    public async Task ShippedTask_BackToShippedContract_ReportsStaleUnshippedLine()
    {
        const string source = """
            using TypedTasks;

            public partial class Jobs
            {
                [Task]
                public static void {|#0:Import|}(string path) { }
            }
            """;

        await VerifyAsync(
            source,
            shipped: "Jobs.Import queue=default (string path) -> void",
            unshipped: "Jobs.Import queue=default (string path, int batch) -> void",
            Diagnostic(Descriptors.ContractMustBeRecorded, 0, "Jobs.Import", "matches its shipped contract again, but TaskContracts.Unshipped.txt records another; remove that line"));
    }

    [Fact]
    public async Task UnshippedTask_Changed_ReportsTT0301()
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
            unshipped: "Jobs.Import queue=default (string path) -> void",
            Diagnostic(Descriptors.ContractMustBeRecorded, 0, "Jobs.Import", "does not match its contract in TaskContracts.Unshipped.txt; record the new one"));
    }

    [Fact]
    public async Task UnshippedTask_Deleted_ReportsStaleLine()
    {
        const string source = """
            using TypedTasks;

            public partial class Jobs
            {
                [Task]
                public static void Keep() { }
            }
            """;

        await VerifyAsync(
            source,
            shipped: null,
            unshipped: "Jobs.Keep queue=default () -> void\n{|#0:Jobs.Draft queue=default (int id) -> void|}\n",
            Diagnostic(Descriptors.ContractMustBeRecorded, 0, "Jobs.Draft", "is recorded in TaskContracts.Unshipped.txt but no longer exists; remove the line"));
    }

    [Fact]
    public async Task ShippedLine_Unreadable_ReportsTT0302()
    {
        const string source = """
            using TypedTasks;

            public partial class Jobs
            {
                [Task]
                public static void {|#0:Import|}(string path) { }
            }
            """;

        await VerifyAsync(
            source,
            shipped: "Jobs.Import (string path)",
            unshipped: null,
            Diagnostic(
                Descriptors.ShippedContractBroken,
                0,
                "Jobs.Import",
                "its line in TaskContracts.Shipped.txt cannot be read, so the change cannot be checked (write it as 'Jobs.Import queue=default (string path) -> void' if that is what shipped)"));
    }

    [Theory]
    [InlineData("Jobs.Import queue=default (string path) -> void", true)]
    [InlineData("Jobs.Import queue=default () -> void", true)]
    [InlineData("Jobs.Import queue=default (System.Collections.Generic.Dictionary<string, int[]> map = null) -> (int A, string B)", true)]
    [InlineData("Jobs.Import queue=default (string s = \"(a, b) -> c\") -> void", true)]
    [InlineData("Jobs.Import (string path) -> void", false)]
    [InlineData("Jobs.Import queue=default (string path -> void", false)]
    [InlineData("Jobs.Import queue=default (string path)", false)]
    [InlineData("Jobs.Import queue=default (path) -> void", false)]
    [InlineData("Jobs.Import queue=default (string path = ) -> void", false)]
    public void Parse_RoundTripsValidLines(string line, bool valid)
    {
        var parsed = TaskContract.TryParse(line, out var contract, out var name);

        Assert.Equal(valid, parsed);
        Assert.Equal("Jobs.Import", name);
        if (valid)
        {
            Assert.Equal(line, contract!.Format());
        }
    }

    internal static DiagnosticResult Diagnostic(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, int location, params object[] arguments)
        => new DiagnosticResult(descriptor).WithLocation(location).WithArguments(arguments);

    private static Task VerifyAsync(string source, string? shipped, string? unshipped, params DiagnosticResult[] expected)
    {
        var test = new CSharpAnalyzerTest<TaskContractsAnalyzer, DefaultVerifier>
        {
            ReferenceAssemblies = TestReferences.ReferenceAssemblies,
        };
        test.TestState.Sources.Add(("/0/Test0.cs", source));
        if (shipped is not null)
        {
            test.TestState.AdditionalFiles.Add((Shipped, shipped));
        }

        if (unshipped is not null)
        {
            test.TestState.AdditionalFiles.Add((Unshipped, unshipped));
        }

        TestReferences.Configure(test);
        test.SolutionTransforms.Add(EnableNullable);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Contracts show nullability, so the test compilations run in an enabled nullable context.</summary>
    internal static Microsoft.CodeAnalysis.Solution EnableNullable(Microsoft.CodeAnalysis.Solution solution, Microsoft.CodeAnalysis.ProjectId projectId)
    {
        var options = (Microsoft.CodeAnalysis.CSharp.CSharpCompilationOptions)solution.GetProject(projectId)!.CompilationOptions!;
        return solution.WithProjectCompilationOptions(projectId, options.WithNullableContextOptions(Microsoft.CodeAnalysis.NullableContextOptions.Enable));
    }
}
