namespace TypedTasks.Generator.Emitting;

/// <summary>Fully qualified names used by the emitted code.</summary>
internal static class Names
{
    public const string TaskDefinition = "global::TypedTasks.TaskDefinition";
    public const string TaskHandle = "global::TypedTasks.TaskHandle";
    public const string TaskOptions = "global::TypedTasks.TaskOptions";
    public const string TaskCall = "global::TypedTasks.TaskCall";
    public const string PartialTaskCall = "global::TypedTasks.PartialTaskCall";
    public const string PeriodicCatchUp = "global::TypedTasks.PeriodicCatchUp";
    public const string RateLimit = "global::TypedTasks.RateLimit";
    public const string ITaskClient = "global::TypedTasks.ITaskClient";
    public const string ITaskArguments = "global::TypedTasks.Generated.ITaskArguments";
    public const string TaskInvocation = "global::TypedTasks.Generated.TaskInvocation";
    public const string TaskArgumentReader = "global::TypedTasks.Generated.TaskArgumentReader";
    public const string TaskArgumentInfo = "global::TypedTasks.Generated.TaskArgumentInfo";
    public const string TaskArgumentKind = "global::TypedTasks.Generated.TaskArgumentKind";
    public const string TypedTasksBuilder = "global::TypedTasks.TypedTasksBuilder";
    public const string ValueTask = "global::System.Threading.Tasks.ValueTask";
    public const string CancellationToken = "global::System.Threading.CancellationToken";
    public const string TimeSpan = "global::System.TimeSpan";
    public const string Utf8JsonWriter = "global::System.Text.Json.Utf8JsonWriter";
    public const string Utf8JsonReader = "global::System.Text.Json.Utf8JsonReader";
    public const string JsonSerializer = "global::System.Text.Json.JsonSerializer";
    public const string JsonSerializerOptions = "global::System.Text.Json.JsonSerializerOptions";
    public const string JsonTypeInfo = "global::System.Text.Json.Serialization.Metadata.JsonTypeInfo";
    public const string JsonMetadataServices = "global::System.Text.Json.Serialization.Metadata.JsonMetadataServices";
    public const string Metadata = "global::System.Text.Json.Serialization.Metadata";
    public const string JsonUnknownDerivedTypeHandling = "global::System.Text.Json.Serialization.JsonUnknownDerivedTypeHandling";
    public const string JsonMetadataClass = "global::TypedTasks.Generated.TypedTasksJsonMetadata";
    public const string GetRequiredService = "global::Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService";

    /// <summary>The cached JSON metadata of a type, from generated code.</summary>
    public static string TypeInfoOf(string jsonTypeName) => $"{JsonMetadataClass}.Get<{jsonTypeName}>()";
}
