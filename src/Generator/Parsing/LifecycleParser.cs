using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using TypedTasks.Generator.Model;
using TypedTasks.Semantics;

namespace TypedTasks.Generator.Parsing;

/// <summary>Reads the retry, time-limit, expiry and rate-limit options of <c>[Task]</c> into a <see cref="LifecycleModel"/>.</summary>
internal static class LifecycleParser
{
    /// <summary>
    /// The options set on <paramref name="attribute"/>, or <see langword="null"/> when one of them cannot be used
    /// (malformed or negative TimeSpan, negative MaxRetries, a non-exception type, SoftTimeLimit ≥ TimeLimit,
    /// a malformed RateLimit).
    /// The analyzer reports those (TT0008); the generator only skips the task.
    /// </summary>
    public static LifecycleModel? Parse(AttributeData attribute, Compilation compilation)
    {
        var model = LifecycleModel.Default;
        foreach (var argument in attribute.NamedArguments)
        {
            var value = argument.Value;
            switch (argument.Key)
            {
                case "MaxRetries":
                    if (value.Value is not int maxRetries || maxRetries < 0)
                    {
                        return null;
                    }

                    model = model with { MaxRetries = maxRetries };
                    break;
                case "RetryBackoff":
                    model = model with { RetryBackoff = value.Value is true };
                    break;
                case "RetryJitter":
                    model = model with { RetryJitter = value.Value is not false };
                    break;
                case "DefaultRetryDelay":
                case "RetryBackoffBase":
                case "RetryBackoffMax":
                case "SoftTimeLimit":
                case "TimeLimit":
                case "Expires":
                    if (value.Value is null)
                    {
                        break; // Explicitly null: the runtime's default.
                    }

                    if (value.Value is not string text || !TryParseTimeSpan(text, out var ticks))
                    {
                        return null;
                    }

                    model = argument.Key switch
                    {
                        "DefaultRetryDelay" => model with { DefaultRetryDelay = ticks },
                        "RetryBackoffBase" => model with { RetryBackoffBase = ticks },
                        "RetryBackoffMax" => model with { RetryBackoffMax = ticks },
                        "SoftTimeLimit" => model with { SoftTimeLimit = ticks },
                        "TimeLimit" => model with { TimeLimit = ticks },
                        _ => model with { Expires = ticks },
                    };
                    break;
                case "RateLimit":
                    if (value.Kind == TypedConstantKind.Error)
                    {
                        return null; // Not a string (a compile error): nothing to emit.
                    }

                    if (value.Value is null)
                    {
                        break; // Explicitly null: no limit.
                    }

                    if (value.Value is not string rate || !TryParseRateLimit(rate, out var rateLimit))
                    {
                        return null;
                    }

                    model = model with { RateLimit = rateLimit };
                    break;
                case "AutoRetryFor":
                    if (value.IsNull)
                    {
                        break; // Explicitly null: no automatic retries.
                    }

                    var types = value.Kind == TypedConstantKind.Array ? ExceptionTypes(value.Values, compilation) : null;
                    if (types is null)
                    {
                        return null;
                    }

                    model = model with { AutoRetryFor = types.Value };
                    break;
            }
        }

        // The hard limit must leave the task time to see its cancelled token.
        if (model.SoftTimeLimit is { } soft && model.TimeLimit is { } hard && soft >= hard)
        {
            return null;
        }

        return model;
    }

    /// <summary>Parses as the runtime's contract says (<see cref="TimeSpanSyntax"/>), as ticks.</summary>
    private static bool TryParseTimeSpan(string text, out long ticks)
    {
        var valid = TimeSpanSyntax.TryParse(text, out var value);
        ticks = value.Ticks;
        return valid;
    }

    /// <summary>Parses Celery's notation exactly as the runtime's <c>RateLimit.TryParse</c> does: <see cref="RateLimitSyntax"/>.</summary>
    private static bool TryParseRateLimit(string text, out RateLimitModel limit)
    {
        var valid = RateLimitSyntax.TryParse(text, out var count, out var per);
        limit = valid ? new RateLimitModel(count, per.Ticks) : default;
        return valid;
    }

    /// <summary>
    /// The exception types as <c>global::</c> names, duplicates and types derived from another entry dropped (so the
    /// emitted <c>or</c> pattern has no subsumed case), or <see langword="null"/> when an entry is not a closed
    /// <see cref="Exception"/>-derived type.
    /// </summary>
    private static EquatableArray<string>? ExceptionTypes(ImmutableArray<TypedConstant> values, Compilation compilation)
    {
        var exception = compilation.GetTypeByMetadataName("System.Exception");
        if (exception is null)
        {
            return null;
        }

        var kept = new List<INamedTypeSymbol>();
        foreach (var item in values)
        {
            if (item.Value is not INamedTypeSymbol type
                || type.TypeKind == TypeKind.Error
                || type.IsUnboundGenericType
                || ContainsTypeParameters(type)
                || IsFileLocal(type)
                || !DerivesFrom(type, exception))
            {
                return null;
            }

            if (kept.Any(k => DerivesFrom(type, k)))
            {
                continue;
            }

            kept.RemoveAll(k => DerivesFrom(k, type));
            kept.Add(type);
        }

        return kept.Select(type => type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)).ToEquatableArray();
    }

    private static bool DerivesFrom(INamedTypeSymbol type, INamedTypeSymbol baseType)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(t, baseType))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A <c>file</c> type cannot be named from the generated file.</summary>
    private static bool IsFileLocal(INamedTypeSymbol type)
    {
        for (var t = type; t is not null; t = t.ContainingType)
        {
            if (t.IsFileLocal)
            {
                return true;
            }
        }

        return false;
    }

    private static bool ContainsTypeParameters(INamedTypeSymbol type)
    {
        for (var t = type; t is not null; t = t.ContainingType)
        {
            if (t.TypeArguments.Any(a => a is ITypeParameterSymbol || (a is INamedTypeSymbol named && ContainsTypeParameters(named)) || a.TypeKind == TypeKind.Error))
            {
                return true;
            }
        }

        return false;
    }
}
