using System.Runtime.CompilerServices;

namespace TypedTasks.Generator.Tests.Infrastructure;

/// <summary>
/// Compares generated files with committed <c>Snapshots/{Class}.{Test}#{hint}.verified.cs</c>; on a mismatch writes
/// <c>.received.cs</c> next to it and fails. To accept a change, read the received file and rename it.
/// </summary>
internal static class Snapshot
{
    public static void Verify(GeneratorRunner.Result result, string className, [CallerMemberName] string testName = "", [CallerFilePath] string callerPath = "")
    {
        var directory = Path.Combine(FindProjectDirectory(callerPath), "Snapshots");
        Directory.CreateDirectory(directory);
        var failures = new List<string>();
        foreach (var (hintName, text) in result.Sources.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            var baseName = $"{className}.{testName}#{Path.GetFileNameWithoutExtension(hintName)}";
            var verified = Path.Combine(directory, baseName + ".verified.cs");
            var received = Path.Combine(directory, baseName + ".received.cs");
            var actual = Normalize(text);
            if (File.Exists(verified) && Normalize(File.ReadAllText(verified)) == actual)
            {
                File.Delete(received);
                continue;
            }

            File.WriteAllText(received, actual);
            failures.Add(File.Exists(verified) ? $"{baseName}: differs from the verified snapshot" : $"{baseName}: no verified snapshot yet");
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    public static string Normalize(string text)
        => text.Replace("\r\n", "\n", StringComparison.Ordinal)
            .Replace($"\"{GeneratorInfo.Name}\", \"{GeneratorInfo.Version}\"", $"\"{GeneratorInfo.Name}\", \"%VERSION%\"", StringComparison.Ordinal);

    private static string FindProjectDirectory(string callerPath)
    {
        var directory = Path.GetDirectoryName(callerPath);
        while (directory is not null && !File.Exists(Path.Combine(directory, "TypedTasks.Generator.Tests.csproj")))
        {
            directory = Path.GetDirectoryName(directory);
        }

        return directory ?? throw new InvalidOperationException("Cannot find the test project directory from " + callerPath);
    }
}
