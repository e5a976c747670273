using System.Text.Json.Serialization;

namespace TypedTasks.Generator.Tests.Behaviour;

[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(Circle), "circle")]
[JsonDerivedType(typeof(Square), "square")]
public abstract record Shape(string Name);

public sealed record Circle(string Name, double Radius) : Shape(Name);

public sealed record Square(string Name, double Side) : Shape(Name);

[JsonPolymorphic(IgnoreUnrecognizedTypeDiscriminators = true)]
[JsonDerivedType(typeof(Dog), 1)]
[JsonDerivedType(typeof(Cat), 2)]
public interface IAnimal
{
    string Name { get; }
}

public sealed class Dog : IAnimal
{
    public string Name { get; set; } = "";

    public bool Barks { get; set; }
}

public sealed class Cat : IAnimal
{
    public string Name { get; set; } = "";

    public int Lives { get; set; }
}

[JsonDerivedType(typeof(Vehicle), "vehicle")]
[JsonDerivedType(typeof(Car), "car")]
public class Vehicle
{
    public int Wheels { get; set; }
}

public sealed class Car : Vehicle
{
    public string Model { get; set; } = "";
}

public sealed record Garage(Vehicle Main, IReadOnlyList<IAnimal> Pets);

public static partial class PolymorphismTasks
{
    /// <summary>The runtime types <see cref="Draw"/> received last: the shape, then the others.</summary>
    public static IReadOnlyList<Type> Received { get; private set; } = [];

    [Task]
    public static IReadOnlyList<Shape> Draw(Shape shape, List<Shape> others)
    {
        Received = [shape.GetType(), .. others.Select(o => o.GetType())];
        return [.. others, shape];
    }

    [Task]
    public static Garage Park(Garage garage) => garage;

    [Task]
    public static string Describe(IAnimal animal) => animal switch
    {
        Dog dog => $"dog {dog.Name} {dog.Barks}",
        Cat cat => $"cat {cat.Name} {cat.Lives}",
        _ => "unknown",
    };
}
