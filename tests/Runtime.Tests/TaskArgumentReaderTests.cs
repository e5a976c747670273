using System.Text;
using System.Text.Json;
using TypedTasks.Generated;

namespace TypedTasks.Runtime.Tests;

public class TaskArgumentReaderTests
{
    [Fact]
    public void ReadStartObject_NotAnObject_NamesTheTask()
    {
        var error = Assert.Throws<TaskArgumentException>(() => StartObject("[1,2]"));

        Assert.Equal("t", error.TaskName);
        Assert.Null(error.ParameterName);
        Assert.Contains("not a JSON object", error.Message);
    }

    [Fact]
    public void ReadStartObject_InvalidJson_IsTaskArgumentException()
    {
        var error = Assert.Throws<TaskArgumentException>(() => StartObject("oops"));
        Assert.Contains("not valid JSON", error.Message);
    }

    [Fact]
    public void ReadValue_WrongType_NamesTaskAndParameter()
    {
        var error = Assert.Throws<TaskArgumentException>(() => ReadFirst("""{"year":"x"}"""));

        Assert.Equal("year", error.ParameterName);
        Assert.StartsWith("Cannot decode argument 'year' of task 't'", error.Message);
    }

    [Fact]
    public void ReadValue_SkipsUnknownPropertiesBeforeTheOneWanted()
    {
        Assert.Equal(2024, ReadFirst("""{"added":{"a":[1,2,{"b":null}]},"year":2024}"""));
    }

    [Fact]
    public void MissingArgument_SaysThereIsNoDefault()
    {
        var error = TaskArgumentReader.MissingArgument("t", "year");

        Assert.Equal("year", error.ParameterName);
        Assert.Contains("no default value", error.Message);
    }

    [Fact]
    public void ReadNonNullValue_Null_NamesTaskAndParameter_AndSaysNullIsNotAllowed()
    {
        var error = Assert.Throws<TaskArgumentException>(() =>
        {
            var reader = new Utf8JsonReader("""{"id":null}"""u8);
            TaskArgumentReader.ReadStartObject(ref reader, "t");
            TaskArgumentReader.ReadNextProperty(ref reader, "t");
            TaskArgumentReader.ReadNonNullValue(ref reader, TestJson.Default.String, "t", "id");
        });

        Assert.Equal("t", error.TaskName);
        Assert.Equal("id", error.ParameterName);
        Assert.Equal("Cannot decode argument 'id' of task 't': null is not allowed: the parameter is not nullable in the task's code.", error.Message);
    }

    [Theory]
    [InlineData("{} x")]
    [InlineData("{}{}")]
    [InlineData("{} null")]
    [InlineData("{} /**/")]
    public void ReadEnd_DataAfterTheObject_IsRefused(string json)
    {
        var error = Assert.Throws<TaskArgumentException>(() =>
        {
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
            TaskArgumentReader.ReadStartObject(ref reader, "t");
            TaskArgumentReader.ReadNextProperty(ref reader, "t");
            TaskArgumentReader.ReadEnd(ref reader, "t");
        });

        Assert.Contains("data after the arguments object", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadEnd_WhiteSpaceAfterTheObject_IsFine()
    {
        var reader = new Utf8JsonReader("{} \r\n\t "u8);
        TaskArgumentReader.ReadStartObject(ref reader, "t");
        Assert.False(TaskArgumentReader.ReadNextProperty(ref reader, "t"));
        TaskArgumentReader.ReadEnd(ref reader, "t");
    }

    private static void StartObject(string json)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        TaskArgumentReader.ReadStartObject(ref reader, "t");
    }

    private static int ReadFirst(string json)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        TaskArgumentReader.ReadStartObject(ref reader, "t");
        while (TaskArgumentReader.ReadNextProperty(ref reader, "t"))
        {
            if (reader.ValueTextEquals("year"u8))
            {
                return TaskArgumentReader.ReadValue(ref reader, TestJson.Default.Int32, "t", "year");
            }

            TaskArgumentReader.SkipValue(ref reader, "t");
        }

        throw TaskArgumentReader.MissingArgument("t", "year");
    }
}
