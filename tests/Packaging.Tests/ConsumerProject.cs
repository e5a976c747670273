namespace TypedTasks.Packaging.Tests;

/// <summary>
/// A console project (net8.0 and net10.0) outside the repository (no solution, no Directory.Build.props) that uses TypedTasks
/// only as a NuGet package from the local feed, as an application would.
/// </summary>
public sealed class ConsumerProject
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);

    private ConsumerProject(string directory, string name)
    {
        Directory = directory;
        Name = name;
    }

    /// <summary>The project folder.</summary>
    public string Directory { get; }

    /// <summary>The project (and assembly) name.</summary>
    public string Name { get; }

    /// <summary>Where the compiler writes generated sources (<c>EmitCompilerGeneratedFiles</c>), one folder per target framework.</summary>
    public string GeneratedDirectory => Path.Combine(Directory, "obj", "generated");

    /// <summary>Writes a project named <paramref name="name"/> whose only source file is <paramref name="program"/>.</summary>
    public static ConsumerProject Create(PackageFixture package, string name, string program)
    {
        var directory = Path.Combine(package.Root, name);
        System.IO.Directory.CreateDirectory(directory);

        // Stop MSBuild and NuGet from looking above the temp folder for settings.
        File.WriteAllText(Path.Combine(directory, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(directory, "Directory.Packages.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{package.Feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(directory, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <!-- net8.0 too: the generated code must compile against the package's net8.0 runtime with C# 12. -->
                <TargetFrameworks>net8.0;net10.0</TargetFrameworks>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <EmitCompilerGeneratedFiles>true</EmitCompilerGeneratedFiles>
                <CompilerGeneratedFilesOutputPath>obj/generated/$(TargetFramework)</CompilerGeneratedFilesOutputPath>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="TypedTasks" Version="{package.Version}" />
                <PackageReference Include="Microsoft.Extensions.Hosting" Version="10.0.0" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(directory, "Program.cs"), program);
        return new ConsumerProject(directory, name);
    }

    /// <summary>Runs <c>dotnet build</c> (with restore) on the project.</summary>
    public Task<CommandResult> BuildAsync(CancellationToken cancellationToken)
        => DotNetCli.RunAsync(Directory, BuildTimeout, cancellationToken, "build", "-c", "Release", "-nodeReuse:false", "-v", "minimal");
}
