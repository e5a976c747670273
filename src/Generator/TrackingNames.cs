namespace TypedTasks.Generator;

/// <summary>Names of the pipeline steps, so that caching tests can find them.</summary>
internal static class TrackingNames
{
    public const string Parse = nameof(Parse);
    public const string Models = nameof(Models);
    public const string Diagnostics = nameof(Diagnostics);
    public const string AllTasks = nameof(AllTasks);
    public const string TypeGroups = nameof(TypeGroups);
    public const string AssemblyName = nameof(AssemblyName);
    public const string JsonTypes = nameof(JsonTypes);
}
