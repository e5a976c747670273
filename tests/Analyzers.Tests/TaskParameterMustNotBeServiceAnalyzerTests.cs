using TypedTasks.Semantics;
using Verifier = TypedTasks.Analyzers.Tests.AnalyzerVerifier<TypedTasks.Analyzers.TaskParameterMustNotBeServiceAnalyzer>;

namespace TypedTasks.Analyzers.Tests;

public class TaskParameterMustNotBeServiceAnalyzerTests
{
    /// <summary>Stand-ins for types from packages the tests do not reference.</summary>
    internal const string FakeFrameworks = """
        namespace Microsoft.AspNetCore.Http
        {
            public abstract class HttpContext { }
        }

        namespace Microsoft.EntityFrameworkCore
        {
            public class DbContext { }

            public class DbSet<TEntity> where TEntity : class { }
        }
        """;

    [Fact]
    public async Task Logger_AsArgument_ReportsOnParameter()
    {
        const string source = """
            using Microsoft.Extensions.Logging;
            using TypedTasks;

            public partial class ReportTasks
            {
                [Task]
                public static void Generate(int year, {|#0:ILogger<ReportTasks> logger|}) { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.ParameterMustNotBeService)
                .WithLocation(0)
                .WithArguments("logger", "ReportTasks.Generate(int, ILogger<ReportTasks>)", "ILogger<ReportTasks>"));
    }

    [Fact]
    public async Task WellKnownServices_AsArguments_ReportEach()
    {
        const string source = """
            using System;
            using System.Net.Http;
            using Microsoft.AspNetCore.Http;
            using Microsoft.EntityFrameworkCore;
            using Microsoft.Extensions.Configuration;
            using Microsoft.Extensions.Logging;
            using Microsoft.Extensions.Options;
            using TypedTasks;

            public sealed class AppDbContext : DbContext { }

            public sealed class MailOptions { }

            public partial class Jobs
            {
                [Task]
                public static void Run(
                    {|#0:IServiceProvider services|},
                    {|#1:ILogger log|},
                    {|#2:HttpContext http|},
                    {|#3:AppDbContext db|},
                    {|#4:HttpClient client|},
                    {|#5:IOptions<MailOptions> options|},
                    {|#6:IConfiguration configuration|},
                    {|#7:IConfigurationRoot root|})
                { }
            }
            """;

        const string method = "Jobs.Run(IServiceProvider, ILogger, HttpContext, AppDbContext, HttpClient, IOptions<MailOptions>, IConfiguration, IConfigurationRoot)";
        await Verifier.VerifyAsync(
            [FakeFrameworks, source],
            Verifier.Diagnostic(Descriptors.ParameterMustNotBeService).WithLocation(0).WithArguments("services", method, "IServiceProvider"),
            Verifier.Diagnostic(Descriptors.ParameterMustNotBeService).WithLocation(1).WithArguments("log", method, "ILogger"),
            Verifier.Diagnostic(Descriptors.ParameterMustNotBeService).WithLocation(2).WithArguments("http", method, "HttpContext"),
            Verifier.Diagnostic(Descriptors.ParameterMustNotBeService).WithLocation(3).WithArguments("db", method, "AppDbContext derives from DbContext"),
            Verifier.Diagnostic(Descriptors.ParameterMustNotBeService).WithLocation(4).WithArguments("client", method, "HttpClient"),
            Verifier.Diagnostic(Descriptors.ParameterMustNotBeService).WithLocation(5).WithArguments("options", method, "IOptions<MailOptions>"),
            Verifier.Diagnostic(Descriptors.ParameterMustNotBeService).WithLocation(6).WithArguments("configuration", method, "IConfiguration"),
            Verifier.Diagnostic(Descriptors.ParameterMustNotBeService).WithLocation(7).WithArguments("root", method, "IConfigurationRoot implements IConfiguration"));
    }

    [Fact]
    public async Task InterfaceNamedLikeService_AsArgument_Reports()
    {
        const string source = """
            using TypedTasks;

            public interface IOrderRepository { }
            public interface IEmailSender { }
            public interface IBlobStore { }
            public interface IPaymentService { }
            public interface IGitHubClient { }
            public interface IWidgetFactory { }

            public partial class Jobs
            {
                [Task]
                public static void Run(
                    {|#0:IOrderRepository orders|},
                    {|#1:IEmailSender email|},
                    {|#2:IBlobStore blobs|},
                    {|#3:IPaymentService payments|},
                    {|#4:IGitHubClient github|},
                    {|#5:IWidgetFactory widgets|})
                { }
            }
            """;

        const string method = "Jobs.Run(IOrderRepository, IEmailSender, IBlobStore, IPaymentService, IGitHubClient, IWidgetFactory)";
        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.ParameterMustNotBeService).WithLocation(0).WithArguments("orders", method, "IOrderRepository is an interface named like a service"),
            Verifier.Diagnostic(Descriptors.ParameterMustNotBeService).WithLocation(1).WithArguments("email", method, "IEmailSender is an interface named like a service"),
            Verifier.Diagnostic(Descriptors.ParameterMustNotBeService).WithLocation(2).WithArguments("blobs", method, "IBlobStore is an interface named like a service"),
            Verifier.Diagnostic(Descriptors.ParameterMustNotBeService).WithLocation(3).WithArguments("payments", method, "IPaymentService is an interface named like a service"),
            Verifier.Diagnostic(Descriptors.ParameterMustNotBeService).WithLocation(4).WithArguments("github", method, "IGitHubClient is an interface named like a service"),
            Verifier.Diagnostic(Descriptors.ParameterMustNotBeService).WithLocation(5).WithArguments("widgets", method, "IWidgetFactory is an interface named like a service"));
    }

    [Fact]
    public async Task ClassImplementingLogger_AsArgument_ReportsImplements()
    {
        const string source = """
            using System;
            using Microsoft.Extensions.Logging;
            using TypedTasks;

            public sealed class ConsoleLog : ILogger
            {
                public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
                public bool IsEnabled(LogLevel logLevel) => true;
                public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) { }
            }

            public partial class Jobs
            {
                [Task]
                public void Run({|#0:ConsoleLog log|}) { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.ParameterMustNotBeService).WithLocation(0).WithArguments("log", "Jobs.Run(ConsoleLog)", "ConsoleLog implements ILogger"));
    }

    [Fact]
    public async Task Services_FromServicesOrCancellationToken_NoDiagnostic()
    {
        const string source = """
            using System;
            using System.Threading;
            using Microsoft.Extensions.Logging;
            using TypedTasks;

            public interface IOrderRepository { }

            public partial class Jobs
            {
                [Task]
                public static void Run(
                    int orderId,
                    [FromServices] IOrderRepository orders,
                    [FromServices] ILogger<Jobs> logger,
                    [FromServices] IServiceProvider services,
                    CancellationToken cancellationToken)
                { }
            }
            """;

        await Verifier.VerifyAsync(source);
    }

    [Fact]
    public async Task DataTypes_NamedLikeServices_NoDiagnostic()
    {
        const string source = """
            using System.Collections.Generic;
            using TypedTasks;

            public sealed record CustomerService(string Name);
            public sealed class StoreClient { public int Id { get; set; } }
            public interface IReadOnlyThing { }

            public partial class Jobs
            {
                [Task]
                public static void Run(CustomerService service, StoreClient client, IReadOnlyThing thing, IReadOnlyList<string> names) { }
            }
            """;

        await Verifier.VerifyAsync(source);
    }

    [Fact]
    public async Task InterfaceNamedLikeService_WithJsonDerivedType_NoDiagnostic()
    {
        // [JsonDerivedType] makes an interface polymorphic data, whatever its name.
        const string source = """
            using System.Text.Json.Serialization;
            using TypedTasks;

            [JsonDerivedType(typeof(RetailClient), "retail")]
            public interface IClient { string Name { get; } }
            public sealed class RetailClient : IClient { public string Name { get; set; } = ""; }

            public partial class Jobs
            {
                [Task]
                public static void Welcome(IClient client) { }
            }
            """;

        await Verifier.VerifyAsync(source);
    }

    [Fact]
    public async Task ServiceParameter_NotATask_NoDiagnostic()
    {
        const string source = """
            using System;
            using Microsoft.Extensions.Logging;

            public class Helpers
            {
                public static void Run(ILogger logger, IServiceProvider services) { }
            }
            """;

        await Verifier.VerifyAsync(source);
    }

    [Fact]
    public async Task ValidTasks_AllShapes_NoDiagnostic()
        => await Verifier.VerifyAsync(ValidTasks.Source);
}
