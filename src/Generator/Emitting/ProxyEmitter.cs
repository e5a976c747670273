using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using TypedTasks.Generator.Model;
using TypedTasks.Generator.Parsing;

namespace TypedTasks.Generator.Emitting;

/// <summary>Emits <c>{Namespace}.{Type}.Tasks.g.cs</c>: a proxy struct per task and the client extensions.</summary>
internal static class ProxyEmitter
{
    public static string Emit(TypeGroupModel group)
    {
        var writer = new SourceWriter();
        writer.WriteHeader();
        if (group.Namespace is not null)
        {
            writer.OpenBlock($"namespace {group.Namespace}");
        }

        foreach (var type in group.ContainingTypes)
        {
            writer.OpenBlock($"partial {type.Keyword} {type.Name}");
        }

        var first = true;
        foreach (var task in group.Tasks)
        {
            if (!first)
            {
                writer.WriteLine();
            }

            first = false;
            EmitProxy(writer, task);
        }

        foreach (var _ in group.ContainingTypes)
        {
            writer.CloseBlock();
        }

        writer.WriteLine();
        EmitExtensions(writer, group);

        if (group.Namespace is not null)
        {
            writer.CloseBlock();
        }

        return writer.ToString();
    }

    private static void EmitExtensions(SourceWriter writer, TypeGroupModel group)
    {
        var accessibility = group.IsPublic ? "public" : "internal";
        var className = string.Concat(group.ContainingTypes.Select(t => t.Name.TrimStart('@'))) + "TaskClientExtensions";
        writer.WriteLine($"/// <summary>Typed proxies of the tasks declared in <c>{Xml(group.ContainingTypeFullName)}</c>.</summary>");
        writer.WriteLine(GeneratorInfo.GeneratedCodeAttribute);
        writer.OpenBlock($"{accessibility} static class {className}");
        var first = true;
        foreach (var task in group.Tasks)
        {
            if (!first)
            {
                writer.WriteLine();
            }

            first = false;
            writer.WriteLine($"/// <summary>The typed proxy of task <c>{Xml(task.TaskName)}</c>.</summary>");
            writer.WriteLine("/// <param name=\"client\">The task client.</param>");
            writer.WriteLine("/// <returns>The proxy: <c>DelayAsync</c>, <c>ApplyAsync</c>, <c>GetHandle</c>.</returns>");
            writer.WriteLine($"{(task.IsPublic ? "public" : "internal")} static {task.ContainingTypeFullName}.{task.ProxyName} {task.MethodName}(this {Names.ITaskClient} client) => new {task.ContainingTypeFullName}.{task.ProxyName}(client);");
        }

        writer.CloseBlock();
    }

