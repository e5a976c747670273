using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using TypedTasks.Semantics;

namespace TypedTasks.Analyzers;

/// <summary>
/// One line of <c>TaskContracts.Shipped.txt</c> / <c>TaskContracts.Unshipped.txt</c>: what a queued message of a
/// task depends on. The format (documented in <c>docs/task-contracts.md</c>) is
/// <code>{name} queue={queue} ({type} {jsonName}[ = {default}], …) -> {result}</code>
/// for example <c>Samples.Tasks.ReportTasks.GenerateReport queue=reports (int year, string? format = "csv") -> int</c>.
/// Only the task's arguments appear: not <c>CancellationToken</c>, <c>TaskContext</c> or <c>[FromServices]</c> parameters.
/// </summary>
internal sealed class TaskContract
{
    /// <summary>The prefix of an Unshipped line that records the removal of a shipped task.</summary>
    public const string RemovedPrefix = "*REMOVED*";

    /// <summary>Types as the line shows them: fully qualified without <c>global::</c>, keywords for special types, <c>?</c> for nullability.</summary>
    private static readonly SymbolDisplayFormat TypeFormat = new(
        globalNamespaceStyle: SymbolDisplayGlobalNamespaceStyle.Omitted,
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.UseSpecialTypes
            | SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier
            | SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers);

    public TaskContract(string name, string queue, IReadOnlyList<ContractParameter> parameters, string result)
    {
        Name = name;
        Queue = queue;
        Parameters = parameters;
        Result = result;
    }

    /// <summary>The task name on the wire (<c>TT-Task</c>).</summary>
    public string Name { get; }

    /// <summary>The task's queue; <c>default</c> when the attribute sets none.</summary>
    public string Queue { get; }

    /// <summary>The arguments that travel in the message body, in declaration order.</summary>
    public IReadOnlyList<ContractParameter> Parameters { get; }

    /// <summary>The result type, <c>void</c> for none.</summary>
    public string Result { get; }

    /// <summary>The line for this contract.</summary>
    public string Format()
        => $"{Name} queue={Queue} ({string.Join(", ", Parameters.Select(p => p.Format()))}) -> {Result}";

    public override string ToString() => Format();

    /// <summary>The contract of the task <paramref name="method"/> as the source declares it now.</summary>
    public static TaskContract FromMethod(IMethodSymbol method, AttributeData attribute, ContractSymbols symbols)
    {

        var parameters = new List<ContractParameter>();
        foreach (var parameter in method.Parameters)
        {
            if (!TaskSymbols.IsTaskArgument(parameter, symbols.FromServices, symbols.CancellationToken)
                || (symbols.TaskContext is not null && SymbolEqualityComparer.Default.Equals(parameter.Type, symbols.TaskContext)))
            {
                continue;
            }

            parameters.Add(new ContractParameter(
                FormatType(parameter.Type),
                parameter.Name,
                parameter.HasExplicitDefaultValue ? FormatDefault(parameter.Type, parameter.ExplicitDefaultValue) : null));
        }

        return new TaskContract(TaskSymbolNames.GetName(method, attribute), TaskSymbolNames.GetQueue(attribute), parameters, GetResult(method, symbols));
    }

    /// <summary>
    /// Reads a line. Returns <see langword="false"/> for a line that is not a contract; <paramref name="name"/> is
    /// then still the first word of the line (or empty), so that a damaged line keeps its task.
    /// </summary>
    public static bool TryParse(string line, out TaskContract? contract, out string name)
    {
        contract = null;
        line = line.Trim();
        var space = line.IndexOf(' ');
        name = space < 0 ? line : line.Substring(0, space);
        const string QueuePrefix = " queue=";
        if (space <= 0 || string.CompareOrdinal(line, space, QueuePrefix, 0, QueuePrefix.Length) != 0)
        {
            return false;
        }

        var queueStart = space + QueuePrefix.Length;
        var queueEnd = line.IndexOf(' ', queueStart);
        if (queueEnd <= queueStart || queueEnd + 1 >= line.Length || line[queueEnd + 1] != '(')
        {
            return false;
        }

        var queue = line.Substring(queueStart, queueEnd - queueStart);
        var open = queueEnd + 1;
        var close = FindClose(line, open);
        const string Arrow = " -> ";
        if (close < 0 || string.CompareOrdinal(line, close + 1, Arrow, 0, Arrow.Length) != 0)
        {
            return false;
        }

        var result = line.Substring(close + 1 + Arrow.Length).Trim();
        if (result.Length == 0)
        {
            return false;
        }

        var parameters = new List<ContractParameter>();
        var list = line.Substring(open + 1, close - open - 1);
        if (list.Trim().Length > 0)
        {
            foreach (var item in SplitTopLevel(list, ','))
            {
                if (!ContractParameter.TryParse(item.Trim(), out var parameter))
                {
                    return false;
                }

                parameters.Add(parameter!);
            }
        }

        contract = new TaskContract(name, queue, parameters, result);
        return true;
    }

