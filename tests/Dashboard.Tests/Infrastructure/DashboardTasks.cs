using System.Text.Json;
using TypedTasks.Generated;
using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Dashboard.Tests.Infrastructure;

/// <summary>A task whose error message is its argument: what a page must show as text, whatever it holds.</summary>
public static class DashboardTasks
{
    public static readonly TaskDefinition<int> Explode = new("dashboard.explode", InvokeExplode, TestJson.Default.Int32);

    public static JsonArguments Message(string message) => new("{\"message\":" + JsonSerializer.Serialize(message) + "}");

    private static ValueTask InvokeExplode(TaskInvocation invocation)
    {
        var reader = new Utf8JsonReader(invocation.Arguments.Span);
        TaskArgumentReader.ReadStartObject(ref reader, invocation.TaskName);
        while (TaskArgumentReader.ReadNextProperty(ref reader, invocation.TaskName))
        {
            if (reader.ValueTextEquals("message"))
            {
                throw new InvalidOperationException(TaskArgumentReader.ReadValue(ref reader, TestJson.Default.String, invocation.TaskName, "message"));
            }

            TaskArgumentReader.SkipValue(ref reader, invocation.TaskName);
        }

        throw TaskArgumentReader.MissingArgument(invocation.TaskName, "message");
    }
}
