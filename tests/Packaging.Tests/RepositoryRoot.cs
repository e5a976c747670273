namespace TypedTasks.Packaging.Tests;

/// <summary>Finds the repository root: the folder above the test binaries that holds <c>TypedTasks.sln</c>.</summary>
internal static class RepositoryRoot
{
    public static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "TypedTasks.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No TypedTasks.sln above {AppContext.BaseDirectory}.");
    }
}
