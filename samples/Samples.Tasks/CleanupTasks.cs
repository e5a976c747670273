using Microsoft.Extensions.Logging;
using TypedTasks;

namespace Samples.Tasks;

/// <summary>
/// A periodic task (Celery beat's job): every night at 03:00, Paris time, delete the emails and reports older than a
/// month. Every worker runs the scheduler; each night's cleanup is still sent once (docs/periodic.md).
/// </summary>
public static partial class CleanupTasks
{
    /// <summary>Deletes the files of the pickup and asset folders older than <paramref name="olderThanDays"/> days.</summary>
    /// <param name="options">Where the folders are.</param>
    /// <param name="loggers">For the line that says what was done.</param>
    /// <param name="olderThanDays">The age in days from which a file goes.</param>
    /// <returns>How many files were deleted.</returns>
    [Task(Queue = "maintenance")]
    [Periodic("0 0 3 * * *", TimeZone = "Europe/Paris", Name = "nightly-cleanup")]
    public static int PurgeOldFiles([FromServices] SamplesOptions options, [FromServices] ILoggerFactory loggers, int olderThanDays = 30)
    {
        var before = DateTime.UtcNow.AddDays(-olderThanDays);
        var deleted = 0;
        foreach (var folder in new[] { options.PickupFolder, options.AssetFolder })
        {
            if (!Directory.Exists(folder))
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(folder).Where(f => File.GetLastWriteTimeUtc(f) < before).ToList())
            {
                File.Delete(file);
                deleted++;
            }
        }

        loggers.CreateLogger("Samples.Cleanup").LogInformation("Cleanup: deleted {Deleted} files older than {Days} days", deleted, olderThanDays);
        return deleted;
    }
}
