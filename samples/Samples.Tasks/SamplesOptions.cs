namespace Samples.Tasks;

/// <summary>Settings of the samples, bound from the <c>Samples</c> configuration section.</summary>
public sealed class SamplesOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Samples";

    /// <summary>How long generating a report takes, in seconds, to stand for real work. Default 3.</summary>
    public double ReportSeconds { get; set; } = 3;

    /// <summary>Where emails are written as <c>.eml</c> files instead of being sent.
    /// Default <c>typedtasks-samples/mail</c> in the temp folder.</summary>
    public string PickupFolder { get; set; } = Path.Combine(Path.GetTempPath(), "typedtasks-samples", "mail");

    /// <summary>Where generated report files are stored. Default <c>typedtasks-samples/assets</c> in the temp folder.
    /// The worker writes there and the web app reads from there, so both need the same folder.</summary>
    public string AssetFolder { get; set; } = Path.Combine(Path.GetTempPath(), "typedtasks-samples", "assets");
}
