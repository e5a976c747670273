using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Topology;

namespace TypedTasks.Cli;

/// <summary>The commands of <c>tt</c>, each through the same services an application uses.</summary>
internal sealed partial class Commands(IServiceProvider services, TextWriter output, bool json, TextWriter error)
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private TypedTasksConnection Connection => services.GetRequiredService<TypedTasksConnection>();

    /// <summary>Under a page: where the next one starts, as the command to type; nothing on the last page.</summary>
    private async Task WriteNextPageAsync(string command, ulong? next, int limit, int defaultLimit)
    {
        if (next is { } sequence)
        {
            var more = limit == defaultLimit ? string.Empty : " --limit " + limit.ToString(CultureInfo.InvariantCulture);
            await output.WriteLineAsync($"next page: {command} --from {sequence}{more}").ConfigureAwait(false);
        }
    }

    private static string Span(TimeSpan span)
        => span.TotalSeconds < 60 ? $"{Math.Max(0, span.TotalSeconds):F0} s"
            : span.TotalHours < 1 ? $"{span.TotalMinutes:F0} min"
            : span.TotalDays < 2 ? $"{span.TotalHours:F1} h"
            : $"{span.TotalDays:F0} d";

    private async Task<int> WriteJsonAsync<T>(IEnumerable<T> items)
    {
        await output.WriteLineAsync(JsonSerializer.Serialize(items.Cast<object?>().ToList(), JsonOptions)).ConfigureAwait(false);
        return 0;
    }

    private static string Ago(TimeSpan age)
        => age.TotalSeconds < 1 ? $"{Math.Max(0, age.TotalMilliseconds):F0} ms ago"
            : age.TotalMinutes < 1 ? $"{age.TotalSeconds:F0} s ago"
            : age.TotalHours < 1 ? $"{age.TotalMinutes:F0} min ago"
            : $"{age.TotalHours:F1} h ago";

    private async Task WriteTableAsync(List<string[]> rows)
    {
        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (var row in rows)
        {
            var line = string.Join("  ", row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c])));
            await output.WriteLineAsync(line.TrimEnd()).ConfigureAwait(false);
        }
    }
}