    private static void EmitProxy(SourceWriter writer, TaskModel task)
    {
        var proxy = $"{task.ContainingTypeFullName}.{task.ProxyName}";
        var accessibility = task.IsPublic ? "public" : "internal";
        var arguments = task.Parameters.Where(p => p.Kind == ParameterKind.Argument).ToList();
        var definitionType = task.HasTypedResult ? $"{Names.TaskDefinition}<{task.ResultJsonTypeName}>" : Names.TaskDefinition;
        var handleType = task.HasTypedResult ? $"{Names.TaskHandle}<{task.ResultJsonTypeName}>" : Names.TaskHandle;
        var parameterNames = new HashSet<string>(arguments.Select(a => a.Name));
        var tokenName = parameterNames.Contains("cancellationToken") ? "cancellationToken_" : "cancellationToken";
        var optionsName = parameterNames.Contains("options") ? "options_" : "options";

        writer.WriteLine($"/// <summary>Typed proxy of task <c>{Xml(task.TaskName)}</c>.</summary>");
        writer.WriteLine(GeneratorInfo.GeneratedCodeAttribute);
        writer.OpenBlock($"{accessibility} readonly struct {task.ProxyName}");

        writer.WriteLine("/// <summary>The task's name on the wire.</summary>");
        writer.WriteLine($"public const string Name = {Literals.String(task.TaskName)};");
        writer.WriteLine();

        var initializers = new List<string>();
        if (task.Queue is not null)
        {
            initializers.Add($"Queue = {Literals.String(task.Queue)}");
        }

        if (task.IgnoreResult)
        {
            initializers.Add("IgnoreResult = true");
        }

        if (task.TrackStarted)
        {
            initializers.Add("TrackStarted = true");
        }

        AddLifecycleInitializers(initializers, task.Lifecycle);
        initializers.Add(ArgumentsInitializer(arguments));
        if (task.ResultDisplayName is not null)
        {
            initializers.Add($"ResultTypeName = {Literals.String(task.ResultDisplayName)}");
        }

        var constructorArguments = task.HasTypedResult ? $"Name, Invoke, {Names.TypeInfoOf(task.ResultJsonTypeName!)}" : "Name, Invoke";
        var initializer = initializers.Count == 0 ? string.Empty : " { " + string.Join(", ", initializers) + " }";
        writer.WriteLine("/// <summary>What the runtime knows about the task: name, queue, invoker.</summary>");
        writer.WriteLine($"public static {definitionType} Definition {{ get; }} = new {definitionType}({constructorArguments}){initializer};");
        writer.WriteLine();
        writer.WriteLine($"private readonly {Names.ITaskClient} _client;");
        writer.WriteLine();
        writer.WriteLine("/// <summary>Creates the proxy over a task client.</summary>");
        writer.WriteLine("/// <param name=\"client\">The task client.</param>");
        writer.OpenBlock($"public {task.ProxyName}({Names.ITaskClient} client)");
        writer.WriteLine("_client = client ?? throw new global::System.ArgumentNullException(nameof(client));");
        writer.CloseBlock();
        writer.WriteLine();

        var withDefaults = string.Concat(arguments.Select(a => $"{a.TypeName} {Literals.Identifier(a.Name)}{(a.DefaultValue is null ? string.Empty : " = " + a.DefaultValue)}, "));
        var withoutDefaults = string.Concat(arguments.Select(a => $"{a.TypeName} {Literals.Identifier(a.Name)}, "));
        var newArguments = $"new {proxy}.Arguments({string.Join(", ", arguments.Select(a => Literals.Identifier(a.Name)))})";
        var enqueue = task.HasTypedResult
            ? $"this._client.EnqueueAsync<{proxy}.Arguments, {task.ResultJsonTypeName}>"
            : $"this._client.EnqueueAsync<{proxy}.Arguments>";

        writer.WriteLine("/// <summary>Sends the task to its queue; returns once the broker has stored it (Celery's <c>delay</c>).</summary>");
        WriteParamDocs(writer, arguments);
        writer.WriteLine($"/// <param name=\"{tokenName}\">Cancels the wait for the broker's acknowledgement.</param>");
        writer.WriteLine("/// <returns>A handle to the task.</returns>");
        writer.WriteLine($"public {Names.ValueTask}<{handleType}> DelayAsync({withDefaults}{Names.CancellationToken} {tokenName} = default)");
        writer.WriteLine($"    => {enqueue}({proxy}.Definition, {newArguments}, null, {tokenName});");
        writer.WriteLine();

        writer.WriteLine("/// <summary>Sends the task with per-call options; returns once the broker has stored it (Celery's <c>apply_async</c>).</summary>");
        WriteParamDocs(writer, arguments);
        writer.WriteLine($"/// <param name=\"{optionsName}\">Per-call options: task id, queue.</param>");
        writer.WriteLine($"/// <param name=\"{tokenName}\">Cancels the wait for the broker's acknowledgement.</param>");
        writer.WriteLine("/// <returns>A handle to the task.</returns>");
        writer.WriteLine($"public {Names.ValueTask}<{handleType}> ApplyAsync({withoutDefaults}{Names.TaskOptions} {optionsName}, {Names.CancellationToken} {tokenName} = default)");
        writer.WriteLine($"    => {enqueue}({proxy}.Definition, {newArguments}, {optionsName}, {tokenName});");
        writer.WriteLine();

        // Typed by the result when there is one, so that a chain can start with it (docs/workflows.md).
        var callType = task.HasTypedResult ? $"{Names.TaskCall}<{task.ResultJsonTypeName}>" : Names.TaskCall;
        writer.WriteLine("/// <summary>The task with these arguments, not sent: a signature, for a periodic schedule (<c>builder.AddPeriodic(…Call(…), \"0 0 3 * * *\")</c>)" + (task.HasTypedResult ? " or the first step of a chain (<c>…Call(…).Then(…)</c>)" : string.Empty) + ".</summary>");
        WriteParamDocs(writer, arguments);
        writer.WriteLine("/// <returns>The call.</returns>");
        var callParameters = string.Join(", ", arguments.Select(a => $"{a.TypeName} {Literals.Identifier(a.Name)}{(a.DefaultValue is null ? string.Empty : " = " + a.DefaultValue)}"));
        writer.WriteLine($"public static {callType} Call({callParameters}) => new {callType}({proxy}.Definition, {newArguments});");
        writer.WriteLine();

        if (task.HasTypedResult && arguments.Count > 0)
        {
            // A step of a chain: the previous step's result fills the first argument (its JSON type, as results are typed).
            var rest = arguments.Skip(1).ToList();
            var partialType = $"{Names.PartialTaskCall}<{arguments[0].JsonTypeName}, {task.ResultJsonTypeName}>";
            writer.WriteLine($"/// <summary>The task with all its arguments but the first, not sent: a step of a chain, whose first argument <c>{arguments[0].Name}</c> is the result of the step before it (<c>…Then({Xml(task.ProxyName)}.Partial(…))</c>).</summary>");
            WriteParamDocs(writer, rest);
            writer.WriteLine("/// <returns>The partial call.</returns>");
            var partialParameters = string.Join(", ", rest.Select(a => $"{a.TypeName} {Literals.Identifier(a.Name)}{(a.DefaultValue is null ? string.Empty : " = " + a.DefaultValue)}"));
            var newRest = $"new {proxy}.OtherArguments({string.Join(", ", rest.Select(a => Literals.Identifier(a.Name)))})";
            writer.WriteLine($"public static {partialType} Partial({partialParameters}) => new {partialType}({proxy}.Definition, {Literals.String(arguments[0].Name)}, {newRest});");
            writer.WriteLine();
        }

        writer.WriteLine("/// <summary>A handle to a task sent earlier, by its id (Celery's <c>AsyncResult(id)</c>).</summary>");
        writer.WriteLine("/// <param name=\"id\">The task id.</param>");
        writer.WriteLine("/// <returns>The handle.</returns>");
        writer.WriteLine($"public {handleType} GetHandle(string id) => this._client.GetHandle({proxy}.Definition, id);");
        writer.WriteLine();

        EmitArguments(writer, arguments);
        writer.WriteLine();
        if (task.HasTypedResult && arguments.Count > 0)
        {
            EmitOtherArguments(writer, arguments.Skip(1).ToList());
            writer.WriteLine();
        }

        EmitInvoke(writer, task);
        writer.CloseBlock();
    }

