using System.Globalization;
using System.Text;
using TypedTasks;

namespace Samples.Tasks;

/// <summary>
/// The second story of Celery's article: a report takes a while, so the browser starts it, polls its status
/// and downloads the file when it is there.
/// </summary>
public static partial class ReportTasks
{
    /// <summary>Generates the yearly sales report (a CSV file) and returns its asset id.</summary>
    /// <param name="year">The year reported on.</param>
    /// <param name="assets">Where the file is stored.</param>
    /// <param name="options">How long the sample's report takes (<see cref="SamplesOptions.ReportSeconds"/>).</param>
    /// <param name="context">The running task: the report tells status pages how far it is.</param>
    /// <param name="ct">The worker's token; the report stops when it is cancelled.</param>
    /// <returns>The asset id of the report file.</returns>
    [Task(Queue = "reports", TrackStarted = true)]
    public static async Task<int> GenerateReport(int year, [FromServices] AssetStore assets, [FromServices] SamplesOptions options, TaskContext context, CancellationToken ct)
    {
        var csv = new StringBuilder("month,orders,revenue\n");
        var random = new Random(year);
        var step = TimeSpan.FromSeconds(Math.Max(0, options.ReportSeconds) / 12);
        for (var month = 1; month <= 12; month++)
        {
            // Stands for a slow query per month.
            await Task.Delay(step, ct).ConfigureAwait(false);
            var orders = random.Next(100, 1000);
            var revenue = orders * random.Next(20, 80);
            csv.Append(CultureInfo.InvariantCulture, $"{year}-{month:00},{orders},{revenue}\n");
            if (month % 3 == 0)
            {
                await context.ReportProgressAsync(month / 12.0, $"{month} of 12 months", ct).ConfigureAwait(false);
            }
        }

        return await assets.SaveAsync(".csv", Encoding.UTF8.GetBytes(csv.ToString()), ct).ConfigureAwait(false);
    }
}
