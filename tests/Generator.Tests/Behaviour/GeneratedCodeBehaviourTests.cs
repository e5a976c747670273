using System.Text;
using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Generated;

namespace TypedTasks.Generator.Tests.Behaviour;

/// <summary>The code generated for <see cref="BehaviourTasks"/> in this very project, exercised without a broker.</summary>
public sealed class GeneratedCodeBehaviourTests
{
    private readonly CapturingTaskClient _client = new();

    private static async Task<string?> InvokeAsync(TaskDefinition task, string json, IServiceProvider? services = null)
    {
        var invocation = new TaskInvocation("id-1", task.Name, Encoding.UTF8.GetBytes(json), services ?? new ServiceCollection().BuildServiceProvider(), TestContext.Current.CancellationToken);
        await task.Invoker(invocation);
        return invocation.HasResult ? Encoding.UTF8.GetString(invocation.ResultJson.Span) : null;
    }

    [Fact]
    public async Task DelayAsync_WritesNamedArguments_AndReturnsTypedHandle()
    {
        using var cts = new CancellationTokenSource();
        TaskHandle<int> handle = await _client.Add().DelayAsync(2, 3, cts.Token);

        Assert.Same(BehaviourTasks.AddTask.Definition, _client.Task);
        Assert.Equal("""{"a":2,"b":3}""", _client.Json);
        Assert.Null(_client.Options);
        Assert.Equal(cts.Token, _client.CancellationToken);
        Assert.Equal("TypedTasks.Generator.Tests.Behaviour.BehaviourTasks.Add", handle.TaskName);
        Assert.Equal("q1", BehaviourTasks.AddTask.Definition.Queue);
        Assert.Equal("TypedTasks.Generator.Tests.Behaviour.BehaviourTasks.Add", BehaviourTasks.AddTask.Name);
    }

    [Fact]
    public async Task ApplyAsync_PassesOptions()
    {
        var options = new TaskOptions { TaskId = "fixed", Queue = "other" };
        var handle = await _client.Greet().ApplyAsync("Ann", "Hi", Color.Red, options, TestContext.Current.CancellationToken);

        Assert.Same(options, _client.Options);
        Assert.Equal("fixed", handle.Id);
        Assert.Equal("""{"name":"Ann","greeting":"Hi","color":0}""", _client.Json);
    }

    [Fact]
    public void GetHandle_GivesHandleOfSameTask()
    {
        TaskHandle<int> handle = _client.Add().GetHandle("abc");
        Assert.Equal("abc", handle.Id);
        Assert.Equal(BehaviourTasks.AddTask.Name, handle.TaskName);
    }

    [Fact]
    public async Task Invoker_CallsMethod_AndStoresResultJson()
    {
        Assert.Equal("5", await InvokeAsync(BehaviourTasks.AddTask.Definition, """{"a":2,"b":3}"""));
    }

    [Fact]
    public async Task Invoker_IgnoresUnknownProperties()
    {
        Assert.Equal("3", await InvokeAsync(BehaviourTasks.AddTask.Definition, """{"zzz":{"x":[1,2,{"y":null}]},"b":2,"a":1,"extra":"s"}"""));
    }

    [Fact]
    public async Task Invoker_MissingRequiredArgument_ThrowsNamingParameter()
    {
        var ex = await Assert.ThrowsAsync<TaskArgumentException>(() => InvokeAsync(BehaviourTasks.AddTask.Definition, """{"a":1}"""));
        Assert.Equal("b", ex.ParameterName);
        Assert.Equal(BehaviourTasks.AddTask.Name, ex.TaskName);
    }

    [Fact]
    public async Task Invoker_WrongArgumentType_ThrowsNamingParameter()
    {
        var ex = await Assert.ThrowsAsync<TaskArgumentException>(() => InvokeAsync(BehaviourTasks.AddTask.Definition, """{"a":"one","b":2}"""));
        Assert.Equal("a", ex.ParameterName);
    }

    [Fact]
    public async Task Invoker_MissingOptionalArguments_UseDefaults()
    {
        Assert.Equal("\"Hello Ann Blue\"", await InvokeAsync(BehaviourTasks.GreetTask.Definition, """{"name":"Ann"}"""));
    }

