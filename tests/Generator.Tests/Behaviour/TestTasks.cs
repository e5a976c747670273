using System.Text.Json.Serialization;

namespace TypedTasks.Generator.Tests.Behaviour;

public enum Color
{
    Red,
    Green,
    Blue,
}

public sealed record Address(string Street, string City);

public sealed record Person(string Name, int Age, Address Address, List<string> Tags, Color Favorite, DateTimeOffset Born, Guid Id, int? Lucky);

public sealed class Settings
{
    public required string Title { get; init; }

    [JsonPropertyName("max")]
    public int Maximum { get; set; } = 10;

    [JsonIgnore]
    public string Hidden { get; set; } = "hidden";

    public Dictionary<string, double> Weights { get; set; } = new();
}

public sealed class Counter
{
    public int Calls { get; set; }
}

public static partial class BehaviourTasks
{
    [Task(Queue = "q1")]
    public static async Task<int> Add(int a, int b, CancellationToken ct)
    {
        await Task.Yield();
        ct.ThrowIfCancellationRequested();
        return a + b;
    }

    [Task]
    public static Person Echo(Person person) => person;

    [Task]
    public static string Greet(string name, string greeting = "Hello", Color color = Color.Blue) => $"{greeting} {name} {color}";

    [Task]
    public static void Touch([FromServices] Counter counter) => counter.Calls++;

    [Task(IgnoreResult = true)]
    public static int Ignored(int x) => x;

    [Task]
    public static Task<Dictionary<string, int[]>> Shapes(Dictionary<string, int[]> input, IReadOnlyList<Color?> colors, HashSet<Guid> ids, DateTimeOffset at)
        => Task.FromResult(input);

    [Task]
    public static ValueTask<Settings> Configure(Settings settings, string? note = null) => new(settings);
}

public sealed partial class InstanceTasks(Counter counter)
{
    [Task(Name = "instance.increment")]
    public ValueTask<int> Increment(int by)
    {
        counter.Calls += by;
        return new(counter.Calls);
    }
}

/// <summary>Nullability as the user's code declares it decides whether a JSON <c>null</c> is refused (issue 14).</summary>
public static partial class NullabilityTasks
{
    [Task]
    public static string Strict(string id, string? note, int count, int? maybe, Person person, System.Text.Json.JsonElement raw)
        => $"{id}|{note ?? "(null)"}|{count}|{maybe?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(null)"}|{person.Name}|{raw.ValueKind}";

    [Task]
    public static string Allowed([System.Diagnostics.CodeAnalysis.AllowNull] string id) => id ?? "(null)";
}

#nullable disable
/// <summary>Written without nullable annotations: oblivious parameters take null as before.</summary>
public static partial class ObliviousTasks
{
    [Task]
    public static string Loose(string id) => id ?? "(null)";
}
#nullable restore