    /// <summary>Only the options set on <c>[Task]</c>, so the runtime's defaults stay in one place.</summary>
    private static void AddLifecycleInitializers(List<string> initializers, LifecycleModel lifecycle)
    {
        if (lifecycle.MaxRetries is { } maxRetries)
        {
            initializers.Add($"MaxRetries = {maxRetries.ToString(CultureInfo.InvariantCulture)}");
        }

        AddTimeSpan(initializers, "DefaultRetryDelay", lifecycle.DefaultRetryDelay);
        if (lifecycle.RetryBackoff)
        {
            initializers.Add("RetryBackoff = true");
        }

        AddTimeSpan(initializers, "RetryBackoffBase", lifecycle.RetryBackoffBase);
        AddTimeSpan(initializers, "RetryBackoffMax", lifecycle.RetryBackoffMax);
        if (!lifecycle.RetryJitter)
        {
            initializers.Add("RetryJitter = false");
        }

        if (lifecycle.AutoRetryFor.Count > 0)
        {
            // A type test, not Type.IsAssignableFrom: no reflection, trimming- and AOT-safe.
            initializers.Add($"AutoRetryFor = static ex => ex is {string.Join(" or ", lifecycle.AutoRetryFor)}");
        }

        AddTimeSpan(initializers, "SoftTimeLimit", lifecycle.SoftTimeLimit);
        AddTimeSpan(initializers, "TimeLimit", lifecycle.TimeLimit);
        AddTimeSpan(initializers, "Expires", lifecycle.Expires);
        if (lifecycle.RateLimit is { } rateLimit)
        {
            initializers.Add($"RateLimit = new {Names.RateLimit}({rateLimit.Count.ToString(CultureInfo.InvariantCulture)}, {Names.TimeSpan}.FromTicks({rateLimit.PerTicks.ToString(CultureInfo.InvariantCulture)}))");
        }
    }

