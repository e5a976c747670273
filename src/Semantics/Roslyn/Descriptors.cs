using Microsoft.CodeAnalysis;

namespace TypedTasks.Semantics;

/// <summary>
/// The one catalog of every diagnostic TypedTasks reports, from the analyzers or from the generator (both compile
/// this file in; see src/Semantics/README.md).
/// </summary>
/// <remarks>
/// IDs are never reused, not even after a rule is removed. Ranges:
/// <list type="table">
///   <item><term>TT0001–TT0099</term><description>Declarations: the shape of a <c>[Task]</c> method and its types.</description></item>
///   <item><term>TT0101–TT0199</term><description>Serialization: task arguments and results as JSON (TT0101 is reported by the generator, all others by analyzers).</description></item>
///   <item><term>TT0201–TT0299</term><description>Call sites: how generated proxies are used.</description></item>
///   <item><term>TT0301–TT0399</term><description>Contracts: task names, queues and versions shared across services.</description></item>
/// </list>
/// Each ID has a page at <c>docs/diagnostics/{id}.md</c>; <see cref="Create"/> derives the help link from the ID.
/// </remarks>
internal static class Descriptors
{
    public const string HelpLinkPrefix = "https://github.com/typedtasks/typedtasks/blob/main/docs/diagnostics/";

    public const string DeclarationCategory = "TypedTasks.Declaration";
    public const string SerializationCategory = "TypedTasks.Serialization";
    public const string UsageCategory = "TypedTasks.Usage";
    public const string ContractsCategory = "TypedTasks.Contracts";

