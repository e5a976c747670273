using TypedTasks.Semantics;
using Verifier = TypedTasks.Analyzers.Tests.CodeFixVerifier<TypedTasks.Analyzers.TaskParameterMustNotBeServiceAnalyzer, TypedTasks.CodeFixes.AddFromServicesCodeFixProvider>;

namespace TypedTasks.Analyzers.Tests.CodeFixes;

public class AddFromServicesCodeFixProviderTests
{
    [Fact]
    public async Task Parameter_WithUsing_AddsShortAttribute()
    {
        const string source = """
            using Microsoft.Extensions.Logging;
            using TypedTasks;

            public interface IOrderRepository { }

            public partial class OrderTasks
            {
                [Task]
                public static void Ship(int orderId, {|#0:IOrderRepository orders|}, {|#1:ILogger<OrderTasks> logger|}) { }
            }
            """;
        const string fixedSource = """
            using Microsoft.Extensions.Logging;
            using TypedTasks;

            public interface IOrderRepository { }

            public partial class OrderTasks
            {
                [Task]
                public static void Ship(int orderId, [FromServices] IOrderRepository orders, [FromServices] ILogger<OrderTasks> logger) { }
            }
            """;

        const string method = "OrderTasks.Ship(int, IOrderRepository, ILogger<OrderTasks>)";
        await Verifier.VerifyAsync(
            source,
            fixedSource,
            Verifier.Diagnostic(Descriptors.ParameterMustNotBeService).WithLocation(0).WithArguments("orders", method, "IOrderRepository is an interface named like a service"),
            Verifier.Diagnostic(Descriptors.ParameterMustNotBeService).WithLocation(1).WithArguments("logger", method, "ILogger<OrderTasks>"));
    }

    [Fact]
    public async Task Parameter_WithoutUsing_AddsQualifiedAttribute()
    {
        const string source = """
            public interface IEmailSender { }

            public partial class MailTasks
            {
                [TypedTasks.Task]
                public static void Send(
                    string to,
                    {|#0:IEmailSender sender|})
                { }
            }
            """;
        const string fixedSource = """
            public interface IEmailSender { }

            public partial class MailTasks
            {
                [TypedTasks.Task]
                public static void Send(
                    string to,
                    [TypedTasks.FromServices] IEmailSender sender)
                { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            fixedSource,
            Verifier.Diagnostic(Descriptors.ParameterMustNotBeService).WithLocation(0).WithArguments("sender", "MailTasks.Send(string, IEmailSender)", "IEmailSender is an interface named like a service"));
    }

    [Fact]
    public async Task Parameter_WithOtherAttribute_AppendsToList()
    {
        const string source = """
            using System.Diagnostics.CodeAnalysis;
            using TypedTasks;

            public interface IBlobStore { }

            public partial class BlobTasks
            {
                [Task]
                public static void Purge({|#0:[NotNull] IBlobStore store|}) { }
            }
            """;
        const string fixedSource = """
            using System.Diagnostics.CodeAnalysis;
            using TypedTasks;

            public interface IBlobStore { }

            public partial class BlobTasks
            {
                [Task]
                public static void Purge([NotNull, FromServices] IBlobStore store) { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            fixedSource,
            Verifier.Diagnostic(Descriptors.ParameterMustNotBeService).WithLocation(0).WithArguments("store", "BlobTasks.Purge(IBlobStore)", "IBlobStore is an interface named like a service"));
    }
}
