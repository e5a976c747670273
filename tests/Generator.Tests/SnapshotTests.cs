using TypedTasks.Generator.Tests.Infrastructure;

namespace TypedTasks.Generator.Tests;

public sealed class SnapshotTests
{
    private const string Services = """
        namespace Samples.Tasks;

        public sealed class AssetStore { }
        public interface IEmailSender { Task SendAsync(string to, string subject, CancellationToken ct); }
        """;

    [Fact]
    public void StaticAsyncTaskWithResult_ServicesAndToken()
    {
        var result = GeneratorRunner.RunClean("""
            namespace Samples.Tasks;

            public static partial class ReportTasks
            {
                [Task(Queue = "reports")]
                public static async Task<int> GenerateReport(int year, [FromServices] AssetStore assets, CancellationToken ct)
                {
                    await Task.Delay(1, ct);
                    return year;
                }
            }
            """, "Samples.Tasks", Services);
        Snapshot.Verify(result, nameof(SnapshotTests));
    }

    /// <summary>[Periodic] schedules are registered through the public AddPeriodic with the task's generated Call();
    /// a task with arguments gets a typed Call(…) for AddPeriodic by hand.</summary>
    [Fact]
    public void PeriodicTasks_RegisteredWithTheirCall()
    {
        var result = GeneratorRunner.RunClean("""
            namespace Samples.Tasks;

            public static partial class CleanupTasks
            {
                [Task(Queue = "maintenance")]
                [Periodic("0 0 3 * * *", TimeZone = "Europe/Paris")]
                [Periodic(Every = "00:10:00", Name = "cleanup-often", CatchUp = PeriodicCatchUp.None)]
                public static int PurgeOldReports(int olderThanDays = 30, [FromServices] AssetStore? assets = null) => olderThanDays;

                [Task]
                public static void Archive(string folder, int year) { }
            }
            """, "Samples.Tasks", Services);
        Snapshot.Verify(result, nameof(SnapshotTests));
    }

    [Fact]
    public void InstanceTask_WithoutResult()
    {
        var result = GeneratorRunner.RunClean("""
            namespace Samples.Tasks;

            public sealed partial class EmailTasks(IEmailSender sender)
            {
                [Task(Queue = "email")]
                public Task SendThankYouEmail(string emailAddress, CancellationToken ct)
                    => sender.SendAsync(emailAddress, "Thank you", ct);
            }
            """, "Samples.Tasks", Services);
        Snapshot.Verify(result, nameof(SnapshotTests));
    }

    [Fact]
    public void EveryReturnKind()
    {
        var result = GeneratorRunner.RunClean("""
            namespace MyApp;

            internal partial class Kinds
            {
                [Task] public static void SyncVoid(int a) { }
                [Task] public static string SyncValue(string? text) => text ?? "";
                [Task] public static Task AsyncTask() => Task.CompletedTask;
                [Task] public static Task<long> AsyncTaskOfT(long value) => Task.FromResult(value);
                [Task] public static ValueTask AsyncValueTask() => default;
                [Task] public ValueTask<bool> AsyncValueTaskOfT(bool flag) => new(flag);
            }
            """, "MyApp");
        Snapshot.Verify(result, nameof(SnapshotTests));
    }

    [Fact]
    public void Nullability_NonNullableReferencesRefuseNull_NullableObliviousAndAllowNullDoNot()
    {
        // Issue 14: the user's annotations decide; `#nullable disable` keeps the old, lenient reading.
        var result = GeneratorRunner.RunClean("""
            using System.Diagnostics.CodeAnalysis;

            namespace Nulls;

            public sealed record Note(string Text);

            public static partial class Strict
            {
                [Task] public static void Work(string id, string? note, Note body, Note? extra, int count, int? maybe, [AllowNull] string loose) { }
            }

            #nullable disable
            public static partial class Oblivious
            {
                [Task] public static void Work(string id, Note body) { }
            }
            """, "Nulls");
        Snapshot.Verify(result, nameof(SnapshotTests));
    }

    /// <summary>Issue 12: a typed <c>Call(…)</c> and a <c>Partial(…)</c> (all arguments but the first) per task that returns a
    /// value; none for a task without a result or without arguments.</summary>
    [Fact]
    public void ChainSignatures_TypedCallAndPartial()
    {
        var result = GeneratorRunner.RunClean("""
            namespace Pipeline;

            public sealed record Report(string Title, int Pages);

            public static partial class Steps
            {
                [Task] public static int Count(string text) => text.Length;

                [Task(Queue = "render")]
                public static Task<Report> Render(int pages, string @class, [FromServices] IServiceProvider services, string? title = null, CancellationToken ct = default)
                    => Task.FromResult(new Report(title ?? @class, pages));

                [Task] public static void Notify(Report report) { }

                [Task] public static int Seed() => 1;
            }
            """, "Pipeline");
        Snapshot.Verify(result, nameof(SnapshotTests));
    }

    [Fact]
    public void RecordsCollectionsEnumsNullables()
    {
        var result = GeneratorRunner.RunClean("""
            using System.Text.Json.Serialization;

            namespace Shop;

            public enum Priority { Low, Normal, High }

            public sealed record OrderLine(string Sku, int Quantity, decimal Price = 1.5m);

            public sealed class Customer
            {
                public required string Name { get; init; }
                [JsonPropertyName("mail")] public string? Email { get; set; }
                [JsonIgnore] public int Secret { get; set; }
                public List<string> Tags { get; set; } = new();
                public Dictionary<string, int> Scores { get; } = new();
            }

            public struct Point { public int X { get; set; } public int Y { get; set; } }

            public sealed record Order(Guid Id, DateTimeOffset PlacedAt, Customer Customer, IReadOnlyList<OrderLine> Lines, Priority Priority, int? Discount);

            public static partial class OrderTasks
            {
                [Task(Name = "shop.place-order", TrackStarted = true)]
                public static Task<Order> PlaceOrder(Order order, Point[] points, HashSet<Priority> priorities, IDictionary<string, Point?> named, IEnumerable<DateOnly> days, TimeSpan? timeout)
                    => Task.FromResult(order);
            }
            """, "Shop");
        Snapshot.Verify(result, nameof(SnapshotTests));
    }

