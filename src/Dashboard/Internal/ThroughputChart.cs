using System.Globalization;

namespace TypedTasks.Dashboard.Internal;

/// <summary>
/// The overview's chart: runs finished per minute over the last hour, failures on top in red, summed over the live
/// workers' heartbeats (<see cref="WorkerInfo.LastHour"/>). Server-rendered SVG: no script, no library; every bar carries
/// its numbers as a tooltip, and the chart its totals as text.
/// </summary>
internal static class ThroughputChart
{
    private const int Minutes = 60;
    private const int BarWidth = 10;
    private const int Height = 110;

    public static void Write(Html body, IReadOnlyList<WorkerInfo> workers, DateTimeOffset now)
    {
        var thisMinute = now.ToUnixTimeSeconds() / 60;
        var processed = new long[Minutes];
        var failed = new long[Minutes];
        foreach (var minute in workers.SelectMany(w => w.LastHour))
        {
            var index = (int)(minute.Minute.ToUnixTimeSeconds() / 60 - (thisMinute - Minutes + 1));
            if (index is >= 0 and < Minutes)
            {
                processed[index] += minute.Processed;
                failed[index] += minute.Failed;
            }
        }

        var total = processed.Sum();
        var totalFailed = failed.Sum();
        body.Raw("<h2>Last hour</h2>");
        if (workers.Count == 0)
        {
            body.Raw("<p class=\"empty\">No worker is up: the chart sums what live workers report in their heartbeats.</p>");
            return;
        }

        var peak = Math.Max(1, processed.Max());
        var label = string.Create(CultureInfo.InvariantCulture, $"Runs finished per minute over the last hour: {total:N0}, of which {totalFailed:N0} failed; at most {peak:N0} in a minute.");
        body.Raw("<figure class=\"chart\"><svg viewBox=\"0 0 ").Raw((Minutes * BarWidth).ToString(CultureInfo.InvariantCulture)).Raw(" ")
            .Raw(Height.ToString(CultureInfo.InvariantCulture)).Raw("\" preserveAspectRatio=\"none\" role=\"img\" aria-label=").Attr(label).Raw(">");
        for (var i = 0; i < Minutes; i++)
        {
            if (processed[i] == 0)
            {
                continue;
            }

            var at = DateTimeOffset.FromUnixTimeSeconds((thisMinute - Minutes + 1 + i) * 60);
            var barHeight = Math.Max(1, (int)Math.Round(Height * (double)processed[i] / peak));
            var failedHeight = failed[i] == 0 ? 0 : Math.Max(1, (int)Math.Round(Height * (double)failed[i] / peak));
            var x = (i * BarWidth).ToString(CultureInfo.InvariantCulture);
            body.Raw("<g><title>").Text(string.Create(CultureInfo.InvariantCulture, $"{at.UtcDateTime:HH:mm} UTC: {processed[i]:N0} finished, {failed[i]:N0} failed")).Raw("</title>")
                .Raw("<rect class=\"ok\" x=\"").Raw(x).Raw("\" y=\"").Raw((Height - barHeight).ToString(CultureInfo.InvariantCulture))
                .Raw("\" width=\"").Raw((BarWidth - 2).ToString(CultureInfo.InvariantCulture)).Raw("\" height=\"").Raw(barHeight.ToString(CultureInfo.InvariantCulture)).Raw("\"/>");
            if (failedHeight > 0)
            {
                body.Raw("<rect class=\"failed\" x=\"").Raw(x).Raw("\" y=\"").Raw((Height - barHeight).ToString(CultureInfo.InvariantCulture))
                    .Raw("\" width=\"").Raw((BarWidth - 2).ToString(CultureInfo.InvariantCulture)).Raw("\" height=\"").Raw(failedHeight.ToString(CultureInfo.InvariantCulture)).Raw("\"/>");
            }

            body.Raw("</g>");
        }

        body.Raw("</svg><figcaption><span>60 min ago</span><span id=\"chart-totals\">").Text(label).Raw("</span><span>now</span></figcaption></figure>");
    }
}
