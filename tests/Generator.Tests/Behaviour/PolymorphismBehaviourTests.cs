using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Generated;

namespace TypedTasks.Generator.Tests.Behaviour;

/// <summary>Polymorphic argument and result types: <c>[JsonPolymorphic]</c>/<c>[JsonDerivedType]</c> through the generated metadata.</summary>
public sealed class PolymorphismBehaviourTests
{
    private readonly CapturingTaskClient _client = new();

    private static async Task<string?> InvokeAsync(TaskDefinition task, string json)
    {
        var invocation = new TaskInvocation("id-1", task.Name, Encoding.UTF8.GetBytes(json), new ServiceCollection().BuildServiceProvider(), TestContext.Current.CancellationToken);
        await task.Invoker(invocation);
        return invocation.HasResult ? Encoding.UTF8.GetString(invocation.ResultJson.Span) : null;
    }

    [Fact]
    public async Task AbstractBase_RoundTrips_WithDiscriminator_ThroughProxyAndInvoker()
    {
        await _client.Draw().DelayAsync(new Circle("c", 1.5), [new Square("s", 2), new Circle("d", 3)], TestContext.Current.CancellationToken);
        Assert.Equal(
            """{"shape":{"kind":"circle","Radius":1.5,"Name":"c"},"others":[{"kind":"square","Side":2,"Name":"s"},{"kind":"circle","Radius":3,"Name":"d"}]}""",
            _client.Json);

        var resultJson = await InvokeAsync(PolymorphismTasks.DrawTask.Definition, _client.Json!);
        Assert.Equal([typeof(Circle), typeof(Square), typeof(Circle)], PolymorphismTasks.Received);
        Assert.Equal(
            """[{"kind":"square","Side":2,"Name":"s"},{"kind":"circle","Radius":3,"Name":"d"},{"kind":"circle","Radius":1.5,"Name":"c"}]""",
            resultJson);

        var result = JsonSerializer.Deserialize(resultJson!, PolymorphismTasks.DrawTask.Definition.ResultTypeInfo)!;
        Assert.Equal<Shape>([new Square("s", 2), new Circle("d", 3), new Circle("c", 1.5)], result);
    }

    [Fact]
    public async Task AbstractBase_WithoutOrWithUnknownDiscriminator_Throws()
    {
        var missing = await Assert.ThrowsAsync<TaskArgumentException>(() => InvokeAsync(PolymorphismTasks.DrawTask.Definition, """{"shape":{"Name":"x"},"others":[]}"""));
        Assert.Equal("shape", missing.ParameterName);
        var unknown = await Assert.ThrowsAsync<TaskArgumentException>(() => InvokeAsync(PolymorphismTasks.DrawTask.Definition, """{"shape":{"kind":"triangle","Name":"x"},"others":[]}"""));
        Assert.Equal("shape", unknown.ParameterName);
    }

    [Fact]
    public async Task Interface_IntDiscriminators_RoundTrip()
    {
        await _client.Describe().DelayAsync(new Cat { Name = "Tom", Lives = 9 }, TestContext.Current.CancellationToken);
        Assert.Equal("""{"animal":{"$type":2,"Name":"Tom","Lives":9}}""", _client.Json);
        Assert.Equal("\"cat Tom 9\"", await InvokeAsync(PolymorphismTasks.DescribeTask.Definition, _client.Json!));
        Assert.Equal("\"dog Rex True\"", await InvokeAsync(PolymorphismTasks.DescribeTask.Definition, """{"animal":{"$type":1,"Name":"Rex","Barks":true}}"""));
    }

    [Fact]
    public async Task ConcreteBase_AndPolymorphicProperties_RoundTrip()
    {
        await _client.Park().DelayAsync(new Garage(new Car { Wheels = 4, Model = "T" }, [new Dog { Name = "Rex" }]), TestContext.Current.CancellationToken);
        Assert.Equal("""{"garage":{"Main":{"$type":"car","Model":"T","Wheels":4},"Pets":[{"$type":1,"Name":"Rex","Barks":false}]}}""", _client.Json);
        Assert.Equal("""{"Main":{"$type":"car","Model":"T","Wheels":4},"Pets":[{"$type":1,"Name":"Rex","Barks":false}]}""", await InvokeAsync(PolymorphismTasks.ParkTask.Definition, _client.Json!));

        var resultJson = await InvokeAsync(PolymorphismTasks.ParkTask.Definition, """{"garage":{"Main":{"$type":"vehicle","Wheels":2},"Pets":[]}}""");
        var garage = JsonSerializer.Deserialize(resultJson!, PolymorphismTasks.ParkTask.Definition.ResultTypeInfo)!;
        Assert.IsType<Vehicle>(garage.Main, exactMatch: true);
        Assert.Equal(2, garage.Main.Wheels);

        // The concrete base is created when no discriminator is given.
        resultJson = await InvokeAsync(PolymorphismTasks.ParkTask.Definition, """{"garage":{"Main":{"Wheels":3},"Pets":[]}}""");
        Assert.Equal("""{"Main":{"$type":"vehicle","Wheels":3},"Pets":[]}""", resultJson);
    }

    [Fact]
    public void Metadata_HasPolymorphismOptions_AndDerivedTypesHaveTheirOwn()
    {
        var options = TypedTasksJsonMetadata.Shape.PolymorphismOptions;
        Assert.NotNull(options);
        Assert.Equal("kind", options.TypeDiscriminatorPropertyName);
        Assert.Equal([(typeof(Circle), (object?)"circle"), (typeof(Square), "square")], options.DerivedTypes.Select(d => (d.DerivedType, d.TypeDiscriminator)));
        Assert.Null(TypedTasksJsonMetadata.Shape.CreateObject);
        Assert.True(TypedTasksJsonMetadata.IAnimal.PolymorphismOptions!.IgnoreUnrecognizedTypeDiscriminators);
        Assert.Equal(typeof(Circle), TypedTasksJsonMetadata.Circle.Type);
        Assert.Same(TypedTasksJsonMetadata.Options, TypedTasksJsonMetadata.Dog.Options);
    }
}
