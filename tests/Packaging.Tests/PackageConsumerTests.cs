using System.IO.Compression;

namespace TypedTasks.Packaging.Tests;

/// <summary>
/// The TypedTasks package as an application gets it: runtime for net8.0 and net10.0, and the generator and
/// analyzers running in the consumer's build.
/// </summary>
public sealed class PackageConsumerTests(PackageFixture package) : IClassFixture<PackageFixture>
{
    /// <summary>A task and a typed call of its generated proxy: this only compiles when the generator ran.</summary>
    private const string GoodProgram = """
        using Microsoft.Extensions.DependencyInjection;
        using Microsoft.Extensions.Hosting;
        using TypedTasks;

        namespace PackageConsumer;

        public static partial class MathTasks
        {
            public static readonly TaskCompletionSource Ran = new(TaskCreationOptions.RunContinuationsAsynchronously);

            [Task(Queue = "math")]
            public static int Add(int a, int b)
            {
                Ran.TrySetResult();
                return a + b;
            }
        }

        public static class Program
        {
            // No argument: only proves it built. "worker URL": runs a worker until it has run one task, then stops
            // (a graceful stop stores the outcome first). "send URL": sends Add(2, 3) and waits for the result.
            public static async Task<int> Main(string[] args)
            {
                if (args.Length == 0)
                {
                    Console.WriteLine("built");
                    return 0;
                }

                var builder = Host.CreateApplicationBuilder();
                var typedTasks = builder.Services.AddTypedTasks(options => options.Url = args[1]).AddPackageConsumerTasks();
                if (args[0] == "worker")
                {
                    typedTasks.AddWorker();
                }

                using var host = builder.Build();
                await host.StartAsync();
                if (args[0] == "worker")
                {
                    await MathTasks.Ran.Task.WaitAsync(TimeSpan.FromSeconds(60));
                    await host.StopAsync();
                    Console.WriteLine($"worker {Environment.ProcessId} ran Add");
                    return 0;
                }

                var client = host.Services.GetRequiredService<ITaskClient>();
                TaskHandle<int> handle = await client.Add().DelayAsync(2, 3);
                int sum = await handle.GetAsync(TimeSpan.FromSeconds(60));
                Console.WriteLine($"producer {Environment.ProcessId}: Add(2, 3) = {sum}");
                await host.StopAsync();
                return sum == 5 ? 0 : 1;
            }
        }
        """;

    /// <summary>A task in a type that is not partial: TT0001.</summary>
    private const string NonPartialProgram = """
        using TypedTasks;

        namespace BadConsumer;

        public static class MathTasks
        {
            [Task]
            public static int Add(int a, int b) => a + b;
        }

        public static class Program
        {
            public static void Main() => Console.WriteLine(MathTasks.Add(2, 3));
        }
        """;