    [Fact]
    public async Task Record_RoundTrips_ThroughProxyAndInvoker()
    {
        var person = new Person("Ann", 42, new Address("Main St 1", "Springfield"), ["a", "b"], Color.Green, new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)), Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"), null);
        await _client.Echo().DelayAsync(person, TestContext.Current.CancellationToken);
        Assert.Equal(
            """{"person":{"Name":"Ann","Age":42,"Address":{"Street":"Main St 1","City":"Springfield"},"Tags":["a","b"],"Favorite":1,"Born":"2024-01-02T03:04:05+02:00","Id":"0f8fad5b-d9cb-469f-a165-70867728950e","Lucky":null}}""",
            _client.Json);

        var resultJson = await InvokeAsync(BehaviourTasks.EchoTask.Definition, _client.Json!);
        var result = System.Text.Json.JsonSerializer.Deserialize(resultJson!, BehaviourTasks.EchoTask.Definition.ResultTypeInfo)!;
        Assert.Equal(person with { Tags = result.Tags }, result);
        Assert.Equal(person.Tags, result.Tags);
    }

    [Fact]
    public async Task Collections_Nullables_Guids_RoundTrip()
    {
        var input = new Dictionary<string, int[]> { ["x"] = [1, 2], ["y"] = [] };
        var at = new DateTimeOffset(2025, 5, 6, 7, 8, 9, TimeSpan.Zero);
        await _client.Shapes().DelayAsync(input, [Color.Red, null], [Guid.Empty], at, TestContext.Current.CancellationToken);
        Assert.Equal("""{"input":{"x":[1,2],"y":[]},"colors":[0,null],"ids":["00000000-0000-0000-0000-000000000000"],"at":"2025-05-06T07:08:09+00:00"}""", _client.Json);
        Assert.Equal("""{"x":[1,2],"y":[]}""", await InvokeAsync(BehaviourTasks.ShapesTask.Definition, _client.Json!));
    }

    [Fact]
    public async Task RequiredInitProperties_JsonPropertyName_JsonIgnore_RoundTrip()
    {
        var settings = new Settings { Title = "t", Maximum = 3, Hidden = "secret", Weights = { ["w"] = 0.5 } };
        await _client.Configure().DelayAsync(settings, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("""{"settings":{"Title":"t","max":3,"Weights":{"w":0.5}},"note":null}""", _client.Json);
        Assert.Equal("""{"Title":"t","max":3,"Weights":{"w":0.5}}""", await InvokeAsync(BehaviourTasks.ConfigureTask.Definition, _client.Json!));

        var ex = await Assert.ThrowsAsync<TaskArgumentException>(() => InvokeAsync(BehaviourTasks.ConfigureTask.Definition, """{"settings":{"max":1}}"""));
        Assert.Equal("settings", ex.ParameterName);
    }

    [Fact]
    public async Task FromServices_ComesFromTheInvocationScope()
    {
        var counter = new Counter();
        var services = new ServiceCollection().AddSingleton(counter).BuildServiceProvider();
        await _client.Touch().DelayAsync(TestContext.Current.CancellationToken);
        Assert.Equal("{}", _client.Json);
        Assert.Null(await InvokeAsync(BehaviourTasks.TouchTask.Definition, "{}", services));
        Assert.Equal(1, counter.Calls);
    }

    [Fact]
    public async Task IgnoreResult_UsesUntypedDefinition_AndStoresNoResult()
    {
        TaskHandle handle = await _client.Ignored().DelayAsync(7, TestContext.Current.CancellationToken);
        Assert.IsNotType<TaskHandle<int>>(handle);
        Assert.IsNotType<TaskDefinition<int>>(BehaviourTasks.IgnoredTask.Definition);
        Assert.True(BehaviourTasks.IgnoredTask.Definition.IgnoreResult);
        Assert.Null(await InvokeAsync(BehaviourTasks.IgnoredTask.Definition, """{"x":7}"""));
    }

    [Fact]
    public async Task Registration_AddsTasksAndInstanceTypes_InstanceTaskRunsFromScope()
    {
        var services = new ServiceCollection();
        services.AddSingleton(new Counter { Calls = 10 });
        services.AddTypedTasks().AddTypedTasksGeneratorTestsTasks();
        using var provider = services.BuildServiceProvider();

        var registered = provider.GetServices<TaskDefinition>().Select(t => t.Name).ToList();
        Assert.Equal(TypedTasksGeneratorTestsTypedTasksBuilderExtensions.Tasks.Select(t => t.Name), registered);
        Assert.Equal(registered.Order(StringComparer.Ordinal), registered);
        Assert.Contains("instance.increment", registered);

        using var scope = provider.CreateScope();
        Assert.Equal("15", await InvokeAsync(InstanceTasks.IncrementTask.Definition, """{"by":5}""", scope.ServiceProvider));
    }

    [Fact]
    public void JsonMetadata_IsReadOnly_AndNamedPropertiesAreCached()
    {
        Assert.True(TypedTasksJsonMetadata.Options.IsReadOnly);
        Assert.Same(TypedTasksJsonMetadata.Int32, TypedTasksJsonMetadata.Get<int>());
        Assert.Same(TypedTasksJsonMetadata.Options, TypedTasksJsonMetadata.Person.Options);
    }

    [Fact]
    public async Task Invoker_NotAnObject_Throws()
    {
        var ex = await Assert.ThrowsAsync<TaskArgumentException>(() => InvokeAsync(BehaviourTasks.AddTask.Definition, "[1,2]"));
        Assert.Null(ex.ParameterName);
    }

    private const string StrictArguments = """{"id":"a","note":"n","count":1,"maybe":2,"person":{"Name":"P","Age":1,"Address":{"Street":"s","City":"c"},"Tags":[],"Favorite":0,"Born":"2024-01-01T00:00:00Z","Id":"00000000-0000-0000-0000-000000000000","Lucky":null},"raw":null}""";

    [Fact]
    public async Task Invoker_NullableParameters_TakeNull_NonNullableOnesRefuseIt()
    {
        Assert.Equal("\"a|n|1|2|P|Null\"", await InvokeAsync(NullabilityTasks.StrictTask.Definition, StrictArguments));
        Assert.Equal("\"a|(null)|1|(null)|P|Null\"", await InvokeAsync(NullabilityTasks.StrictTask.Definition, WithNull(WithNull(StrictArguments, "note"), "maybe")));

        foreach (var parameter in new[] { "id", "person", "count" })
        {
            var ex = await Assert.ThrowsAsync<TaskArgumentException>(() => InvokeAsync(NullabilityTasks.StrictTask.Definition, WithNull(StrictArguments, parameter)));
            Assert.Equal(parameter, ex.ParameterName);
            Assert.Equal(NullabilityTasks.StrictTask.Name, ex.TaskName);
            if (parameter != "count")
            {
                // STJ refuses null for a value type in its own words; a reference type gets ours.
                Assert.Contains("null is not allowed", ex.Message, StringComparison.Ordinal);
            }
        }

        static string WithNull(string json, string property)
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
            node[property] = null;
            return node.ToJsonString();
        }
    }

    [Fact]
    public async Task Invoker_ObliviousAndAllowNullParameters_TakeNull()
    {
        Assert.Equal("\"(null)\"", await InvokeAsync(ObliviousTasks.LooseTask.Definition, """{"id":null}"""));
        Assert.Equal("\"(null)\"", await InvokeAsync(NullabilityTasks.AllowedTask.Definition, """{"id":null}"""));
    }

    [Theory]
    [InlineData("""{"a":1,"b":2} x""", "after the arguments object")]
    [InlineData("""{"a":1,"b":2}{"a":1}""", "after the arguments object")]
    [InlineData("""{"a":1,"b":2} // comment""", "after the arguments object")]
    [InlineData("""{"a":1,"b":2""", "Cannot decode")]
    [InlineData("""{"a":1,"b":""", "Cannot decode argument 'b'")]
    [InlineData("""{"a":1,"b":"x""", "Cannot decode argument 'b'")]
    [InlineData("""{"a":1,""", "not valid JSON")]
    [InlineData("", "not valid JSON")]
    public async Task Invoker_TruncatedOrTrailingBodies_AreRefused(string json, string reason)
    {
        var ex = await Assert.ThrowsAsync<TaskArgumentException>(() => InvokeAsync(BehaviourTasks.AddTask.Definition, json));
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoker_TrailingWhiteSpace_IsFine()
    {
        Assert.Equal("3", await InvokeAsync(BehaviourTasks.AddTask.Definition, "{\"a\":1,\"b\":2} \r\n\t "));
    }
}
