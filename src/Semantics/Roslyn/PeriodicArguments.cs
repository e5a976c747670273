using Microsoft.CodeAnalysis;

namespace TypedTasks.Semantics;

/// <summary>
/// What one <c>[Periodic(…)]</c> says, read from its attribute data once for the generator (which emits valid schedules)
/// and the analyzer (which reports invalid ones): the constructor's cron string and the named arguments.
/// </summary>
internal sealed class PeriodicArguments
{
    private PeriodicArguments(bool hasCron, string? cron)
    {
        HasCron = hasCron;
        Cron = cron;
    }

    /// <summary>The cron constructor was used (its value may still be null).</summary>
    public bool HasCron { get; }

    public string? Cron { get; }

    public string? Every { get; private set; }

    public string? TimeZone { get; private set; }

    public string? Name { get; private set; }

    /// <summary>The <c>CatchUp</c> value as written (an enum's number), or null when not set.</summary>
    public int? CatchUp { get; private set; }

    public static PeriodicArguments Read(AttributeData attribute)
    {
        var hasCron = attribute.ConstructorArguments.Length == 1;
        var read = new PeriodicArguments(hasCron, hasCron ? attribute.ConstructorArguments[0].Value as string : null);
        foreach (var argument in attribute.NamedArguments)
        {
            switch (argument.Key)
            {
                case "Every":
                    read.Every = argument.Value.Value as string;
                    break;
                case "TimeZone":
                    read.TimeZone = argument.Value.Value as string;
                    break;
                case "Name":
                    read.Name = argument.Value.Value as string;
                    break;
                case "CatchUp" when argument.Value.Value is int catchUp:
                    read.CatchUp = catchUp;
                    break;
            }
        }

        return read;
    }
}
