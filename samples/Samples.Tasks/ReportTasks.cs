using System.Globalization;
using System.Text;
using TypedTasks;

namespace Samples.Tasks;

/// <summary>
/// The second story of Celery's article: a report takes a while, so the browser starts it, polls its status
/// and downloads the file when it is there. Two ways: <see cref="GenerateReport"/> does it all in one task; the annual
/// report (<see cref="AnnualReport"/>) is a typed chain of three tasks, gather → render → notify (docs/workflows.md).
/// And a comparison of several years (<see cref="Comparison"/>) is a chord: every year gathered in parallel, then compared.
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
        var data = await GatherFigures(year, options, context, ct).ConfigureAwait(false);
        return await assets.SaveAsync(".csv", Csv(data), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The annual report as a chain: <see cref="GatherFigures"/> the year's figures, <see cref="RenderReport"/> them to a
    /// CSV file, <see cref="NotifyReady"/> tell <paramref name="notify"/> by email. Each step is a task of its own (its
    /// queue, its retries); the compiler checks that each step takes what the one before returns.
    /// </summary>
    /// <param name="year">The year reported on.</param>
    /// <param name="notify">Who is told by email when the report is ready.</param>
    /// <returns>The chain, not sent: <c>client.SendChainAsync(chain)</c> sends it.</returns>
    public static TaskChain<ReportNotice> AnnualReport(int year, string notify)
        => GatherFiguresTask.Call(year)                        // int -> ReportData
            .Then(RenderReportTask.Partial())                   // ReportData -> RenderedReport
            .Then(NotifyReadyTask.Partial(to: notify));         // RenderedReport -> ReportNotice

    /// <summary>
    /// Several years compared, as a chord: <see cref="GatherFigures"/> of each year runs in parallel (on as many workers as
    /// serve "reports"), and once the last one is done <see cref="CompareYears"/> gets all their figures, in year order —
    /// sent exactly once, by the worker that finished the last year. The compiler checks that the callback takes a list
    /// of what the members return.
    /// </summary>
    /// <param name="from">The first year.</param>
    /// <param name="to">The last year.</param>
    /// <returns>The chord, not sent: <c>client.SendChordAsync(chord)</c> sends it.</returns>
    public static TaskChord<ReportData, YearComparison> Comparison(int from, int to)
        => TaskGroup.Of(Enumerable.Range(from, to - from + 1).Select(year => GatherFiguresTask.Call(year)))   // ReportData each
            .Then(CompareYearsTask.Partial());                                                                // IReadOnlyList<ReportData> -> YearComparison

    /// <summary>The comparison chord's callback: every year's totals and the best one.</summary>
    /// <param name="years">The years' figures, in the order they were asked for.</param>
    /// <returns>The comparison.</returns>
    [Task(Queue = "reports")]
    public static YearComparison CompareYears(IReadOnlyList<ReportData> years)
    {
        var totals = years.Select(y => new YearTotal(y.Year, y.Months.Sum(m => m.Orders), y.Months.Sum(m => (long)m.Revenue))).ToList();
        var best = totals.MaxBy(t => t.Revenue)!;
        return new YearComparison(best.Year, best.Revenue, totals);
    }

    /// <summary>Step 1 of the annual report: the year's figures, month by month (a slow query per month).</summary>
    /// <param name="year">The year reported on.</param>
    /// <param name="options">How long the queries take (<see cref="SamplesOptions.ReportSeconds"/>).</param>
    /// <param name="context">The running task: it tells status pages how far it is.</param>
    /// <param name="ct">The worker's token; the queries stop when it is cancelled.</param>
    /// <returns>The figures.</returns>
    [Task(Queue = "reports", TrackStarted = true)]
    public static async Task<ReportData> GatherFigures(int year, [FromServices] SamplesOptions options, TaskContext context, CancellationToken ct)
    {
        var random = new Random(year);
        var step = TimeSpan.FromSeconds(Math.Max(0, options.ReportSeconds) / 12);
        var months = new List<MonthFigures>(12);
        for (var month = 1; month <= 12; month++)
        {
            // Stands for a slow query per month.
            await Task.Delay(step, ct).ConfigureAwait(false);
            var orders = random.Next(100, 1000);
            months.Add(new MonthFigures(month, orders, orders * random.Next(20, 80)));
            // Every month: the worker writes at most one progress record a second (Worker:ProgressInterval).
            var progress = new GatherProgress(month, months.Sum(m => m.Orders));
            await context.ReportProgressAsync(month / 12.0, progress, ProgressJson.Default.GatherProgress, $"{month} of 12 months", ct).ConfigureAwait(false);
        }

        return new ReportData(year, months);
    }

    /// <summary>Step 2 of the annual report: writes the figures as a CSV file. A full disk is worth another try.</summary>
    /// <param name="data">The figures, from <see cref="GatherFigures"/>.</param>
    /// <param name="assets">Where the file is stored.</param>
    /// <param name="ct">The worker's token.</param>
    /// <returns>The file's asset id and the year's totals.</returns>
    [Task(Queue = "reports", MaxRetries = 3, AutoRetryFor = [typeof(IOException)])]
    public static async Task<RenderedReport> RenderReport(ReportData data, [FromServices] AssetStore assets, CancellationToken ct)
    {
        var assetId = await assets.SaveAsync(".csv", Csv(data), ct).ConfigureAwait(false);
        return new RenderedReport(data.Year, assetId, data.Months.Count, data.Months.Sum(m => m.Orders), data.Months.Sum(m => (long)m.Revenue));
    }

    /// <summary>Step 3 of the annual report: emails <paramref name="to"/> that the report is ready.</summary>
    /// <param name="report">The rendered report, from <see cref="RenderReport"/>.</param>
    /// <param name="to">Who is told.</param>
    /// <param name="emails">Sends the email.</param>
    /// <param name="ct">The worker's token.</param>
    /// <returns>What was sent to whom: the chain's result.</returns>
    [Task(Queue = "email")]
    public static async Task<ReportNotice> NotifyReady(RenderedReport report, string to, [FromServices] IEmailSender emails, CancellationToken ct)
    {
        var summary = string.Create(CultureInfo.InvariantCulture, $"{report.Year}: {report.Months} months, {report.Orders} orders, revenue {report.Revenue} (asset {report.AssetId})");
        await emails.SendAsync(to, $"Your {report.Year} sales report is ready", $"The annual sales report is ready. {summary}.", ct).ConfigureAwait(false);
        return new ReportNotice(report.Year, report.AssetId, to, summary);
    }

    private static byte[] Csv(ReportData data)
    {
        var csv = new StringBuilder("month,orders,revenue\n");
        foreach (var m in data.Months)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{data.Year}-{m.Month:00},{m.Orders},{m.Revenue}\n");
        }

        return Encoding.UTF8.GetBytes(csv.ToString());
    }
}
