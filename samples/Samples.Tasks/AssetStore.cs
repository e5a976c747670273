namespace Samples.Tasks;

/// <summary>
/// Stores generated files under <see cref="SamplesOptions.AssetFolder"/> and names each by an integer id,
/// shared by every process that uses the same folder (the worker writes, the web app serves).
/// </summary>
public sealed class AssetStore(SamplesOptions options)
{
    /// <summary>Stores a file and returns its id.</summary>
    /// <param name="extension">The file extension, with its dot (<c>.csv</c>).</param>
    /// <param name="content">The bytes.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The asset id.</returns>
    public async Task<int> SaveAsync(string extension, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(options.AssetFolder);
        for (var id = NextId(); ; id++)
        {
            FileStream file;
            try
            {
                // CreateNew claims the id atomically, even with several workers writing at once.
                file = new FileStream(Path.Combine(options.AssetFolder, id + extension), FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, useAsync: true);
            }
            catch (IOException) when (Find(id) is not null)
            {
                continue;
            }

            await using (file.ConfigureAwait(false))
            {
                await file.WriteAsync(content, cancellationToken).ConfigureAwait(false);
            }

            return id;
        }
    }

    /// <summary>The path of a stored file, or <see langword="null"/> when there is no asset with that id.</summary>
    /// <param name="id">The asset id.</param>
    /// <returns>The full path or <see langword="null"/>.</returns>
    public string? Find(int id)
        => Directory.Exists(options.AssetFolder)
            ? Directory.EnumerateFiles(options.AssetFolder, id + ".*").FirstOrDefault()
            : null;

    private int NextId()
        => Directory.EnumerateFiles(options.AssetFolder)
            .Select(path => int.TryParse(Path.GetFileNameWithoutExtension(path), out var id) ? id : 0)
            .DefaultIfEmpty(0)
            .Max() + 1;
}
