using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Generated;

namespace TypedTasks.Generator.Tests.Behaviour;

/// <summary>
/// The description of a task's arguments the generator writes into its definition (for the task catalog, <c>tt send</c>'s
/// check and the dashboard) says what the generated reader enforces: a JSON <c>null</c> is refused exactly for the arguments
/// described as not nullable, and a missing property exactly for those described as required.
/// </summary>
public sealed class ArgumentDescriptionTests
{
    private const string Person = """{"Name":"Ann","Age":3,"Address":{"Street":"s","City":"c"},"Tags":[],"Favorite":1,"Born":"2020-01-01T00:00:00+00:00","Id":"6f9619ff-8b86-d011-b42d-00cf4fc964ff","Lucky":null}""";

    [Fact]
    public void Definition_DescribesEachArgument_ItsJsonKind_DotnetType_RequiredAndNullable()
    {
        var strict = NullabilityTasks.StrictTask.Definition.Arguments!;
        Assert.Equal(new[] { "id", "note", "count", "maybe", "person", "raw" }, strict.Select(a => a.Name));
        Assert.Equal(new[] { TaskArgumentKind.String, TaskArgumentKind.String, TaskArgumentKind.Integer, TaskArgumentKind.Integer, TaskArgumentKind.Object, TaskArgumentKind.Any }, strict.Select(a => a.Kind));
        Assert.Equal(new[] { "string", "string?", "int", "int?", "Person", "JsonElement" }, strict.Select(a => a.TypeName));
        Assert.Equal(new[] { false, true, false, true, false, true }, strict.Select(a => a.IsNullable));
        Assert.All(strict, a => Assert.True(a.IsRequired));
        Assert.Equal("string", NullabilityTasks.StrictTask.Definition.ResultTypeName);

        var greet = BehaviourTasks.GreetTask.Definition.Arguments!;
        Assert.Equal(new[] { "name", "greeting", "color" }, greet.Select(a => a.Name));
        Assert.Equal(new[] { true, false, false }, greet.Select(a => a.IsRequired));
        Assert.Equal(TaskArgumentKind.Integer, greet[2].Kind); // enums travel as numbers
        Assert.Equal("Color", greet[2].TypeName);

        var shapes = BehaviourTasks.ShapesTask.Definition.Arguments!;
        Assert.Equal(new[] { TaskArgumentKind.Object, TaskArgumentKind.Array, TaskArgumentKind.Array, TaskArgumentKind.String }, shapes.Select(a => a.Kind));
        Assert.Equal(new[] { "Dictionary<string, int[]>", "IReadOnlyList<Color?>", "HashSet<Guid>", "DateTimeOffset" }, shapes.Select(a => a.TypeName));

        // A CancellationToken, a [FromServices] parameter and a TaskContext never travel, so they are no arguments.
        Assert.Equal(new[] { "a", "b" }, BehaviourTasks.AddTask.Definition.Arguments!.Select(a => a.Name));
        Assert.Empty(BehaviourTasks.TouchTask.Definition.Arguments!);
        Assert.Null(BehaviourTasks.TouchTask.Definition.ResultTypeName);
        Assert.Equal("int", BehaviourTasks.AddTask.Definition.ResultTypeName);
    }

    [Fact]
    public async Task ANull_IsRefusedExactlyForTheArgumentsDescribedAsNotNullable()
    {
        var task = NullabilityTasks.StrictTask.Definition;
        var valid = JsonNode.Parse("""{"id":"a","note":"n","count":1,"maybe":2,"person":""" + Person + ""","raw":{}}""")!.AsObject();
        Assert.Null(await RefusalAsync(task, valid.ToJsonString()));

        foreach (var argument in task.Arguments!)
        {
            var body = valid.DeepClone().AsObject();
            body[argument.Name] = null;
            var refusal = await RefusalAsync(task, body.ToJsonString());
            Assert.True(argument.IsNullable == (refusal is null), $"{argument.Name}: described nullable={argument.IsNullable}, reader says {refusal ?? "fine"}");
        }
    }

    [Fact]
    public async Task AMissingProperty_IsRefusedExactlyForTheArgumentsDescribedAsRequired()
    {
        var task = BehaviourTasks.GreetTask.Definition;
        var valid = JsonNode.Parse("""{"name":"Ann","greeting":"Hi","color":0}""")!.AsObject();
        Assert.Null(await RefusalAsync(task, valid.ToJsonString()));

        foreach (var argument in task.Arguments!)
        {
            var body = valid.DeepClone().AsObject();
            body.Remove(argument.Name);
            var refusal = await RefusalAsync(task, body.ToJsonString());
            Assert.True(argument.IsRequired == (refusal is not null), $"{argument.Name}: described required={argument.IsRequired}, reader says {refusal ?? "fine"}");
        }
    }

    private static async Task<string?> RefusalAsync(TaskDefinition task, string json)
    {
        var invocation = new TaskInvocation("id-1", task.Name, Encoding.UTF8.GetBytes(json), new ServiceCollection().BuildServiceProvider(), TestContext.Current.CancellationToken);
        try
        {
            await task.Invoker(invocation);
            return null;
        }
        catch (TaskArgumentException ex)
        {
            return ex.Message;
        }
    }
}
