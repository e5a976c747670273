namespace TypedTasks.Packaging.Tests;

/// <summary>
/// Packs the TypedTasks package once for the tests that use it: from a fresh copy of <c>src/</c> (so the
/// repository's own <c>bin</c>/<c>obj</c> are neither used nor touched) into a temp folder feed, with a
/// version no earlier run used, so the NuGet cache never serves a stale package.
/// </summary>
public sealed class PackageFixture : IAsyncLifetime
{
    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(5);

    private readonly Dictionary<string, Task<(ConsumerProject, CommandResult)>> _consumers = new(StringComparer.Ordinal);
    private Task<CommandResult>? _packTool;

    /// <summary>The temp folder of this run: <c>src</c> (the copy), <c>feed</c>, and one folder per consumer.</summary>
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "typedtasks-packaging-" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>The package version this run packed.</summary>
    public string Version { get; } = "0.1.0-test." + Guid.NewGuid().ToString("N");

    /// <summary>The local folder feed holding the package.</summary>
    public string Feed => Path.Combine(Root, "feed");

    /// <summary>The packed <c>.nupkg</c>.</summary>
    public string PackagePath => Path.Combine(Feed, $"TypedTasks.{Version}.nupkg");

    /// <summary>The output of <c>dotnet pack</c>.</summary>
    public CommandResult Pack { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var repository = RepositoryRoot.Find();
        var source = Path.Combine(Root, "src");
        CopyDirectory(Path.Combine(repository, "src"), Path.Combine(source, "src"));
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", "global.json", ".editorconfig" })
        {
            if (File.Exists(Path.Combine(repository, file)))
            {
                File.Copy(Path.Combine(repository, file), Path.Combine(source, file));
            }
        }

        Directory.CreateDirectory(Feed);
        Pack = await DotNetCli.RunAsync(source, PackTimeout, TestContext.Current.CancellationToken,
            "pack", "src/Runtime/TypedTasks.csproj", "-c", "Release", "-o", Feed, $"-p:Version={Version}", "-nodeReuse:false");
    }

    /// <summary>Packs the <c>tt</c> tool (TypedTasks.Cli) into the feed once per run, with the same version.</summary>
    public Task<CommandResult> PackToolOnceAsync(CancellationToken cancellationToken)
    {
        lock (_consumers)
        {
            return _packTool ??= DotNetCli.RunAsync(Path.Combine(Root, "src"), PackTimeout, cancellationToken,
                "pack", "src/Cli/TypedTasks.Cli.csproj", "-c", "Release", "-o", Feed, $"-p:Version={Version}", "-nodeReuse:false");
        }
    }

    /// <summary>Writes and builds a consumer project once per run; later callers share the first build.</summary>
    public Task<(ConsumerProject Consumer, CommandResult Build)> BuildConsumerOnceAsync(string name, string program, CancellationToken cancellationToken)
    {
        lock (_consumers)
        {
            if (!_consumers.TryGetValue(name, out var build))
            {
                build = BuildAsync();
                _consumers[name] = build;
            }

            return build;
        }

        async Task<(ConsumerProject, CommandResult)> BuildAsync()
        {
            var consumer = ConsumerProject.Create(this, name, program);
            return (consumer, await consumer.BuildAsync(cancellationToken));
        }
    }

    public ValueTask DisposeAsync()
    {
        TryDelete(Root);

        // Each run caches a new version; remove it so the cache does not grow run after run.
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        TryDelete(Path.Combine(cache, "typedtasks", Version.ToLowerInvariant()));
        TryDelete(Path.Combine(cache, "typedtasks.cli", Version.ToLowerInvariant()));
        return ValueTask.CompletedTask;
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var directory in Directory.EnumerateDirectories(from))
        {
            var name = Path.GetFileName(directory);
            if (name is not ("bin" or "obj"))
            {
                CopyDirectory(directory, Path.Combine(to, name));
            }
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // Best effort: a temp folder left behind is harmless.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