    private static string GetResult(IMethodSymbol method, ContractSymbols symbols)
    {
        if (method.ReturnsVoid)
        {
            return "void";
        }

        if (method.ReturnType is INamedTypeSymbol named)
        {
            var definition = named.OriginalDefinition;
            if (SymbolEqualityComparer.Default.Equals(definition, symbols.Task) || SymbolEqualityComparer.Default.Equals(definition, symbols.ValueTask))
            {
                return "void";
            }

            if (SymbolEqualityComparer.Default.Equals(definition, symbols.TaskOfT) || SymbolEqualityComparer.Default.Equals(definition, symbols.ValueTaskOfT))
            {
                return FormatType(named.TypeArguments[0]);
            }
        }

        return FormatType(method.ReturnType);
    }

    private static string FormatType(ITypeSymbol type) => type.ToDisplayString(TypeFormat);

    private static string FormatDefault(ITypeSymbol type, object? value)
    {
        if (value is null)
        {
            // "= default" of a struct also has a null constant value.
            return type.IsValueType && type.OriginalDefinition.SpecialType != SpecialType.System_Nullable_T ? "default" : "null";
        }

        return value switch
        {
            float f => f.ToString("R", CultureInfo.InvariantCulture) + "f",
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            decimal m => m.ToString(CultureInfo.InvariantCulture) + "m",
            IFormattable formattable when value is not char => formattable.ToString(null, CultureInfo.InvariantCulture),
            _ => SymbolDisplay.FormatPrimitive(value, quoteStrings: true, useHexadecimalNumbers: false) ?? "default",
        };
    }

    /// <summary>The index of the bracket closing the one at <paramref name="open"/>, skipping strings and nested brackets.</summary>
    private static int FindClose(string text, int open)
    {
        var depth = 0;
        for (var i = open; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '"':
                case '\'':
                    i = SkipQuoted(text, i);
                    break;
                case '(':
                case '<':
                case '[':
                    depth++;
                    break;
                case ')':
                case '>':
                case ']':
                    depth--;
                    if (depth == 0)
                    {
                        return i;
                    }

                    break;
            }
        }

        return -1;
    }

    /// <summary>Splits at <paramref name="separator"/> outside brackets and quotes.</summary>
    internal static List<string> SplitTopLevel(string text, char separator)
    {
        var parts = new List<string>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '"' or '\'')
            {
                i = SkipQuoted(text, i);
            }
            else if (c is '(' or '<' or '[')
            {
                depth++;
            }
            else if (c is ')' or '>' or ']')
            {
                depth--;
            }
            else if (c == separator && depth == 0)
            {
                parts.Add(text.Substring(start, i - start));
                start = i + 1;
            }
        }

        parts.Add(text.Substring(start));
        return parts;
    }

    /// <summary>The index of the quote closing the literal that starts at <paramref name="start"/>.</summary>
    private static int SkipQuoted(string text, int start)
    {
        var quote = text[start];
        for (var i = start + 1; i < text.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
            }
            else if (text[i] == quote)
            {
                return i;
            }
        }

        return text.Length - 1;
    }
}

/// <summary>One argument of a <see cref="TaskContract"/>: <c>{type} {jsonName}[ = {default}]</c>.</summary>
internal sealed class ContractParameter
{
    public ContractParameter(string type, string name, string? defaultValue)
    {
        Type = type;
        Name = name;
        Default = defaultValue;
    }

    /// <summary>The fully-qualified type, with <c>?</c> when it accepts null.</summary>
    public string Type { get; }

    /// <summary>The property name in the message body: the C# parameter name, exactly.</summary>
    public string Name { get; }

    /// <summary>The default value as a C# literal, or <see langword="null"/> when the parameter is required.</summary>
    public string? Default { get; }

    public bool IsOptional => Default is not null;

    public string Format() => Default is null ? $"{Type} {Name}" : $"{Type} {Name} = {Default}";

    public static bool TryParse(string text, out ContractParameter? parameter)
    {
        parameter = null;
        var parts = TaskContract.SplitTopLevel(text, '=');
        if (parts.Count > 2)
        {
            // '=' inside a default string literal is skipped; more than one top-level '=' is damage.
            return false;
        }

        var declaration = parts[0].Trim();
        var defaultValue = parts.Count == 2 ? parts[1].Trim() : null;
        var space = declaration.LastIndexOf(' ');
        if (space <= 0 || space == declaration.Length - 1 || defaultValue is { Length: 0 })
        {
            return false;
        }

        parameter = new ContractParameter(declaration.Substring(0, space).Trim(), declaration.Substring(space + 1), defaultValue);
        return true;
    }
}

/// <summary>The well-known types a contract is computed with, looked up once per compilation.</summary>
internal sealed class ContractSymbols
{
    public ContractSymbols(Compilation compilation)
    {
        FromServices = compilation.GetTypeByMetadataName(TaskSymbols.FromServicesAttributeMetadataName);
        CancellationToken = compilation.GetTypeByMetadataName("System.Threading.CancellationToken");
        TaskContext = compilation.GetTypeByMetadataName("TypedTasks.TaskContext");
        Task = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
        ValueTask = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask");
        TaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task`1");
        ValueTaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1");
    }

    public INamedTypeSymbol? FromServices { get; }

    public INamedTypeSymbol? CancellationToken { get; }

    public INamedTypeSymbol? TaskContext { get; }

    public INamedTypeSymbol? Task { get; }

    public INamedTypeSymbol? ValueTask { get; }

    public INamedTypeSymbol? TaskOfT { get; }

    public INamedTypeSymbol? ValueTaskOfT { get; }
}
