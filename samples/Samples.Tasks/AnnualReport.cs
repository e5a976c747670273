namespace Samples.Tasks;

// What the steps of the annual report chain (ReportTasks.AnnualReport) hand each other. Each result is the next step's
// first argument, carried in its message: figures and totals, not the file, which stays in the AssetStore.

/// <summary>The figures of one month.</summary>
/// <param name="Month">1 to 12.</param>
/// <param name="Orders">How many orders.</param>
/// <param name="Revenue">Their revenue.</param>
public sealed record MonthFigures(int Month, int Orders, int Revenue);

/// <summary>The year's figures: the result of <see cref="ReportTasks.GatherFigures"/>.</summary>
/// <param name="Year">The year reported on.</param>
/// <param name="Months">Its months, in order.</param>
public sealed record ReportData(int Year, IReadOnlyList<MonthFigures> Months);

/// <summary>The report file and the year's totals: the result of <see cref="ReportTasks.RenderReport"/>.</summary>
/// <param name="Year">The year reported on.</param>
/// <param name="AssetId">The CSV file's id in the <see cref="AssetStore"/>.</param>
/// <param name="Months">How many months it has.</param>
/// <param name="Orders">The year's orders.</param>
/// <param name="Revenue">The year's revenue.</param>
public sealed record RenderedReport(int Year, int AssetId, int Months, int Orders, long Revenue);

/// <summary>Who was told that the report is ready, and what: the result of <see cref="ReportTasks.NotifyReady"/>, and so of
/// the whole chain.</summary>
/// <param name="Year">The year reported on.</param>
/// <param name="AssetId">The CSV file's id in the <see cref="AssetStore"/>.</param>
/// <param name="To">Who was emailed.</param>
/// <param name="Summary">The report in one line, as the email says it.</param>
public sealed record ReportNotice(int Year, int AssetId, string To, string Summary);
