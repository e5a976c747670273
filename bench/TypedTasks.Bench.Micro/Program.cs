using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// The per-task CPU path without the network. Short job, in-process toolchain: a few minutes in all.
//   dotnet run -c Release --project bench/TypedTasks.Bench.Micro [-- --filter '*Dispatch*']
var config = ManualConfig.Create(DefaultConfig.Instance)
    .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("ShortRun-InProcess"))
    .AddDiagnoser(MemoryDiagnoser.Default)
    .AddExporter(MarkdownExporter.GitHub)
    .WithOptions(ConfigOptions.DisableOptimizationsValidator);
var summaries = BenchmarkSwitcher.FromAssembly(typeof(TypedTasks.Bench.Micro.SendPath).Assembly).Run(args.Length == 0 ? ["--filter", "*"] : args, config).ToList();

var root = FindRepoRoot();
var sb = new StringBuilder();
sb.AppendLine("# TypedTasks micro benchmarks (per-task CPU path, no network)");
sb.AppendLine();
sb.AppendLine($"- date: {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC; {Environment.ProcessorCount} cores; {RuntimeInformation.FrameworkDescription}; BenchmarkDotNet ShortRun (3 warm-ups, 3 iterations, 1 launch), in-process, MemoryDiagnoser");
sb.AppendLine("- command: `./bench/run.sh --micro` (or `dotnet run -c Release --project bench/TypedTasks.Bench.Micro`)");
sb.AppendLine("- what each benchmark does: see `bench/TypedTasks.Bench.Micro/Benchmarks.cs`; `internal` runtime methods (result record write/read) are called through delegates bound once by reflection, no reflection per call");
sb.AppendLine();
foreach (var summary in summaries)
{
    var report = Directory.GetFiles(summary.ResultsDirectoryPath, "*-report-github.md").FirstOrDefault(f => Path.GetFileName(f).StartsWith(summary.Title.Split('-')[0], StringComparison.Ordinal));
    if (report is null)
    {
        continue;
    }

    var lines = File.ReadAllLines(report).SkipWhile(l => !l.StartsWith('|')).ToArray();
    sb.AppendLine($"## {summary.BenchmarksCases.FirstOrDefault()?.Descriptor.Type.Name}");
    sb.AppendLine();
    foreach (var line in lines)
    {
        sb.AppendLine(line);
    }

    sb.AppendLine();
}

if (summaries.Count > 0 && args.Length == 0)
{
    var path = Path.Combine(root, "bench", "results", "micro.md");
    File.WriteAllText(path, sb.ToString());
    Console.WriteLine($"written to {path}");
}
else
{
    Console.WriteLine(sb.ToString());
}

static string FindRepoRoot()
{
    for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "TypedTasks.sln")))
        {
            return dir.FullName;
        }
    }

    return Environment.CurrentDirectory;
}

internal static class Invariant
{
    public static readonly CultureInfo Culture = CultureInfo.InvariantCulture;
}
