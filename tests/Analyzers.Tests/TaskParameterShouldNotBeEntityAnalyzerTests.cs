using TypedTasks.Semantics;
using Verifier = TypedTasks.Analyzers.Tests.AnalyzerVerifier<TypedTasks.Analyzers.TaskParameterShouldNotBeEntityAnalyzer>;

namespace TypedTasks.Analyzers.Tests;

public class TaskParameterShouldNotBeEntityAnalyzerTests
{
    /// <summary>A minimal EF Core surface and an application model with entities of every key shape.</summary>
    internal const string Model = """
        using System;
        using Microsoft.EntityFrameworkCore;

        namespace Microsoft.EntityFrameworkCore
        {
            public class DbContext { }

            public class DbSet<TEntity> where TEntity : class { }
        }

        namespace Shop
        {
            public class Order
            {
                public int Id { get; set; }
                public decimal Total { get; set; }
            }

            public class Customer
            {
                public Guid CustomerId { get; set; }
            }

            public class AuditEntry
            {
                public string Text { get; set; } = "";
            }

            public class EntityBase
            {
                public long Id { get; set; }
            }

            public class Invoice : EntityBase { }

            public sealed record OrderSummary(int OrderId, decimal Total);

            public class ShopContextBase : DbContext
            {
                public DbSet<Invoice> Invoices { get; set; } = null!;
            }

            public sealed class ShopContext : ShopContextBase
            {
                public DbSet<Order> Orders { get; set; } = null!;

                public DbSet<Customer> Customers => null!;

                public DbSet<AuditEntry> Audit { get; set; } = null!;
            }
        }
        """;

    [Fact]
    public async Task Entity_WithIdKey_ReportsOnParameterNamingKey()
    {
        const string source = """
            using Shop;
            using TypedTasks;

            public partial class OrderTasks
            {
                [Task]
                public static void Ship({|#0:Order order|}) { }
            }
            """;

        await Verifier.VerifyAsync(
            [Model, source],
            Verifier.Diagnostic(Descriptors.ParameterShouldNotBeEntity)
                .WithLocation(0)
                .WithArguments("order", "OrderTasks.Ship(Order)", "Order", "ShopContext.Orders", "pass order.Id (int) and load the entity in the task"));
    }

    [Fact]
    public async Task Entity_WithTypeIdKey_NamesIt()
    {
        const string source = """
            using Shop;
            using TypedTasks;

            public partial class CustomerTasks
            {
                [Task]
                public static void Welcome(string subject, {|#0:Customer customer|}) { }
            }
            """;

        await Verifier.VerifyAsync(
            [Model, source],
            Verifier.Diagnostic(Descriptors.ParameterShouldNotBeEntity)
                .WithLocation(0)
                .WithArguments("customer", "CustomerTasks.Welcome(string, Customer)", "Customer", "ShopContext.Customers", "pass customer.CustomerId (Guid) and load the entity in the task"));
    }

    [Fact]
    public async Task Entity_InheritedKeyAndDbSet_Reports()
    {
        const string source = """
            using Shop;
            using TypedTasks;

            public partial class InvoiceTasks
            {
                [Task]
                public static void Send({|#0:Invoice invoice|}) { }
            }
            """;

        await Verifier.VerifyAsync(
            [Model, source],
            Verifier.Diagnostic(Descriptors.ParameterShouldNotBeEntity)
                .WithLocation(0)
                .WithArguments("invoice", "InvoiceTasks.Send(Invoice)", "Invoice", "ShopContextBase.Invoices", "pass invoice.Id (long) and load the entity in the task"));
    }

    [Fact]
    public async Task Entity_WithoutKey_SuggestsKey()
    {
        const string source = """
            using Shop;
            using TypedTasks;

            public partial class AuditTasks
            {
                [Task]
                public static void Archive({|#0:AuditEntry entry|}) { }
            }
            """;

        await Verifier.VerifyAsync(
            [Model, source],
            Verifier.Diagnostic(Descriptors.ParameterShouldNotBeEntity)
                .WithLocation(0)
                .WithArguments("entry", "AuditTasks.Archive(AuditEntry)", "AuditEntry", "ShopContext.Audit", "pass its key and load the entity in the task"));
    }

    [Fact]
    public async Task EntityCollections_AsArguments_ReportEach()
    {
        const string source = """
            using System.Collections.Generic;
            using Shop;
            using TypedTasks;

            public partial class OrderTasks
            {
                [Task]
                public static void ShipAll({|#0:Order[] orders|}, {|#1:List<Customer> customers|}, {|#2:IEnumerable<AuditEntry> entries|}) { }
            }
            """;

        const string method = "OrderTasks.ShipAll(Order[], List<Customer>, IEnumerable<AuditEntry>)";
        await Verifier.VerifyAsync(
            [Model, source],
            Verifier.Diagnostic(Descriptors.ParameterShouldNotBeEntity).WithLocation(0)
                .WithArguments("orders", method, "Order", "ShopContext.Orders", "pass the Id (int) of each Order and load the entities in the task"),
            Verifier.Diagnostic(Descriptors.ParameterShouldNotBeEntity).WithLocation(1)
                .WithArguments("customers", method, "Customer", "ShopContext.Customers", "pass the CustomerId (Guid) of each Customer and load the entities in the task"),
            Verifier.Diagnostic(Descriptors.ParameterShouldNotBeEntity).WithLocation(2)
                .WithArguments("entries", method, "AuditEntry", "ShopContext.Audit", "pass their keys and load the entities in the task"));
    }

    [Fact]
    public async Task KeysAndDtos_AsArguments_NoDiagnostic()
    {
        const string source = """
            using System;
            using System.Collections.Generic;
            using Shop;
            using TypedTasks;

            public partial class OrderTasks
            {
                [Task]
                public static void Ship(int orderId, Guid customerId, OrderSummary summary, List<int> ids, string name, [FromServices] ShopContext db) { }

                public static void NotATask(Order order) { }
            }
            """;

        await Verifier.VerifyAsync([Model, source]);
    }

    [Fact]
    public async Task EntityLikeClass_NoDbContext_NoDiagnostic()
    {
        const string source = """
            using TypedTasks;

            public class Order
            {
                public int Id { get; set; }
            }

            public partial class OrderTasks
            {
                [Task]
                public static void Ship(Order order) { }
            }
            """;

        await Verifier.VerifyAsync(source);
    }

    [Fact]
    public async Task ValidTasks_AllShapes_NoDiagnostic()
        => await Verifier.VerifyAsync([Model, ValidTasks.Source]);
}
