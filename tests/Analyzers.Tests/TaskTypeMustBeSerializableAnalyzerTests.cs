using TypedTasks.Semantics;
using Verifier = TypedTasks.Analyzers.Tests.AnalyzerVerifier<TypedTasks.Analyzers.TaskTypeMustBeSerializableAnalyzer>;

namespace TypedTasks.Analyzers.Tests;

public class TaskTypeMustBeSerializableAnalyzerTests
{
    private const string Stream = "a stream, readable once and only in this process";
    private const string NoConstructor = "has no constructor System.Text.Json can use; add a public parameterless constructor or [JsonConstructor]";

    private static string NoDerivedType(string kind, string example)
        => $"is {kind} with no [JsonDerivedType], so the worker cannot tell which type to create; add {example} for each implementation, or use a concrete type";

    [Fact]
    public async Task StreamParameterAndResult_ReportsParameterAndReturnType()
    {
        const string source = """
            using System.IO;
            using System.Threading.Tasks;
            using TypedTasks;

            public partial class ImportTasks
            {
                [Task]
                public static {|#1:Task<MemoryStream>|} Import({|#0:Stream input|}) => Task.FromResult(new MemoryStream());
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TypeMustBeSerializable).WithLocation(0)
                .WithArguments("Parameter 'input'", "ImportTasks.Import(Stream)", "Stream is " + Stream),
            Verifier.Diagnostic(Descriptors.TypeMustBeSerializable).WithLocation(1)
                .WithArguments("The result", "ImportTasks.Import(Stream)", "MemoryStream is " + Stream));
    }

    [Fact]
    public async Task NeverSerializableParameters_ReportEach()
    {
        const string source = """
            using System;
            using System.Linq.Expressions;
            using System.Threading;
            using System.Threading.Tasks;
            using TypedTasks;

            public delegate void Callback(int value);

            public partial class Jobs
            {
                [Task]
                public static void Run(
                    {|#0:Func<int> factory|},
                    {|#1:Action done|},
                    {|#2:Callback callback|},
                    {|#3:Expression<Func<int, bool>> filter|},
                    {|#4:Task<int> pending|},
                    {|#5:CancellationTokenSource cts|},
                    {|#6:IntPtr handle|},
                    {|#7:Type type|},
                    {|#8:object payload|},
                    {|#9:dynamic anything|})
                { }
            }
            """;

        const string method = "Jobs.Run(Func<int>, Action, Callback, Expression<Func<int, bool>>, Task<int>, CancellationTokenSource, nint, Type, object, dynamic)";
        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TypeMustBeSerializable).WithLocation(0).WithArguments("Parameter 'factory'", method, "Func<int> is a delegate, code rather than data"),
            Verifier.Diagnostic(Descriptors.TypeMustBeSerializable).WithLocation(1).WithArguments("Parameter 'done'", method, "Action is a delegate, code rather than data"),
            Verifier.Diagnostic(Descriptors.TypeMustBeSerializable).WithLocation(2).WithArguments("Parameter 'callback'", method, "Callback is a delegate, code rather than data"),
            Verifier.Diagnostic(Descriptors.TypeMustBeSerializable).WithLocation(3).WithArguments("Parameter 'filter'", method, "Expression<Func<int, bool>> is an expression tree"),
            Verifier.Diagnostic(Descriptors.TypeMustBeSerializable).WithLocation(4).WithArguments("Parameter 'pending'", method, "Task<int> is a Task, a running operation rather than a value"),
            Verifier.Diagnostic(Descriptors.TypeMustBeSerializable).WithLocation(5).WithArguments("Parameter 'cts'", method, "CancellationTokenSource is a CancellationTokenSource, which exists only in this process"),
            Verifier.Diagnostic(Descriptors.TypeMustBeSerializable).WithLocation(6).WithArguments("Parameter 'handle'", method, "nint is a native handle or address"),
            Verifier.Diagnostic(Descriptors.TypeMustBeSerializable).WithLocation(7).WithArguments("Parameter 'type'", method, "Type is reflection metadata"),
            Verifier.Diagnostic(Descriptors.TypeMustBeSerializable).WithLocation(8).WithArguments("Parameter 'payload'", method, "object is untyped, so the worker cannot tell what to rebuild"),
            Verifier.Diagnostic(Descriptors.TypeMustBeSerializable).WithLocation(9).WithArguments("Parameter 'anything'", method, "dynamic is untyped, so the worker cannot tell what to rebuild"));
    }

    [Fact]
    public async Task SpanParameterAndValueTaskArgument_Report()
    {
        const string source = """
            using System;
            using System.Threading.Tasks;
            using TypedTasks;

            public partial class Jobs
            {
                [Task]
                public static void Run({|#0:ReadOnlySpan<byte> bytes|}, {|#1:ValueTask pending|}) { }
            }
            """;

        const string method = "Jobs.Run(ReadOnlySpan<byte>, ValueTask)";
        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TypeMustBeSerializable).WithLocation(0).WithArguments("Parameter 'bytes'", method, "ReadOnlySpan<byte> is a ref struct, which cannot leave the stack"),
            Verifier.Diagnostic(Descriptors.TypeMustBeSerializable).WithLocation(1).WithArguments("Parameter 'pending'", method, "ValueTask is a ValueTask, a running operation rather than a value"));
    }

    [Fact]
    public async Task NestedProperty_ReportsMemberPath()
    {
        const string source = """
            using System.IO;
            using TypedTasks;

            public sealed class Order
            {
                public int Id { get; set; }
                public Customer Customer { get; set; } = new();
            }

            public sealed class Customer
            {
                public string Name { get; set; } = "";
                public Stream? Logo { get; set; }
            }

            public sealed record Upload(string Name, Stream Content);

            public partial class OrderTasks
            {
                [Task]
                public static {|#0:Upload|} Ship({|#1:Order order|}) => null!;
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TypeMustBeSerializable).WithLocation(0)
                .WithArguments("The result", "OrderTasks.Ship(Order)", "Upload.Content: Stream is " + Stream),
            Verifier.Diagnostic(Descriptors.TypeMustBeSerializable).WithLocation(1)
                .WithArguments("Parameter 'order'", "OrderTasks.Ship(Order)", "Order.Customer.Logo: Stream is " + Stream));
    }

    [Fact]
    public async Task TypeArgumentsAndArrays_ReportElement()
    {
        const string source = """
            using System;
            using System.Collections.Generic;
            using System.IO;
            using TypedTasks;

            public sealed class Envelope<T>
            {
                public T Body { get; set; } = default!;
            }

            public partial class Jobs
            {
                [Task]
                public static void Run(
                    {|#0:List<Func<int>> callbacks|},
                    {|#1:Stream[] files|},
                    {|#2:Dictionary<string, object> bag|},
                    {|#3:Envelope<Action> envelope|})
                { }
            }
            """;

        const string method = "Jobs.Run(List<Func<int>>, Stream[], Dictionary<string, object>, Envelope<Action>)";
        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TypeMustBeSerializable).WithLocation(0).WithArguments("Parameter 'callbacks'", method, "Func<int> is a delegate, code rather than data"),
            Verifier.Diagnostic(Descriptors.TypeMustBeSerializable).WithLocation(1).WithArguments("Parameter 'files'", method, "Stream is " + Stream),
            Verifier.Diagnostic(Descriptors.TypeMustBeSerializable).WithLocation(2).WithArguments("Parameter 'bag'", method, "object is untyped, so the worker cannot tell what to rebuild"),
            Verifier.Diagnostic(Descriptors.TypeMustBeSerializable).WithLocation(3).WithArguments("Parameter 'envelope'", method, "Envelope<Action>: Action is a delegate, code rather than data"));
    }

    [Fact]
    public async Task CyclicAndDeepTypes_Terminate()
    {
        const string source = """
            using System.Collections.Generic;
            using System.IO;
            using TypedTasks;

            public sealed class Node
            {
                public int Value { get; set; }
                public List<Node> Children { get; set; } = [];
            }

            public sealed class Link
            {
                public int Value { get; set; }
                public Link? Next { get; set; }
            }

            public sealed class L1 { public L2 Next { get; set; } = new(); }
            public sealed class L2 { public L3 Next { get; set; } = new(); }
            public sealed class L3 { public L4 Next { get; set; } = new(); }
            public sealed class L4 { public L5 Next { get; set; } = new(); }
            public sealed class L5 { public Stream? TooDeep { get; set; } }

            public partial class Jobs
            {
                [Task]
                public static Node Walk(Node tree, Link list, L1 deep) => tree;
            }
            """;

        await Verifier.VerifyAsync(source);
    }

    [Fact]
    public async Task BackReferences_ReportMemberPath()
    {
        const string source = """
            using System.Collections.Generic;
            using TypedTasks;

            public sealed class Order
            {
                public int Id { get; set; }
                public List<OrderLine> Lines { get; set; } = [];
            }

            public sealed class OrderLine
            {
                public string Sku { get; set; } = "";
                public Order Order { get; set; } = null!;
            }

            public sealed class Node
            {
                public int Value { get; set; }
                public List<Node> Children { get; set; } = [];
                public Node? Parent { get; set; }
            }

            public sealed class Customer
            {
                public string Name { get; set; } = "";
                public Account? Account { get; set; }
            }

            public sealed class Account
            {
                public Customer? Owner { get; set; }
            }

            public partial class Jobs
            {
                [Task]
                public static {|#1:Node|} Ship({|#0:Order order|}, {|#2:List<Customer> customers|}) => null!;
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TypeMustNotHaveBackReference).WithLocation(0)
                .WithArguments("Order.Lines[].Order", "Order", "an order with lines"),
            Verifier.Diagnostic(Descriptors.TypeMustNotHaveBackReference).WithLocation(1)
                .WithArguments("Node.Children[].Parent", "Node", "a node with children"),
            Verifier.Diagnostic(Descriptors.TypeMustNotHaveBackReference).WithLocation(2)
                .WithArguments("Customer.Account.Owner", "Customer", "a customer with an account"));
    }

    [Fact]
    public async Task BackReferences_NestedAndIgnored()
    {
        const string source = """
            using System.Collections.Generic;
            using System.Text.Json.Serialization;
            using TypedTasks;

            public sealed class Order
            {
                public int Id { get; set; }
                public List<OrderLine> Lines { get; set; } = [];
            }

            public sealed class OrderLine
            {
                public string Sku { get; set; } = "";
                public Order Order { get; set; } = null!;
            }

            public sealed record Shipment(string Carrier, Order[] Orders);

            public sealed class Invoice
            {
                public List<InvoiceLine> Lines { get; set; } = [];
            }

            public sealed class InvoiceLine
            {
                [JsonIgnore]
                public Invoice? Invoice { get; set; }
                public int InvoiceId { get; set; }
            }

            public sealed class Category
            {
                public List<Category> Children { get; set; } = [];
                [JsonIgnore]
                public Category? Parent { get; set; }
            }

            public partial class Jobs
            {
                [Task]
                public static void Ship({|#0:Shipment shipment|}, Invoice invoice, Category category) { }
            }
            """;

        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TypeMustNotHaveBackReference).WithLocation(0)
                .WithArguments("Shipment.Orders[].Lines[].Order", "Order", "an order with lines"));
    }

    [Fact]
    public async Task TreesAndLists_NoBackReference()
    {
        const string source = """
            using System.Collections.Generic;
            using TypedTasks;

            public sealed class Node
            {
                public int Value { get; set; }
                public List<Node> Children { get; set; } = [];
                public Dictionary<string, Node> ByName { get; set; } = [];
            }

            public sealed class Link
            {
                public int Value { get; set; }
                public Link? Next { get; set; }
            }

            public sealed record Leaf(string Name);

            public sealed class Branch
            {
                public Leaf First { get; set; } = new("a");
                public List<Leaf> Leaves { get; set; } = [];
                public Branch? Left { get; set; }
            }

            public partial class Jobs
            {
                [Task]
                public static Node Walk(Node tree, Link list, List<Node> forest, Branch branch) => tree;
            }
            """;

        await Verifier.VerifyAsync(source);
    }

    [Fact]
    public async Task AllowedShapes_NoDiagnostic()
    {
        const string source = """
            using System;
            using System.Collections.Generic;
            using System.IO;
            using System.Text.Json.Serialization;
            using System.Threading;
            using System.Threading.Tasks;
            using TypedTasks;

            public sealed class Report
            {
                public int Year { get; set; }
                [JsonIgnore] public Stream? Cache { get; set; }
                public object? Extra { get; set; }
                public Dictionary<string, object?> Tags { get; } = new();
                internal Action? Callback { get; set; }
                public static Func<int>? Factory { get; set; }
            }

            public partial class Jobs
            {
                [Task]
                public static async Task<Report> Run(
                    Report report,
                    int? maybe,
                    DateTimeOffset when,
                    Uri location,
                    (int A, string B) pair,
                    [FromServices] Stream output,
                    CancellationToken cancellationToken)
                {
                    await Task.Yield();
                    return report;
                }

                [Task]
                public static ValueTask Plain() => default;

                [Task]
                public static unsafe void Pointers(int* p, void* q) { }
            }
            """;

        await Verifier.VerifyAsync(source);
    }

    [Fact]
    public async Task InterfacesAndAbstractClassesWithoutJsonDerivedType_ReportMemberPath()
    {
        const string source = """
            using System.Collections.Generic;
            using System.Threading.Tasks;
            using TypedTasks;

            public interface IShape { double Area { get; } }
            public sealed class Square : IShape { public double Side { get; set; } public double Area => Side * Side; }
            public sealed record Circle(double Radius) : IShape { public double Area => 3.14 * Radius * Radius; }

            public abstract class Animal { public string Name { get; set; } = ""; }
            public sealed class Dog : Animal { }

            public interface IUnimplemented { }

            public sealed class Order
            {
                public int Id { get; set; }
                public IShape? Shape { get; set; }
            }

            public sealed class Envelope<T>
            {
                public T Body { get; set; } = default!;
            }

            public partial class Jobs
            {
                [Task]
                public static {|#0:Task<Animal>|} Run(
                    {|#1:IShape shape|},
                    {|#2:Order order|},
                    {|#3:List<IShape> shapes|},
                    {|#4:Animal[] animals|},
                    {|#5:Dictionary<string, Animal> byName|},
                    {|#6:IReadOnlyList<Envelope<IShape>> envelopes|},
                    {|#7:IUnimplemented other|})
                    => Task.FromResult<Animal>(new Dog());
            }
            """;

        const string method = "Jobs.Run(IShape, Order, List<IShape>, Animal[], Dictionary<string, Animal>, IReadOnlyList<Envelope<IShape>>, IUnimplemented)";
        var shape = NoDerivedType("an interface", "[JsonDerivedType(typeof(Circle), \"circle\")]");
        var animal = NoDerivedType("an abstract class", "[JsonDerivedType(typeof(Dog), \"dog\")]");
        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TypeMustBeSerializable).WithLocation(0).WithArguments("The result", method, "Animal " + animal),
            Verifier.Diagnostic(Descriptors.TypeMustBeSerializable).WithLocation(1).WithArguments("Parameter 'shape'", method, "IShape " + shape),
            Verifier.Diagnostic(Descriptors.TypeMustBeSerializable).WithLocation(2).WithArguments("Parameter 'order'", method, "Order.Shape: IShape " + shape),
            Verifier.Diagnostic(Descriptors.TypeMustBeSerializable).WithLocation(3).WithArguments("Parameter 'shapes'", method, "IShape " + shape),
            Verifier.Diagnostic(Descriptors.TypeMustBeSerializable).WithLocation(4).WithArguments("Parameter 'animals'", method, "Animal " + animal),
            Verifier.Diagnostic(Descriptors.TypeMustBeSerializable).WithLocation(5).WithArguments("Parameter 'byName'", method, "Animal " + animal),
            Verifier.Diagnostic(Descriptors.TypeMustBeSerializable).WithLocation(6).WithArguments("Parameter 'envelopes'", method, "Envelope<IShape>.Body: IShape " + shape),
            Verifier.Diagnostic(Descriptors.TypeMustBeSerializable).WithLocation(7).WithArguments("Parameter 'other'", method, "IUnimplemented " + NoDerivedType("an interface", "[JsonDerivedType(typeof(Implementation), \"name\")]")));
    }

    [Fact]
    public async Task JsonDerivedTypes_AreWalked()
    {
        const string source = """
            using System;
            using System.Text.Json.Serialization;
            using TypedTasks;

            [JsonDerivedType(typeof(Circle), "circle")]
            [JsonDerivedType(typeof(Square), "square")]
            public interface IShape { }
            public sealed class Circle : IShape { public double Radius { get; set; } }
            public sealed class Square : IShape { public Func<double>? Side { get; set; } }

            [JsonDerivedType(typeof(Dog), "dog")]
            public abstract class Animal { }
            public sealed class Dog : Animal { public Dog(string fullName) => Name = fullName; public string Name { get; } }

            public sealed class Order
            {
                public Animal? Pet { get; set; }
            }

            public partial class Jobs
            {
                [Task]
                public static void Run({|#0:IShape shape|}, {|#1:Order order|}) { }
            }
            """;

        const string method = "Jobs.Run(IShape, Order)";
        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TypeMustBeSerializable).WithLocation(0).WithArguments("Parameter 'shape'", method, "IShape (Square).Side: Func<double> is a delegate, code rather than data"),
            Verifier.Diagnostic(Descriptors.TypeMustBeSerializable).WithLocation(1).WithArguments("Parameter 'order'", method, "Order.Pet (Dog): Dog " + NoConstructor));
    }

    [Fact]
    public async Task NoUsableConstructor_ReportsMemberPath()
    {
        const string source = """
            using System.Collections.Generic;
            using TypedTasks;

            public sealed class Unmatched
            {
                public Unmatched(string fullName) => Name = fullName;
                public string Name { get; }
            }

            public sealed class Ambiguous
            {
                public Ambiguous(int id) => Id = id;
                public Ambiguous(int id, string name) : this(id) => Name = name;
                public int Id { get; }
                public string Name { get; } = "";
            }

            public sealed class Hidden
            {
                private Hidden() { }
                public int Value { get; set; }
                public static Hidden Create() => new();
            }

            public sealed class WrongType
            {
                public WrongType(long id) => Id = (int)id;
                public int Id { get; }
            }

            public sealed class Customer
            {
                public List<Hidden> Notes { get; set; } = [];
            }

            public sealed class Order
            {
                public Customer Customer { get; set; } = new();
            }

            public partial class Jobs
            {
                [Task]
                public static {|#0:Ambiguous|} Run({|#1:Unmatched unmatched|}, {|#2:Order order|}, {|#3:WrongType[] wrong|}) => null!;
            }
            """;

        const string method = "Jobs.Run(Unmatched, Order, WrongType[])";
        await Verifier.VerifyAsync(
            source,
            Verifier.Diagnostic(Descriptors.TypeMustBeSerializable).WithLocation(0).WithArguments("The result", method, "Ambiguous " + NoConstructor),
            Verifier.Diagnostic(Descriptors.TypeMustBeSerializable).WithLocation(1).WithArguments("Parameter 'unmatched'", method, "Unmatched " + NoConstructor),
            Verifier.Diagnostic(Descriptors.TypeMustBeSerializable).WithLocation(2).WithArguments("Parameter 'order'", method, "Order.Customer.Notes[]: Hidden " + NoConstructor),
            Verifier.Diagnostic(Descriptors.TypeMustBeSerializable).WithLocation(3).WithArguments("Parameter 'wrong'", method, "WrongType " + NoConstructor));
    }

    [Fact]
    public async Task SerializableShapes_NoDiagnostic()
    {
        const string source = """
            using System;
            using System.Collections.Generic;
            using System.Text.Json.Serialization;
            using System.Threading.Tasks;
            using TypedTasks;

            public enum Status { Open, Closed }

            public sealed record Point(int X, int Y);

            public record Nominal
            {
                public string Name { get; init; } = "";
                public Status Status { get; set; }
            }

            public sealed record Mixed(Guid Id, string Name)
            {
                public DateOnly Day { get; init; }
            }

            [JsonDerivedType(typeof(Circle), "circle")]
            public interface IShape { }
            public sealed record Circle(double Radius) : IShape;

            [JsonDerivedType(typeof(Dog), "dog")]
            [JsonDerivedType(typeof(Cat), "cat")]
            public abstract class Animal { public string Name { get; set; } = ""; }
            public sealed class Dog : Animal { }
            public sealed class Cat : Animal { public bool Indoor { get; init; } }

            public sealed class Annotated
            {
                public Annotated() : this(0) { }
                [JsonConstructor]
                public Annotated(int id, string? extra = null) => Id = id;
                public Annotated(string text) => Id = text.Length;
                public int Id { get; }
            }

            public sealed class Settable
            {
                public int Id { get; set; }
                public List<Point> Points { get; set; } = [];
            }

            public sealed class Matched
            {
                public Matched(int id, string? name) { Id = id; Name = name; }
                public int Id { get; }
                public string? Name { get; }
            }

            public sealed class InitOnly
            {
                public int Id { get; init; }
                public required string Name { get; init; }
                public required TimeOnly At { get; set; }
            }

            public readonly struct Money
            {
                public Money(decimal amount) => Amount = amount;
                public decimal Amount { get; }
            }

            public interface IEntity { }
            public readonly record struct TypedId<TEntity>(Guid Value);

            public sealed class Bag<T> where T : class
            {
                [JsonIgnore] public T? Cached { get; set; }
                public int Count { get; set; }
            }

            public partial class Jobs
            {
                [Task]
                public static Task<Nominal> Run(
                    Point point,
                    Nominal nominal,
                    Mixed mixed,
                    Status status,
                    Status? maybeStatus,
                    List<Point> points,
                    Point[] array,
                    Dictionary<string, Mixed> map,
                    IReadOnlyList<Circle> circles,
                    IReadOnlyDictionary<string, Point> lookup,
                    IEnumerable<int> numbers,
                    IList<Settable> list,
                    ICollection<Matched> collection,
                    IReadOnlyCollection<InitOnly> readOnly,
                    IDictionary<string, Annotated> dictionary,
                    HashSet<string> tags,
                    int? maybe,
                    DateOnly day,
                    TimeOnly time,
                    Guid id,
                    DateTimeOffset when,
                    IShape shape,
                    List<IShape> shapes,
                    Animal animal,
                    Annotated annotated,
                    Settable settable,
                    Matched matched,
                    InitOnly initOnly,
                    Money money,
                    Money? maybeMoney,
                    TypedId<IEntity> entityId,
                    Bag<IEntity> bag)
                    => Task.FromResult(nominal);

                [Task(IgnoreResult = true)]
                public static IEntity Fire(int id) => null!;
            }
            """;

        await Verifier.VerifyAsync(source);
    }

    [Fact]
    public async Task ServiceParameters_LeftToTT0102_NoDiagnostic()
    {
        // A DbContext has no constructor System.Text.Json can use, but "add a public parameterless constructor" is the
        // wrong advice for a service: TT0102 (mark it [FromServices]) is its one diagnostic.
        const string source = """
            using System.Net.Http;
            using Microsoft.EntityFrameworkCore;
            using TypedTasks;

            public sealed class AppDbContext : DbContext { public AppDbContext(string connectionString) { } }
            public interface IEmailSender { }

            public partial class Jobs
            {
                [Task]
                public static void Run(AppDbContext db, HttpClient http, IEmailSender email) { }
            }
            """;

        await Verifier.VerifyAsync([TaskParameterMustNotBeServiceAnalyzerTests.FakeFrameworks, source]);
    }

    [Fact]
    public async Task NeverSerializable_NotATask_NoDiagnostic()
    {
        const string source = """
            using System;
            using System.IO;

            public class Helpers
            {
                public static Stream Run(Func<int> factory, Stream input) => input;
            }
            """;

        await Verifier.VerifyAsync(source);
    }

    [Fact]
    public async Task ValidTasks_AllShapes_NoDiagnostic()
        => await Verifier.VerifyAsync(ValidTasks.Source);
}
