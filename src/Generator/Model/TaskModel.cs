namespace TypedTasks.Generator.Model;

/// <summary>How a task method returns.</summary>
internal enum ReturnKind
{
    Void,
    Value,
    Task,
    TaskOfT,
    ValueTask,
    ValueTaskOfT,
}

/// <summary>Where a task method's parameter comes from on the worker.</summary>
internal enum ParameterKind
{
    Argument,
    CancellationToken,
    Service,
    Context,
}

/// <summary>One containing type declaration, outermost first, to re-open it as <c>partial</c>.</summary>
/// <param name="Keyword">class, struct, record, record struct.</param>
/// <param name="Name">The type name, escaped.</param>
internal sealed record ContainingTypeModel(string Keyword, string Name);

/// <summary>One parameter of a task method.</summary>
/// <param name="Name">The parameter name as declared (no <c>@</c>); also its JSON property name.</param>
/// <param name="TypeName">The fully qualified type, with nullable annotations.</param>
/// <param name="JsonTypeName">The fully qualified type without nullable annotations (the JSON metadata key).</param>
/// <param name="DefaultValue">The C# literal of the default value, or <see langword="null"/> when it has none.</param>
/// <param name="RefusesNull">A reference type annotated as not nullable: the worker refuses a JSON <c>null</c> for it
/// (oblivious, <c>#nullable disable</c>, and value types, which System.Text.Json checks itself, do not).</param>
/// <param name="JsonKind">Arguments: the <c>TaskArgumentKind</c> member of its JSON value (<c>Integer</c>, <c>Object</c>, …).</param>
/// <param name="DisplayTypeName">Arguments: the type as C# writes it, minimally qualified, for the task catalog.</param>
/// <param name="AcceptsNull">Arguments: whether the worker takes a JSON <c>null</c> for it (neither <paramref name="RefusesNull"/>
/// nor a value type that System.Text.Json refuses null for).</param>
internal sealed record ParameterModel(ParameterKind Kind, string Name, string TypeName, string JsonTypeName, string? DefaultValue, bool RefusesNull = false, string? JsonKind = null, string? DisplayTypeName = null, bool AcceptsNull = false);

/// <summary>Everything the emitters need to know about one task; values only.</summary>
internal sealed record TaskModel(
    string TaskName,
    string MethodName,
    string? Namespace,
    string ContainingTypeFullName,
    EquatableArray<ContainingTypeModel> ContainingTypes,
    bool IsPublic,
    bool IsStatic,
    ReturnKind ReturnKind,
    string? ResultTypeName,
    string? ResultJsonTypeName,
    string? Queue,
    bool IgnoreResult,
    bool TrackStarted,
    LifecycleModel Lifecycle,
    EquatableArray<ParameterModel> Parameters,
    EquatableArray<JsonTypeSpec> JsonTypes,
    EquatableArray<PeriodicModel> Periodic,
    string? ResultDisplayName = null)
{
    /// <summary>The name of the generated proxy struct.</summary>
    public string ProxyName => MethodName.TrimStart('@') + "Task";

    /// <summary>Whether the proxy carries a typed result (a result exists and is not ignored).</summary>
    public bool HasTypedResult => ResultTypeName is not null && !IgnoreResult;
}

/// <summary>One valid <c>[Periodic]</c> of a task; invalid ones are the analyzer's to report (TT0010–TT0013) and are not emitted.</summary>
/// <param name="Cron">The cron string, or <see langword="null"/> for an interval.</param>
/// <param name="EveryTicks">The interval in ticks, or <see langword="null"/> for a cron string.</param>
/// <param name="TimeZone">The IANA time zone when set.</param>
/// <param name="Name">The schedule name when set (else the runtime uses the task's name).</param>
/// <param name="CatchUp">The <c>PeriodicCatchUp</c> value when not the default (0).</param>
internal sealed record PeriodicModel(string? Cron, long? EveryTicks, string? TimeZone, string? Name, int CatchUp);

/// <summary>The tasks of one containing type: one generated file.</summary>
internal sealed record TypeGroupModel(
    string HintName,
    string? Namespace,
    string ContainingTypeFullName,
    EquatableArray<ContainingTypeModel> ContainingTypes,
    bool IsPublic,
    EquatableArray<TaskModel> Tasks);

/// <summary>The output of parsing one <c>[Task]</c> method: a model (when it can be emitted) and diagnostics.</summary>
internal sealed record ParseResult(TaskModel? Model, EquatableArray<DiagnosticInfo> Diagnostics);