    /// <summary>The arguments as the wire carries them, for the task catalog: what the reader below enforces, said once here.</summary>
    private static string ArgumentsInitializer(List<ParameterModel> arguments)
    {
        if (arguments.Count == 0)
        {
            return $"Arguments = global::System.Array.Empty<{Names.TaskArgumentInfo}>()";
        }

        var items = arguments.Select(a =>
            $"new {Names.TaskArgumentInfo}({Literals.String(a.Name)}, {Names.TaskArgumentKind}.{a.JsonKind ?? "Object"}, {Literals.String(a.DisplayTypeName ?? a.JsonTypeName)}, isRequired: {(a.DefaultValue is null ? "true" : "false")}, isNullable: {(a.AcceptsNull ? "true" : "false")})");
        return $"Arguments = new {Names.TaskArgumentInfo}[] {{ {string.Join(", ", items)} }}";
    }

    private static void AddTimeSpan(List<string> initializers, string property, long? ticks)
    {
        if (ticks is { } value)
        {
            initializers.Add($"{property} = {Names.TimeSpan}.FromTicks({value.ToString(CultureInfo.InvariantCulture)})");
        }
    }

    private static void WriteParamDocs(SourceWriter writer, List<ParameterModel> arguments)
    {
        foreach (var argument in arguments)
        {
            writer.WriteLine($"/// <param name=\"{argument.Name}\">The task's <c>{argument.Name}</c> argument.</param>");
        }
    }

    private static void EmitArguments(SourceWriter writer, List<ParameterModel> arguments)
    {
        writer.OpenBlock($"private readonly struct Arguments : {Names.ITaskArguments}");
        for (var i = 0; i < arguments.Count; i++)
        {
            writer.WriteLine($"public readonly {arguments[i].TypeName} Arg{i};");
        }

        if (arguments.Count > 0)
        {
            writer.WriteLine();
            writer.OpenBlock($"public Arguments({string.Join(", ", arguments.Select((a, i) => $"{a.TypeName} arg{i}"))})");
            for (var i = 0; i < arguments.Count; i++)
            {
                writer.WriteLine($"Arg{i} = arg{i};");
            }

            writer.CloseBlock();
        }

        writer.WriteLine();
        writer.OpenBlock($"public void WriteTo({Names.Utf8JsonWriter} writer)");
        writer.WriteLine("writer.WriteStartObject();");
        for (var i = 0; i < arguments.Count; i++)
        {
            writer.WriteLine($"writer.WritePropertyName({Literals.String(arguments[i].Name)}u8);");
            writer.WriteLine($"{Names.JsonSerializer}.Serialize<{arguments[i].JsonTypeName}>(writer, Arg{i}!, {Names.TypeInfoOf(arguments[i].JsonTypeName)});");
        }

        writer.WriteLine("writer.WriteEndObject();");
        writer.CloseBlock();
        writer.WriteLine();

        writer.OpenBlock("public static Arguments Read(global::System.ReadOnlyMemory<byte> json)");
        writer.WriteLine($"var reader = new {Names.Utf8JsonReader}(json.Span);");
        writer.WriteLine($"{Names.TaskArgumentReader}.ReadStartObject(ref reader, Name);");
        for (var i = 0; i < arguments.Count; i++)
        {
            writer.WriteLine($"{arguments[i].TypeName} arg{i} = default!;");
            writer.WriteLine($"bool has{i} = false;");
        }

        writer.WriteLine();

        writer.OpenBlock($"while ({Names.TaskArgumentReader}.ReadNextProperty(ref reader, Name))");
        for (var i = 0; i < arguments.Count; i++)
        {
            writer.OpenBlock($"{(i == 0 ? "if" : "else if")} (reader.ValueTextEquals({Literals.String(arguments[i].Name)}u8))");
            var read = arguments[i].RefusesNull ? "ReadNonNullValue" : "ReadValue";
            writer.WriteLine($"arg{i} = {Names.TaskArgumentReader}.{read}<{arguments[i].JsonTypeName}>(ref reader, {Names.TypeInfoOf(arguments[i].JsonTypeName)}, Name, {Literals.String(arguments[i].Name)});");
            writer.WriteLine($"has{i} = true;");
            writer.CloseBlock();
        }

        if (arguments.Count > 0)
        {
            writer.OpenBlock("else");
            writer.WriteLine($"{Names.TaskArgumentReader}.SkipValue(ref reader, Name);");
            writer.CloseBlock();
        }
        else
        {
            writer.WriteLine($"{Names.TaskArgumentReader}.SkipValue(ref reader, Name);");
        }

        writer.CloseBlock();
        writer.WriteLine();
        writer.WriteLine($"{Names.TaskArgumentReader}.ReadEnd(ref reader, Name);");
        for (var i = 0; i < arguments.Count; i++)
        {
            writer.WriteLine();
            writer.OpenBlock($"if (!has{i})");
            writer.WriteLine(arguments[i].DefaultValue is { } defaultValue
                ? $"arg{i} = {defaultValue};"
                : $"throw {Names.TaskArgumentReader}.MissingArgument(Name, {Literals.String(arguments[i].Name)});");
            writer.CloseBlock();
        }

        writer.WriteLine();
        writer.WriteLine(arguments.Count == 0 ? "return default;" : $"return new Arguments({string.Join(", ", arguments.Select((_, i) => $"arg{i}"))});");
        writer.CloseBlock();
        writer.CloseBlock();
    }

