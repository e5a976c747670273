using System.Text;
using TypedTasks.Client;
using TypedTasks.Generated;
using TypedTasks.Protocol;

namespace TypedTasks.Runtime.Tests;

/// <summary>The task catalog's entries without a server: their keys, their bounds as a reader takes them, and the check of
/// <c>tt send</c>'s arguments against one.</summary>
public sealed class TaskCatalogTests
{
    private static readonly TaskDefinition Report = new("Samples.Tasks.ReportTasks.GenerateReport", static _ => ValueTask.CompletedTask)
    {
        Queue = "reports",
        MaxRetries = 2,
        TimeLimit = TimeSpan.FromMinutes(5),
        RateLimit = RateLimit.Parse("10/s"),
        ResultTypeName = "int",
        Arguments =
        [
            new TaskArgumentInfo("year", TaskArgumentKind.Integer, "int", isRequired: true, isNullable: false),
            new TaskArgumentInfo("title", TaskArgumentKind.String, "string?", isRequired: false, isNullable: true),
            new TaskArgumentInfo("ratio", TaskArgumentKind.Number, "double", isRequired: false, isNullable: false),
            new TaskArgumentInfo("tags", TaskArgumentKind.Array, "List<string>", isRequired: false, isNullable: false),
            new TaskArgumentInfo("order", TaskArgumentKind.Object, "Order", isRequired: false, isNullable: false),
            new TaskArgumentInfo("draft", TaskArgumentKind.Boolean, "bool", isRequired: false, isNullable: false),
        ],
    };

    private static TaskCatalogEntry Entry => TaskCatalogEntry.From(Report, "1.0.0", "App 1.2", "host-1-abcdef12", DateTimeOffset.UnixEpoch);

    [Theory]
    [InlineData("Samples.Tasks.ReportTasks.GenerateReport")]
    [InlineData("shop.place-order")]
    [InlineData("tests_echo")]
    public void Key_OfANameAKeyCanHold_IsTheName(string name) => Assert.Equal(name, TaskCatalogEntry.Key(name));

    [Theory]
    [InlineData("shop:place")]
    [InlineData("a/b")]
    [InlineData(".leading")]
    [InlineData("trailing.")]
    [InlineData("two..dots")]
    [InlineData("dashboard.<script>")]
    [InlineData("=looks-hashed")]
    public void Key_OfAnyOtherName_IsAHashAKeyCanHold_AndDiffersPerName(string name)
    {
        var key = TaskCatalogEntry.Key(name);

        Assert.Matches("^=[0-9a-f]{40}$", key);
        Assert.NotEqual(key, TaskCatalogEntry.Key(name + "x"));
        Assert.Equal(key, TaskCatalogEntry.Key(name));
    }

    [Fact]
    public void Key_OfAVeryLongName_IsHashed() => Assert.StartsWith("=", TaskCatalogEntry.Key(new string('a', TaskCatalogEntry.MaxPlainKeyLength + 1)), StringComparison.Ordinal);

    [Fact]
    public void Entry_RoundTrips_AsDocumentedJson()
    {
        var bytes = Entry.ToBytes();
        var json = Encoding.UTF8.GetString(bytes);

        Assert.Contains("\"name\":\"Samples.Tasks.ReportTasks.GenerateReport\"", json, StringComparison.Ordinal);
        Assert.Contains("\"queue\":\"reports\"", json, StringComparison.Ordinal);
        Assert.Contains("{\"name\":\"year\",\"type\":\"integer\",\"dotnetType\":\"int\",\"required\":true,\"nullable\":false}", json, StringComparison.Ordinal);
        Assert.Contains("\"timeLimit\":\"00:05:00\"", json, StringComparison.Ordinal);
        Assert.Contains("\"rateLimit\":\"10/s\"", json, StringComparison.Ordinal);
        var read = TaskCatalogEntry.Read(bytes);
        Assert.NotNull(read);
        Assert.True(read.SameDescription(Entry));
    }

    [Fact]
    public void SameDescription_IgnoresWhoWroteItAndWhen_ButNotWhatItSays()
    {
        Assert.True(Entry.SameDescription(Entry with { WrittenAt = DateTimeOffset.UtcNow, WrittenBy = "other" }));
        Assert.False(Entry.SameDescription(Entry with { Queue = "other" }));
        Assert.False(Entry.SameDescription(Entry with { Arguments = Entry.Arguments!.Take(1).ToList() }));
        Assert.False(Entry.SameDescription(Entry with { Arguments = null }));
        Assert.False(Entry.SameDescription(Entry with { Version = "2.0.0" }));
    }

