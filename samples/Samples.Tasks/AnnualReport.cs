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

/// <summary>One year's totals in a <see cref="YearComparison"/>.</summary>
/// <param name="Year">The year.</param>
/// <param name="Orders">Its orders.</param>
/// <param name="Revenue">Its revenue.</param>
public sealed record YearTotal(int Year, int Orders, long Revenue);

/// <summary>How several years compare: the result of <see cref="ReportTasks.CompareYears"/>, the callback of the
/// comparison chord (<see cref="ReportTasks.Comparison"/>).</summary>
/// <param name="BestYear">The year with the most revenue.</param>
/// <param name="BestRevenue">Its revenue.</param>
/// <param name="Years">Every year's totals, in the order asked.</param>
public sealed record YearComparison(int BestYear, long BestRevenue, IReadOnlyList<YearTotal> Years);

/// <summary>How far gathering a year's figures is (typed progress, docs/lifecycle.md): the status page shows it.</summary>
/// <param name="Months">Months gathered so far.</param>
/// <param name="Orders">Orders counted so far.</param>
public sealed record GatherProgress(int Months, int Orders);

/// <summary>The JSON metadata of <see cref="GatherProgress"/>, source-generated as System.Text.Json does.</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(GatherProgress))]
public sealed partial class ProgressJson : System.Text.Json.Serialization.JsonSerializerContext;