    [Fact]
    public void Pack_Runtime_CarriesBothTargetsTheGeneratorAnalyzersAndCodeFixes()
    {
        Assert.True(package.Pack.ExitCode == 0, package.Pack.ToString());
        Assert.True(File.Exists(package.PackagePath), $"No {package.PackagePath}.\n{package.Pack}");

        using var archive = ZipFile.OpenRead(package.PackagePath);
        var entries = archive.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("lib/net8.0/TypedTasks.dll", entries);
        Assert.Contains("lib/net10.0/TypedTasks.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/TypedTasks.Generator.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/TypedTasks.Analyzers.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/TypedTasks.CodeFixes.dll", entries);

        // The generator, analyzers and code fixes are build-time only: never a lib/ reference, never a package dependency.
        Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal)
            && (e.Contains(".Generator.", StringComparison.Ordinal) || e.Contains(".Analyzers.", StringComparison.Ordinal) || e.Contains(".CodeFixes.", StringComparison.Ordinal)));
        using var nuspec = new StreamReader(archive.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        var dependencies = nuspec.ReadToEnd();
        Assert.DoesNotContain("TypedTasks.Generator", dependencies, StringComparison.Ordinal);
        Assert.DoesNotContain("TypedTasks.Analyzers", dependencies, StringComparison.Ordinal);
        Assert.DoesNotContain("TypedTasks.CodeFixes", dependencies, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_ConsumerWithTask_GeneratorRunsWithoutLoadWarnings()
    {
        Assert.True(package.Pack.ExitCode == 0, package.Pack.ToString());

        var (consumer, build) = await package.BuildConsumerOnceAsync("PackageConsumer", GoodProgram, TestContext.Current.CancellationToken);

        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.True(File.Exists(Path.Combine(consumer.Directory, "bin", "Release", "net8.0", consumer.Name + ".dll")), "No net8.0 build.\n" + build);
        Assert.True(File.Exists(Path.Combine(consumer.Directory, "bin", "Release", "net10.0", consumer.Name + ".dll")), "No net10.0 build.\n" + build);
        // CS8032: an analyzer could not be loaded; CS9057: built against a newer compiler; AD0001: one crashed.
        Assert.DoesNotContain("CS8032", build.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("CS9057", build.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("AD0001", build.Output, StringComparison.Ordinal);
        var generated = Directory.Exists(consumer.GeneratedDirectory)
            ? Directory.GetFiles(consumer.GeneratedDirectory, "*.g.cs", SearchOption.AllDirectories).Select(Path.GetFileName).ToArray()
            : [];
        Assert.Contains("TypedTasks.Dispatcher.g.cs", generated);
    }

    [Fact]
    public async Task Run_ConsumerWorkerAndProducerProcesses_ProducerGetsTheResult()
    {
        Assert.True(package.Pack.ExitCode == 0, package.Pack.ToString());
        var (consumer, build) = await package.BuildConsumerOnceAsync("PackageConsumer", GoodProgram, TestContext.Current.CancellationToken);
        Assert.True(build.ExitCode == 0, build.ToString());
        await using var nats = await NatsServer.StartAsync(TestContext.Current.CancellationToken);

        // Two processes, as in production: a worker, and a producer that waits for the result. The task waits in
        // the queue until the worker is up, so neither needs to wait for the other.
        var dll = Path.Combine("bin", "Release", "net10.0", consumer.Name + ".dll");
        var worker = DotNetCli.RunAsync(consumer.Directory, TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken, dll, "worker", nats.Url);
        var producer = DotNetCli.RunAsync(consumer.Directory, TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken, dll, "send", nats.Url);
        var sent = await producer;
        var ran = await worker;

        Assert.True(sent.ExitCode == 0, sent.ToString());
        Assert.Contains("Add(2, 3) = 5", sent.Output, StringComparison.Ordinal);
        Assert.True(ran.ExitCode == 0, ran.ToString());
        Assert.Contains("ran Add", ran.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DashboardPackage_DependsOnExactlyTheTypedTasksItWasBuiltWith()
    {
        // The dashboard calls the runtime's internals (InternalsVisibleTo), which may change in any release: a consumer must
        // not be able to pair it with another TypedTasks version.
        var ct = TestContext.Current.CancellationToken;
        var pack = await DotNetCli.RunAsync(Path.Combine(package.Root, "src"), TimeSpan.FromMinutes(5), ct,
            "pack", "src/Dashboard/TypedTasks.Dashboard.csproj", "-c", "Release", "-o", package.Feed, $"-p:Version={package.Version}", "-nodeReuse:false");
        Assert.True(pack.ExitCode == 0, pack.ToString());

        using var nupkg = System.IO.Compression.ZipFile.OpenRead(Path.Combine(package.Feed, $"TypedTasks.Dashboard.{package.Version}.nupkg"));
        using var reader = new StreamReader(nupkg.GetEntry("TypedTasks.Dashboard.nuspec")!.Open());
        var nuspec = System.Xml.Linq.XDocument.Parse(await reader.ReadToEndAsync(ct));
        var runtime = nuspec.Descendants().Where(e => e.Name.LocalName == "dependency" && (string?)e.Attribute("id") == "TypedTasks").ToList();
        Assert.Equal(2, runtime.Count); // net8.0 and net10.0
        Assert.All(runtime, d => Assert.Equal($"[{package.Version}]", (string?)d.Attribute("version")));
    }

    [Fact]
    public async Task Tool_InstallsFromThePackage_AndTalksToAServer()
    {
        var ct = TestContext.Current.CancellationToken;
        var pack = await package.PackToolOnceAsync(ct);
        Assert.True(pack.ExitCode == 0, pack.ToString());
        var tools = Path.Combine(package.Root, "tools");
        var install = await DotNetCli.RunAsync(package.Root, TimeSpan.FromMinutes(3), ct,
            "tool", "install", "TypedTasks.Cli", "--tool-path", tools, "--add-source", package.Feed, "--version", package.Version);
        Assert.True(install.ExitCode == 0, install.ToString());
        await using var nats = await NatsServer.StartAsync(ct);

        var help = await RunToolAsync(Path.Combine(tools, "tt"), ct, "--help");
        var queues = await RunToolAsync(Path.Combine(tools, "tt"), ct, "--url", nats.Url, "queues");

        Assert.Equal(0, help.ExitCode);
        Assert.Contains("usage: tt", help.Output, StringComparison.Ordinal);
        // A fresh server: tt connects, finds nothing on the prefix and says so (it never creates streams).
        Assert.Equal(1, queues.ExitCode);
        Assert.Contains("nothing on prefix 'tt'", queues.Output, StringComparison.Ordinal);
    }

    private static async Task<CommandResult> RunToolAsync(string tool, CancellationToken cancellationToken, params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromMinutes(1), cancellationToken);
        return new CommandResult(tool + " " + string.Join(' ', arguments), process.ExitCode, await output + await error);
    }

    [Fact]
    public async Task Build_TaskInNonPartialType_FailsWithTT0001()
    {
        Assert.True(package.Pack.ExitCode == 0, package.Pack.ToString());
        var consumer = ConsumerProject.Create(package, "BadConsumer", NonPartialProgram);

        var build = await consumer.BuildAsync(TestContext.Current.CancellationToken);

        Assert.True(build.ExitCode != 0, "The build succeeded; TT0001 expected.\n" + build);
        Assert.Contains("error TT0001", build.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("CS8032", build.Output, StringComparison.Ordinal);
    }
}