    [Theory]
    [InlineData("""{"v":1,"name":"a b","queue":"default"}""")]
    [InlineData("""{"v":1,"name":"ok","queue":"not.a.queue"}""")]
    [InlineData("""{"v":1,"name":"ok","queue":"default","arguments":[{"type":"string"}]}""")]
    [InlineData("""{"v":1,"name":"ok","queue":"default","arguments":[null]}""")]
    [InlineData("""[1,2]""")]
    [InlineData("""not json""")]
    public void Read_RefusesWhatBreaksABound(string json) => Assert.Null(TaskCatalogEntry.Read(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void Read_RefusesAValueLargerThanTheBound_AndTooManyArguments()
    {
        var large = Encoding.UTF8.GetBytes($$"""{"name":"ok","queue":"default","result":"{{new string('x', TaskCatalogEntry.MaxBytes)}}"}""");
        var many = Entry with { Arguments = Enumerable.Range(0, TaskCatalogEntry.MaxArguments + 1).Select(i => new CatalogArgument { Name = "a" + i, Type = "string" }).ToList() };

        Assert.Null(TaskCatalogEntry.Read(large));
        Assert.Null(TaskCatalogEntry.Read(many.ToBytes()));
    }

    [Fact]
    public void CheckArguments_OfFittingArguments_FindsNothing()
    {
        Assert.Empty(Check("""{"year":2024}"""));
        Assert.Empty(Check("""{"year":2024,"title":null,"ratio":1.5,"tags":["a"],"order":{"Id":1},"draft":true}"""));
        Assert.Empty(Check("""{"year":2024,"ratio":2}"""));
    }

    [Fact]
    public void CheckArguments_NamesEachProblem_TheArgumentAndWhatItExpects()
    {
        Assert.Equal(new[] { "missing required argument 'year': expected integer (int)" }, Check("{}"));
        Assert.Equal(new[] { "unknown argument 'yaer': the task takes year, title, ratio, tags, order, draft", "missing required argument 'year': expected integer (int)" }, Check("""{"yaer":2024}"""));
        Assert.Equal(new[] { "argument 'year' must be integer (int), not a string" }, Check("""{"year":"2024"}"""));
        Assert.Equal(new[] { "argument 'year' must be integer (int), not a number with a fraction or exponent" }, Check("""{"year":2024.5}"""));
        Assert.Equal(new[] { "argument 'year' is null, but it is not nullable: expected integer (int)" }, Check("""{"year":null}"""));
        Assert.Equal(new[] { "argument 'tags' must be array (List<string>), not an object" }, Check("""{"year":1,"tags":{}}"""));
        Assert.Equal(new[] { "argument 'draft' must be boolean (bool), not a string" }, Check("""{"year":1,"draft":"yes"}"""));
        Assert.Equal(new[] { "argument 'order' must be object (Order), not an array" }, Check("""{"year":1,"order":[]}"""));
    }

    [Fact]
    public void CheckArguments_OfAnEntryThatDoesNotDescribeThem_FindsNothing()
        => Assert.Empty(TaskCatalog.CheckArguments(Entry with { Arguments = null }, Encoding.UTF8.GetBytes("""{"anything":1}""")));

    [Fact]
    public void CloseNames_FindTypos_AndTheSameMethodElsewhere()
    {
        string[] names = ["Samples.Tasks.ReportTasks.GenerateReport", "Samples.Tasks.EmailTasks.SendThankYouEmail", "shop.place-order"];

        Assert.Equal(new[] { "Samples.Tasks.ReportTasks.GenerateReport" }, TaskCatalog.CloseNames("Samples.Tasks.ReportTasks.GenerateRepotr", names));
        Assert.Equal(new[] { "Samples.Tasks.ReportTasks.GenerateReport" }, TaskCatalog.CloseNames("GenerateReport", names));
        Assert.Equal(new[] { "shop.place-order" }, TaskCatalog.CloseNames("Shop.Place-Order", names));
        Assert.Empty(TaskCatalog.CloseNames("nothing.like.it", names));
    }

    private static IReadOnlyList<string> Check(string json) => TaskCatalog.CheckArguments(Entry, Encoding.UTF8.GetBytes(json));
}