    public static readonly DiagnosticDescriptor TypeMustBePartial = Create(
        "TT0001",
        "Types containing tasks must be partial",
        "Type '{0}' contains [Task] methods but is not partial, so no proxy can be generated for them; add the partial modifier",
        DeclarationCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor TaskMustNotBeGeneric = Create(
        "TT0002",
        "Tasks cannot be generic",
        "{0} '{1}' is generic, so a worker cannot tell which type arguments to run it with; remove the type parameters or move the task to a non-generic type",
        DeclarationCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor ParameterMustBeByValue = Create(
        "TT0003",
        "Task parameters must be plain values",
        "Parameter '{0}' of task '{1}' is {2}, which cannot travel in a task message; take it by value as a JSON-serializable type",
        DeclarationCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor TaskMustNotBeAsyncVoid = Create(
        "TT0004",
        "Tasks cannot be async void",
        "Task '{0}' is async void, so the worker cannot await it or see its failure; return Task instead",
        DeclarationCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor TaskNameMustBeUnique = Create(
        "TT0005",
        "Task names must be unique",
        "Task name '{0}' is also used by {1}, so a worker cannot tell which method to run; set a distinct Name on one of them",
        DeclarationCategory,
        DiagnosticSeverity.Error,
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor TypeMustBeAccessible = Create(
        "TT0006",
        "Types containing tasks must be internal or public",
        "Type '{0}' contains [Task] methods but is {1}, so the generated dispatcher cannot reach them; make it internal or public",
        DeclarationCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor AttributeValueMustBeValid = Create(
        "TT0007",
        "Task name and queue must be valid",
        "{0} \"{1}\" is not valid for task '{2}'; {3}",
        DeclarationCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor TaskOptionMustBeValid = Create(
        "TT0008",
        "Invalid task option",
        "Option {0} of task '{1}' is invalid: {2}",
        DeclarationCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor RetryOptionsNeedRetries = Create(
        "TT0009",
        "Retry options have no effect without retries",
        "Task '{0}' sets {1}, but MaxRetries = 0 means it is never retried, so {1} cannot take effect; set MaxRetries above 0 or remove {1}",
        DeclarationCategory,
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor PeriodicScheduleMustBeValid = Create(
        "TT0010",
        "Periodic schedules must be valid",
        "[Periodic] on '{0}' is not valid: {1}; {2}",
        DeclarationCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor PeriodicTimeZoneMustBeKnown = Create(
        "TT0011",
        "Periodic time zones must be IANA ids",
        "[Periodic] on '{0}' names the time zone \"{1}\", which is not in the IANA time zone database ({2}); {3}",
        DeclarationCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor PeriodicTaskMustNotNeedArguments = Create(
        "TT0012",
        "Periodic tasks cannot need arguments",
        "Task '{0}' is [Periodic] but needs argument '{1}', which the schedule has no value for; give the parameter a default value, or remove [Periodic] and register the call with builder.AddPeriodic({2}.Call(…), …)",
        DeclarationCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor PeriodicNeedsTask = Create(
        "TT0013",
        "[Periodic] needs [Task]",
        "Method '{0}' is [Periodic] but not a [Task], so no worker can run it and nothing is scheduled; add [Task]",
        DeclarationCategory,
        DiagnosticSeverity.Error);

    /// <summary>Reported by the generator: a type it cannot describe for System.Text.Json, so the task is not emitted.</summary>
    public static readonly DiagnosticDescriptor UnsupportedType = Create(
        "TT0101",
        "Type cannot be serialized",
        "Type '{0}' of {1} cannot be serialized by TypedTasks: {2}. Use a supported type (primitives, enums, arrays, lists, dictionaries with string keys, classes, structs and records with public properties, or abstract classes and interfaces with [JsonDerivedType] attributes).",
        SerializationCategory,
        DiagnosticSeverity.Error);

    /// <summary>
    /// The one diagnostic of a service-like parameter (<see cref="ServiceTypes"/>): TT0101 and TT0104 stay silent for
    /// it and the generator skips the task, so it is an error.
    /// </summary>
    public static readonly DiagnosticDescriptor ParameterMustNotBeService = Create(
        "TT0102",
        "Services cannot be task arguments",
        "Parameter '{0}' of task '{1}' is a service ({2}), which cannot travel in a task message; mark it [FromServices] so the worker resolves it from DI",
        SerializationCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor ParameterShouldNotBeEntity = Create(
        "TT0103",
        "Pass entity keys, not entities",
        "Parameter '{0}' of task '{1}' is the entity type '{2}' (a DbSet in {3}), so the worker gets a detached copy that may be stale by the time it runs; {4}",
        SerializationCategory,
        DiagnosticSeverity.Info);

    public static readonly DiagnosticDescriptor TypeMustBeSerializable = Create(
        "TT0104",
        "Task arguments and results must be serializable",
        "{0} of task '{1}' can never be serialized: {2}; pass plain data instead, such as an id, a path or a record of values",
        SerializationCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor TypeMustNotHaveBackReference = Create(
        "TT0105",
        "Task arguments and results must not be object graphs with back-references",
        "'{0}: {1}' points back to '{1}', so {2} is a cycle System.Text.Json cannot write; send ids (or mark the back-reference [JsonIgnore])",
        SerializationCategory,
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor HandleMustBeAwaited = Create(
        "TT0201",
        "Await the result of DelayAsync and ApplyAsync",
        "The result of '{0}' is discarded without being awaited, so a failed publish goes unnoticed and the task may never be queued; await it",
        UsageCategory,
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor TaskMustNotWaitForTask = Create(
        "TT0202",
        "Do not wait for a task's result inside a task",
        "Task '{0}' waits for another task with '{1}', which holds a worker slot while the awaited task may be queued behind it; once every slot waits, the worker deadlocks; chain the work into a follow-up task or return the handle's Id instead",
        UsageCategory,
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor ChainStepTypesMustMatch = Create(
        "TT0203",
        "A chain step must take the previous step's result",
        "This step of the chain takes '{0}' as its first argument, but the step before it returns '{1}'; a chain passes each step's result to the next step's first argument, so chain a task whose first parameter is '{1}' (or add a step that turns '{1}' into '{0}')",
        UsageCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor ContractMustBeRecorded = Create(
        "TT0301",
        "Record the contract of every task",
        "Task '{0}' {1}",
        ContractsCategory,
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor ShippedContractBroken = Create(
        "TT0302",
        "Do not break the contract of a shipped task",
        "Task '{0}' breaks messages already queued under its shipped contract: {1}; if the break is intended, drain the queues first and record the new contract",
        ContractsCategory,
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor ShippedContractExtended = Create(
        "TT0303",
        "Compatible change to a shipped task contract",
        "Task '{0}' changed compatibly with its shipped contract: {1}; queued messages still decode; record the new contract",
        ContractsCategory,
        DiagnosticSeverity.Info);

    public static readonly DiagnosticDescriptor ShippedContractQueueChanged = Create(
        "TT0304",
        "A shipped task moved to another queue",
        "Task '{0}' moved from queue '{1}' to '{2}'; messages already queued stay in '{1}' until a worker drains them, so keep a worker serving '{1}' until it is empty; record the new contract",
        ContractsCategory,
        DiagnosticSeverity.Info);

    private static DiagnosticDescriptor Create(
        string id,
        string title,
        string messageFormat,
        string category,
        DiagnosticSeverity severity,
        params string[] customTags)
        => new(
            id,
            title,
            messageFormat,
            category,
            severity,
            isEnabledByDefault: true,
            helpLinkUri: HelpLinkPrefix + id + ".md",
            customTags: customTags);
}
