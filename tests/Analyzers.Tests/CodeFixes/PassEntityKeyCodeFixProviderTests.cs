using TypedTasks.Semantics;
using Verifier = TypedTasks.Analyzers.Tests.CodeFixVerifier<TypedTasks.Analyzers.TaskParameterShouldNotBeEntityAnalyzer, TypedTasks.CodeFixes.PassEntityKeyCodeFixProvider>;

namespace TypedTasks.Analyzers.Tests.CodeFixes;

public class PassEntityKeyCodeFixProviderTests
{
    private const string Model = TaskParameterShouldNotBeEntityAnalyzerTests.Model;

    [Fact]
    public async Task Entity_WithIntId_BecomesKeyParameter()
    {
        const string source = """
            using Shop;
            using TypedTasks;

            public partial class OrderTasks
            {
                [Task]
                public static void Ship({|#0:Order order|}, int priority) { }
            }
            """;
        const string fixedSource = """
            using Shop;
            using TypedTasks;

            public partial class OrderTasks
            {
                [Task]
                public static void Ship(int orderId, int priority) { }
            }
            """;

        await Verifier.VerifyAsync(
            [Model, source],
            [Model, fixedSource],
            [
                Verifier.Diagnostic(Descriptors.ParameterShouldNotBeEntity).WithLocation(0)
                    .WithArguments("order", "OrderTasks.Ship(Order, int)", "Order", "ShopContext.Orders", "pass order.Id (int) and load the entity in the task"),
            ]);
    }

    [Fact]
    public async Task Entity_WithGuidTypeId_UsesSimplifiedKeyType()
    {
        const string source = """
            using System;
            using Shop;
            using TypedTasks;

            public partial class CustomerTasks
            {
                [Task]
                public static void Welcome({|#0:Customer customer|}) { }
            }
            """;
        const string fixedSource = """
            using System;
            using Shop;
            using TypedTasks;

            public partial class CustomerTasks
            {
                [Task]
                public static void Welcome(Guid customerId) { }
            }
            """;

        await Verifier.VerifyAsync(
            [Model, source],
            [Model, fixedSource],
            [
                Verifier.Diagnostic(Descriptors.ParameterShouldNotBeEntity).WithLocation(0)
                    .WithArguments("customer", "CustomerTasks.Welcome(Customer)", "Customer", "ShopContext.Customers", "pass customer.CustomerId (Guid) and load the entity in the task"),
            ]);
    }

    [Fact]
    public async Task EntityWithoutKeyOrCollection_NoFix()
    {
        const string source = """
            using System.Collections.Generic;
            using Shop;
            using TypedTasks;

            public partial class AuditTasks
            {
                [Task]
                public static void Archive({|#0:AuditEntry entry|}, {|#1:List<Order> orders|}) { }
            }
            """;

        const string method = "AuditTasks.Archive(AuditEntry, List<Order>)";
        await Verifier.VerifyAsync(
            [Model, source],
            [Model, source],
            [
                Verifier.Diagnostic(Descriptors.ParameterShouldNotBeEntity).WithLocation(0)
                    .WithArguments("entry", method, "AuditEntry", "ShopContext.Audit", "pass its key and load the entity in the task"),
                Verifier.Diagnostic(Descriptors.ParameterShouldNotBeEntity).WithLocation(1)
                    .WithArguments("orders", method, "Order", "ShopContext.Orders", "pass the Id (int) of each Order and load the entities in the task"),
            ]);
    }
}