    [Fact]
    public void DefaultValues_KeywordsAndCollidingNames()
    {
        var result = GeneratorRunner.RunClean("""
            namespace Defaults;

            public enum Mode { A = 1, B = -2 }

            public static partial class DefaultTasks
            {
                [Task]
                public static void Everything(
                    string @class,
                    int cancellationToken,
                    string options,
                    string text = "a \"quoted\"\n line",
                    char c = '\'',
                    bool flag = true,
                    Mode mode = Mode.B,
                    Mode? maybe = null,
                    float f = 1.5f,
                    double d = -2.25,
                    decimal m = 10.1m,
                    long l = 5L,
                    uint u = 7u,
                    byte b = 255,
                    DateTime when = default,
                    string? none = null,
                    int? number = 3)
                {
                }
            }
            """, "Defaults");
        Snapshot.Verify(result, nameof(SnapshotTests));
    }

    [Fact]
    public void IgnoreResult_UsesUntypedDefinition()
    {
        var result = GeneratorRunner.RunClean("""
            namespace Ignored;

            public static partial class FireAndForget
            {
                [Task(IgnoreResult = true, Queue = "default")]
                public static Task<int> Count(int x) => Task.FromResult(x);
            }
            """, "Ignored");
        Snapshot.Verify(result, nameof(SnapshotTests));
    }

    [Fact]
    public void NestedPartialTypes_NoNamespace()
    {
        var result = GeneratorRunner.RunClean("""
            public partial class Outer
            {
                internal partial record Inner
                {
                    [Task] public static int Twice(int x) => 2 * x;
                }

                public partial struct Values
                {
                    [Task] public static int Add(int a, int b) => a + b;
                }
            }
            """, "My-App.Tasks");
        Snapshot.Verify(result, nameof(SnapshotTests));
    }

    [Fact]
    public void LifecycleOptions_EveryOption_AndTaskContext()
    {
        var result = GeneratorRunner.RunClean("""
            namespace Lifecycle;

            public sealed class RateLimitedException(string message) : Exception(message) { }

            public static partial class MailTasks
            {
                [Task(
                    Queue = "email",
                    MaxRetries = 5,
                    DefaultRetryDelay = "00:00:30",
                    RetryBackoff = true,
                    RetryBackoffBase = "00:00:02",
                    RetryBackoffMax = "00:10:00",
                    RetryJitter = false,
                    AutoRetryFor = [typeof(System.Net.Http.HttpRequestException), typeof(TimeoutException), typeof(RateLimitedException)],
                    SoftTimeLimit = "00:01:00",
                    TimeLimit = "00:01:30",
                    Expires = "1.00:00:00",
                    RateLimit = "10/s")]
                public static Task<bool> Send(string to, TaskContext context, CancellationToken ct) => Task.FromResult(context.Attempt > 1);

                // Set to the runtime's defaults: only MaxRetries is emitted (it was set); false backoff and true jitter are not.
                [Task(MaxRetries = 3, RetryBackoff = false, RetryJitter = true, AutoRetryFor = new Type[0], Expires = null, RateLimit = null)]
                public static void Defaults(TaskContext? context, int x) { }
            }
            """, "Lifecycle");
        Snapshot.Verify(result, nameof(SnapshotTests));
    }

    [Fact]
    public void Polymorphism_AbstractClass_Interface_ConcreteBase()
    {
        var result = GeneratorRunner.RunClean("""
            using System.Text.Json.Serialization;

            namespace Zoo;

            [JsonPolymorphic(TypeDiscriminatorPropertyName = "kind", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FallBackToNearestAncestor, IgnoreUnrecognizedTypeDiscriminators = true)]
            [JsonDerivedType(typeof(Circle), "circle")]
            [JsonDerivedType(typeof(Square), "square")]
            public abstract record Shape(string Name);

            public sealed record Circle(string Name, double Radius) : Shape(Name);

            public sealed record Square(string Name, double Side) : Shape(Name);

            public interface INamed { string Name { get; } }

            [JsonDerivedType(typeof(Dog), 1)]
            [JsonDerivedType(typeof(Cat), 2)]
            public interface IAnimal : INamed { int Legs { get; } }

            public sealed class Dog : IAnimal { public string Name { get; set; } = ""; public int Legs { get; set; } public bool Barks { get; set; } }

            public sealed class Cat : IAnimal { public string Name { get; set; } = ""; public int Legs { get; set; } public List<Shape> Toys { get; set; } = new(); }

            [JsonDerivedType(typeof(Vehicle), "vehicle")]
            [JsonDerivedType(typeof(Car))]
            public class Vehicle { public int Wheels { get; set; } }

            public sealed class Car : Vehicle { public string Model { get; set; } = ""; }

            public static partial class ZooTasks
            {
                [Task]
                public static Task<IReadOnlyList<Shape>> Draw(Shape shape, IAnimal animal, Dictionary<string, Vehicle> vehicles)
                    => Task.FromResult<IReadOnlyList<Shape>>([shape]);
            }
            """, "Zoo");
        Snapshot.Verify(result, nameof(SnapshotTests));
    }
}
