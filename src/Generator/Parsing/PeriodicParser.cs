using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using TypedTasks.Generator.Model;
using TypedTasks.Semantics;

namespace TypedTasks.Generator.Parsing;

/// <summary>
/// Reads the <c>[Periodic]</c> attributes of a task into models. Only valid ones are kept: an invalid cron string,
/// interval, time zone or name, or a task that needs arguments, is the analyzer's to report (TT0010–TT0012), and the
/// generator registers nothing for it (the build fails on the error anyway).
/// </summary>
internal static class PeriodicParser
{
    public const string AttributeMetadataName = "TypedTasks.PeriodicAttribute";

    public static EquatableArray<PeriodicModel> Parse(IMethodSymbol method, string taskName, IReadOnlyList<ParameterModel> parameters)
    {
        var models = new List<PeriodicModel>();
        foreach (var attribute in method.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() != AttributeMetadataName)
            {
                continue;
            }

            if (parameters.Any(p => p.Kind == ParameterKind.Argument && p.DefaultValue is null))
            {
                return EquatableArray<PeriodicModel>.Empty;
            }

            if (Read(attribute, taskName) is { } model)
            {
                models.Add(model);
            }
        }

        return models.ToEquatableArray();
    }

    private static PeriodicModel? Read(AttributeData attribute, string taskName)
    {
        var read = PeriodicArguments.Read(attribute);
        if (read.HasCron && read.Cron is null)
        {
            return null;
        }

        var (cron, every, timeZone, name, catchUp) = (read.Cron, read.Every, read.TimeZone, read.Name, read.CatchUp ?? 0);
        if ((cron is null) == (every is null) || catchUp is < 0 or > 2)
        {
            return null;
        }

        if (!PeriodicSyntax.IsValidName(name ?? taskName))
        {
            return null;
        }

        if (timeZone is not null && (!TimeZoneIds.IsKnown(timeZone) || every is not null))
        {
            return null;
        }

        if (every is not null)
        {
            return PeriodicSyntax.GetEveryProblem(every, out var interval) is null
                ? new PeriodicModel(null, interval.Ticks, null, name, catchUp)
                : null;
        }

        return CronSyntax.IsValid(cron) ? new PeriodicModel(cron, null, timeZone, name, catchUp) : null;
    }
}