    /// <summary>The arguments of a <c>Partial(…)</c>: all but the first, which the previous step's result fills.</summary>
    private static void EmitOtherArguments(SourceWriter writer, List<ParameterModel> rest)
    {
        writer.OpenBlock($"private readonly struct OtherArguments : {Names.ITaskArguments}");
        for (var i = 0; i < rest.Count; i++)
        {
            writer.WriteLine($"public readonly {rest[i].TypeName} Arg{i + 1};");
        }

        if (rest.Count > 0)
        {
            writer.WriteLine();
            writer.OpenBlock($"public OtherArguments({string.Join(", ", rest.Select((a, i) => $"{a.TypeName} arg{i + 1}"))})");
            for (var i = 0; i < rest.Count; i++)
            {
                writer.WriteLine($"Arg{i + 1} = arg{i + 1};");
            }

            writer.CloseBlock();
            writer.WriteLine();
        }

        writer.OpenBlock($"public void WriteTo({Names.Utf8JsonWriter} writer)");
        writer.WriteLine("writer.WriteStartObject();");
        for (var i = 0; i < rest.Count; i++)
        {
            writer.WriteLine($"writer.WritePropertyName({Literals.String(rest[i].Name)}u8);");
            writer.WriteLine($"{Names.JsonSerializer}.Serialize<{rest[i].JsonTypeName}>(writer, Arg{i + 1}!, {Names.TypeInfoOf(rest[i].JsonTypeName)});");
        }

        writer.WriteLine("writer.WriteEndObject();");
        writer.CloseBlock();
        writer.CloseBlock();
    }

    private static void EmitInvoke(SourceWriter writer, TaskModel task)
    {
        var isAsync = task.ReturnKind is ReturnKind.Task or ReturnKind.TaskOfT or ReturnKind.ValueTask or ReturnKind.ValueTaskOfT;
        writer.OpenBlock($"private static {(isAsync ? "async " : string.Empty)}{Names.ValueTask} Invoke({Names.TaskInvocation} invocation)");
        writer.WriteLine("var arguments = Arguments.Read(invocation.Arguments);");
        string target;
        if (task.IsStatic)
        {
            target = task.ContainingTypeFullName;
        }
        else
        {
            writer.WriteLine($"var instance = {Names.GetRequiredService}<{task.ContainingTypeFullName}>(invocation.Services);");
            target = "instance";
        }

        var argumentIndex = 0;
        var callArguments = new List<string>();
        foreach (var parameter in task.Parameters)
        {
            callArguments.Add(parameter.Kind switch
            {
                ParameterKind.CancellationToken => "invocation.CancellationToken",
                ParameterKind.Context => "invocation.Context",
                ParameterKind.Service => $"{Names.GetRequiredService}<{parameter.JsonTypeName}>(invocation.Services)",
                _ => $"arguments.Arg{argumentIndex++}",
            });
        }

        var call = $"{target}.{task.MethodName}({string.Join(", ", callArguments)})";
        if (isAsync)
        {
            call = $"await {call}.ConfigureAwait(false)";
        }

        if (task.ResultTypeName is not null && !task.IgnoreResult)
        {
            writer.WriteLine($"var result = {call};");
            writer.WriteLine($"invocation.SetResult<{task.ResultJsonTypeName}>(result!, {Names.TypeInfoOf(task.ResultJsonTypeName!)});");
        }
        else if (task.ResultTypeName is not null && task.ReturnKind == ReturnKind.Value)
        {
            writer.WriteLine($"_ = {call};");
        }
        else
        {
            writer.WriteLine($"{call};");
        }

        if (!isAsync)
        {
            writer.WriteLine("return default;");
        }

        writer.CloseBlock();
    }

    private static string Xml(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
