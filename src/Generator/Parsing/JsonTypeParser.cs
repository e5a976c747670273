using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using TypedTasks.Generator.Model;

namespace TypedTasks.Generator.Parsing;

/// <summary>
/// Describes a type and everything it contains (element, property and parameter types) as
/// <see cref="JsonTypeSpec"/>s, the way System.Text.Json's source generator would, or says why it cannot.
/// </summary>
internal sealed class JsonTypeParser
{
    private static readonly Dictionary<SpecialType, (string Converter, string Member)> SpecialConverters = new()
    {
        [SpecialType.System_Boolean] = ("BooleanConverter", "Boolean"),
        [SpecialType.System_Byte] = ("ByteConverter", "Byte"),
        [SpecialType.System_SByte] = ("SByteConverter", "SByte"),
        [SpecialType.System_Char] = ("CharConverter", "Char"),
        [SpecialType.System_Int16] = ("Int16Converter", "Int16"),
        [SpecialType.System_UInt16] = ("UInt16Converter", "UInt16"),
        [SpecialType.System_Int32] = ("Int32Converter", "Int32"),
        [SpecialType.System_UInt32] = ("UInt32Converter", "UInt32"),
        [SpecialType.System_Int64] = ("Int64Converter", "Int64"),
        [SpecialType.System_UInt64] = ("UInt64Converter", "UInt64"),
        [SpecialType.System_Single] = ("SingleConverter", "Single"),
        [SpecialType.System_Double] = ("DoubleConverter", "Double"),
        [SpecialType.System_Decimal] = ("DecimalConverter", "Decimal"),
        [SpecialType.System_String] = ("StringConverter", "String"),
        [SpecialType.System_DateTime] = ("DateTimeConverter", "DateTime"),
    };

    // Types with a converter on JsonMetadataServices in .NET 8 and later.
    private static readonly (string MetadataName, string Converter, string Member)[] NamedConverters =
    {
        ("System.DateTimeOffset", "DateTimeOffsetConverter", "DateTimeOffset"),
        ("System.DateOnly", "DateOnlyConverter", "DateOnly"),
        ("System.TimeOnly", "TimeOnlyConverter", "TimeOnly"),
        ("System.TimeSpan", "TimeSpanConverter", "TimeSpan"),
        ("System.Guid", "GuidConverter", "Guid"),
        ("System.Uri", "UriConverter", "Uri"),
        ("System.Version", "VersionConverter", "Version"),
        ("System.Int128", "Int128Converter", "Int128"),
        ("System.UInt128", "UInt128Converter", "UInt128"),
        ("System.Half", "HalfConverter", "Half"),
        ("System.Text.Json.JsonElement", "JsonElementConverter", "JsonElement"),
    };

    private readonly Dictionary<ITypeSymbol, (string Converter, string Member)> _namedConverters = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<INamedTypeSymbol, (string Factory, string? Creator)> _collections = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<INamedTypeSymbol, string> _dictionaries = new(SymbolEqualityComparer.Default);
    private readonly INamedTypeSymbol? _jsonPropertyName;
    private readonly INamedTypeSymbol? _jsonIgnore;
    private readonly INamedTypeSymbol? _jsonConstructor;
    private readonly INamedTypeSymbol? _jsonInclude;
    private readonly Dictionary<ITypeSymbol, JsonTypeSpec?> _specs = new(SymbolEqualityComparer.Default);
    private readonly List<JsonTypeSpec> _ordered = new();
    private readonly CancellationToken _cancellationToken;

    public JsonTypeParser(Compilation compilation, CancellationToken cancellationToken)
    {
        _cancellationToken = cancellationToken;
        foreach (var (metadataName, converter, member) in NamedConverters)
        {
            if (compilation.GetTypeByMetadataName(metadataName) is { } type)
            {
                _namedConverters[type] = (converter, member);
            }
        }

        AddCollection(compilation, "System.Collections.Generic.List`1", "CreateListInfo", "global::System.Collections.Generic.List");
        AddCollection(compilation, "System.Collections.Generic.IList`1", "CreateIListInfo", null);
        AddCollection(compilation, "System.Collections.Generic.ICollection`1", "CreateICollectionInfo", null);
        AddCollection(compilation, "System.Collections.Generic.IReadOnlyList`1", "CreateIEnumerableInfo", null);
        AddCollection(compilation, "System.Collections.Generic.IReadOnlyCollection`1", "CreateIEnumerableInfo", null);
        AddCollection(compilation, "System.Collections.Generic.IEnumerable`1", "CreateIEnumerableInfo", null);
        AddCollection(compilation, "System.Collections.Generic.HashSet`1", "CreateISetInfo", "global::System.Collections.Generic.HashSet");
        AddDictionary(compilation, "System.Collections.Generic.Dictionary`2", "CreateDictionaryInfo");
        AddDictionary(compilation, "System.Collections.Generic.IDictionary`2", "CreateIDictionaryInfo");
        AddDictionary(compilation, "System.Collections.Generic.IReadOnlyDictionary`2", "CreateIReadOnlyDictionaryInfo");
        _jsonPropertyName = compilation.GetTypeByMetadataName("System.Text.Json.Serialization.JsonPropertyNameAttribute");
        _jsonIgnore = compilation.GetTypeByMetadataName("System.Text.Json.Serialization.JsonIgnoreAttribute");
        _jsonConstructor = compilation.GetTypeByMetadataName("System.Text.Json.Serialization.JsonConstructorAttribute");
        _jsonInclude = compilation.GetTypeByMetadataName("System.Text.Json.Serialization.JsonIncludeAttribute");
    }

    /// <summary>The specs of every type described so far, in discovery order.</summary>
    public IReadOnlyList<JsonTypeSpec> Specs => _ordered;

    public static string Key(ITypeSymbol type)
        => type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(KeyFormat);

    // Fully qualified, without nullable reference annotations (JsonTypeInfo<string?> is JsonTypeInfo<string>).
    private static readonly SymbolDisplayFormat KeyFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .WithMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers | SymbolDisplayMiscellaneousOptions.UseSpecialTypes);

    /// <summary>Describes <paramref name="type"/> and what it contains; on failure returns the reason.</summary>
    public string? TryAdd(ITypeSymbol type)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        type = type.WithNullableAnnotation(NullableAnnotation.NotAnnotated);
        if (_specs.TryGetValue(type, out var existing))
        {
            // Null while in progress: a recursive type, fine for metadata (resolved lazily by STJ).
            return null;
        }

        _specs[type] = null;
        var error = Describe(type, out var spec);
        if (error is not null)
        {
            _specs.Remove(type);
            return error;
        }

        _specs[type] = spec;
        _ordered.Add(spec!);
        return null;
    }

    private string? Describe(ITypeSymbol type, out JsonTypeSpec? spec)
    {
        spec = null;
        var key = Key(type);
        if (SpecialConverters.TryGetValue(type.SpecialType, out var special))
        {
            spec = Simple(key, special.Member, JsonTypeKind.Builtin, special.Converter, null, type.IsValueType);
            return null;
        }

        if (_namedConverters.TryGetValue(type, out var named))
        {
            spec = Simple(key, named.Member, JsonTypeKind.Builtin, named.Converter, null, type.IsValueType);
            return null;
        }

        if (type is IArrayTypeSymbol array)
        {
            if (!array.IsSZArray)
            {
                return "multi-dimensional arrays are not supported";
            }

            if (array.ElementType.SpecialType == SpecialType.System_Byte)
            {
                spec = Simple(key, "ByteArray", JsonTypeKind.Builtin, "ByteArrayConverter", null, false);
                return null;
            }

            var elementError = TryAdd(array.ElementType);
            if (elementError is not null)
            {
                return elementError;
            }

            spec = Simple(key, MemberName(array.ElementType) + "Array", JsonTypeKind.Array, null, Key(array.ElementType), false);
            return null;
        }

        if (type is not INamedTypeSymbol namedType)
        {
            return type.TypeKind switch
            {
                TypeKind.Pointer or TypeKind.FunctionPointer => "pointers are not supported",
                TypeKind.TypeParameter => "open generic types are not supported",
                TypeKind.Dynamic => "dynamic is not supported",
                _ => "this kind of type is not supported",
            };
        }

        if (namedType.IsRefLikeType)
        {
            return "ref structs cannot be serialized";
        }

        if (namedType.IsUnboundGenericType || namedType.TypeArguments.Any(t => t.TypeKind == TypeKind.TypeParameter))
        {
            return "open generic types are not supported";
        }

        if (!IsAccessible(namedType))
        {
            return "the type is not accessible from the assembly (private or protected)";
        }

        if (namedType.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
        {
            var underlying = namedType.TypeArguments[0];
            var error = TryAdd(underlying);
            if (error is not null)
            {
                return error;
            }

            spec = Simple(key, "Nullable" + MemberName(underlying), JsonTypeKind.Nullable, null, Key(underlying), true);
            return null;
        }

        if (namedType.TypeKind == TypeKind.Enum)
        {
            spec = Simple(key, MemberName(namedType), JsonTypeKind.Enum, null, null, true);
            return null;
        }

        if (namedType.IsGenericType && _collections.TryGetValue(namedType.OriginalDefinition, out var collection))
        {
            var element = namedType.TypeArguments[0];
            var error = TryAdd(element);
            if (error is not null)
            {
                return error;
            }

            var creator = collection.Creator is null ? null : $"{collection.Creator}<{Key(element)}>";
            spec = Simple(key, MemberName(namedType), JsonTypeKind.Collection, collection.Factory, Key(element), false, creator);
            return null;
        }

        if (namedType.IsGenericType && _dictionaries.TryGetValue(namedType.OriginalDefinition, out var dictionaryFactory))
        {
            if (namedType.TypeArguments[0].SpecialType != SpecialType.System_String)
            {
                return "only dictionaries with string keys are supported";
            }

            var keyError = TryAdd(namedType.TypeArguments[0]);
            var valueType = namedType.TypeArguments[1];
            var error = keyError ?? TryAdd(valueType);
            if (error is not null)
            {
                return error;
            }

            var dictionaryCreator = $"global::System.Collections.Generic.Dictionary<string, {Key(valueType)}>";
            spec = Simple(key, MemberName(namedType), JsonTypeKind.Dictionary, dictionaryFactory, Key(valueType), false, dictionaryCreator);
            return null;
        }

        return DescribeObject(namedType, key, out spec);
    }

    private string? DescribeObject(INamedTypeSymbol type, string key, out JsonTypeSpec? spec)
    {
        spec = null;
        if (type.SpecialType == SpecialType.System_Object)
        {
            return "'object' has no fixed shape; use a concrete type";
        }

        if (type.TypeKind == TypeKind.Interface)
        {
            return "interfaces other than the supported collection interfaces cannot be deserialized";
        }

        if (type.TypeKind == TypeKind.Delegate)
        {
            return "delegates cannot be serialized";
        }

        if (type.TypeKind is not (TypeKind.Class or TypeKind.Struct))
        {
            return "this kind of type is not supported";
        }

        if (IsFrameworkType(type))
        {
            return "this framework type is not supported";
        }

        if (type.IsAbstract || type.IsStatic)
        {
            return "abstract and static types cannot be created";
        }

        if (type.IsTupleType)
        {
            return "tuples are not supported";
        }

        // Properties: public, instance, non-indexer, with a public getter; most derived first.
        var properties = new List<(IPropertySymbol Symbol, JsonPropertySpec Spec)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var current = type; current is not null && current.SpecialType is not (SpecialType.System_Object or SpecialType.System_ValueType); current = current.BaseType)
        {
            foreach (var property in current.GetMembers().OfType<IPropertySymbol>())
            {
                if (property.IsStatic || property.IsIndexer || property.DeclaredAccessibility != Accessibility.Public
                    || !seen.Add(property.Name))
                {
                    continue;
                }

                if (property.GetMethod is not { DeclaredAccessibility: Accessibility.Public })
                {
                    continue;
                }

                var ignoreCondition = GetIgnoreCondition(property);
                if (ignoreCondition == 1)
                {
                    continue; // JsonIgnoreCondition.Always: not part of the contract.
                }

                var error = TryAdd(property.Type);
                if (error is not null)
                {
                    return $"property '{property.Name}' has type '{property.Type.ToDisplayString()}': {error}";
                }

                var setter = property.SetMethod is { DeclaredAccessibility: Accessibility.Public } s ? s : null;
                properties.Add((property, new JsonPropertySpec(
                    Literals.Identifier(property.Name),
                    property.Name,
                    GetJsonName(property),
                    Key(property.Type),
                    Key(current),
                    setter is { IsInitOnly: false },
                    setter is { IsInitOnly: true },
                    property.IsRequired,
                    ignoreCondition)));
            }
        }

        // The constructor, chosen as System.Text.Json does: [JsonConstructor], else the public
        // parameterless one, else the only public one.
        var constructors = type.InstanceConstructors.Where(c => c.DeclaredAccessibility == Accessibility.Public && !IsCopyConstructor(c, type)).ToList();
        var constructor = constructors.FirstOrDefault(c => _jsonConstructor is not null && c.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, _jsonConstructor)));
        if (constructor is null)
        {
            constructor = constructors.FirstOrDefault(c => c.Parameters.Length == 0);
            if (constructor is null && type.IsValueType)
            {
                constructor = null; // new T() always exists for structs.
            }
            else if (constructor is null)
            {
                if (constructors.Count != 1)
                {
                    return constructors.Count == 0
                        ? "it has no public constructor"
                        : "it has several public constructors; mark one with [JsonConstructor]";
                }

                constructor = constructors[0];
            }
        }

        var parameters = new List<JsonParameterSpec>();
        var matched = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (constructor is not null)
        {
            foreach (var parameter in constructor.Parameters)
            {
                if (parameter.RefKind != RefKind.None)
                {
                    return $"constructor parameter '{parameter.Name}' is passed by reference";
                }

                var match = properties.FirstOrDefault(p => string.Equals(p.Spec.ClrName, parameter.Name, StringComparison.OrdinalIgnoreCase));
                if (match.Spec is null || !SymbolEqualityComparer.Default.Equals(match.Symbol.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated), parameter.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated)))
                {
                    return $"constructor parameter '{parameter.Name}' does not match a public property of the same type";
                }

                matched.Add(parameter.Name);
                string? defaultValue = null;
                if (parameter.HasExplicitDefaultValue)
                {
                    defaultValue = Literals.Constant(parameter.Type, parameter.ExplicitDefaultValue, Key(parameter.Type));
                    if (defaultValue is null)
                    {
                        return $"the default value of constructor parameter '{parameter.Name}' cannot be written";
                    }
                }

                parameters.Add(new JsonParameterSpec(parameter.Name, null, Key(parameter.Type), defaultValue));
            }
        }

        var constructorArgumentCount = parameters.Count;

        // init-only and required properties cannot be set after construction: set them in the object initializer.
        foreach (var (_, property) in properties)
        {
            if ((property.IsInitOnly || property.IsRequired) && (property.IsInitOnly || property.HasSetter) && !matched.Contains(property.ClrName))
            {
                parameters.Add(new JsonParameterSpec(property.ClrName, property.Name, property.TypeName, null));
            }
        }

        var useParameterized = parameters.Count > 0;
        spec = new JsonTypeSpec(
            key,
            MemberName(type),
            JsonTypeKind.Object,
            null,
            null,
            null,
            type.IsValueType,
            properties.Select(p => p.Spec).ToEquatableArray(),
            parameters.ToEquatableArray(),
            constructorArgumentCount,
            useParameterized);
        return null;
    }

    private static bool IsCopyConstructor(IMethodSymbol constructor, INamedTypeSymbol type)
        => type.IsRecord && constructor.Parameters.Length == 1 && SymbolEqualityComparer.Default.Equals(constructor.Parameters[0].Type, type);

    private int? GetIgnoreCondition(IPropertySymbol property)
    {
        var attribute = property.GetAttributes().FirstOrDefault(a => _jsonIgnore is not null && SymbolEqualityComparer.Default.Equals(a.AttributeClass, _jsonIgnore));
        if (attribute is null)
        {
            return null;
        }

        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.Key == "Condition" && argument.Value.Value is int condition)
            {
                return condition == 0 ? null : condition; // Never (0) is the default behaviour.
            }
        }

        return 1; // Always
    }

    private string? GetJsonName(IPropertySymbol property)
    {
        var attribute = property.GetAttributes().FirstOrDefault(a => _jsonPropertyName is not null && SymbolEqualityComparer.Default.Equals(a.AttributeClass, _jsonPropertyName));
        return attribute is { ConstructorArguments.Length: 1 } && attribute.ConstructorArguments[0].Value is string name ? name : null;
    }

    private static bool IsFrameworkType(INamedTypeSymbol type)
    {
        var ns = type.ContainingNamespace;
        while (ns is { IsGlobalNamespace: false, ContainingNamespace.IsGlobalNamespace: false })
        {
            ns = ns.ContainingNamespace;
        }

        return ns is { IsGlobalNamespace: false, Name: "System" or "Microsoft" } && type.ContainingAssembly is { } assembly
            && (assembly.Name.StartsWith("System", StringComparison.Ordinal) || assembly.Name.StartsWith("Microsoft", StringComparison.Ordinal) || assembly.Name is "mscorlib" or "netstandard");
    }

    public static bool IsAccessible(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
        {
            if (current.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
            {
                return false;
            }
        }

        return type.TypeArguments.OfType<INamedTypeSymbol>().All(IsAccessible);
    }

    private static JsonTypeSpec Simple(string key, string member, JsonTypeKind kind, string? converter, string? element, bool isValueType, string? creator = null)
        => new(key, member, kind, converter, element, creator, isValueType, EquatableArray<JsonPropertySpec>.Empty, EquatableArray<JsonParameterSpec>.Empty, 0, false);

    private string MemberName(ITypeSymbol type)
    {
        if (SpecialConverters.TryGetValue(type.SpecialType, out var special))
        {
            return special.Member;
        }

        if (_namedConverters.TryGetValue(type.WithNullableAnnotation(NullableAnnotation.NotAnnotated), out var named))
        {
            return named.Member;
        }

        return type switch
        {
            IArrayTypeSymbol array => MemberName(array.ElementType) + "Array",
            INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable => "Nullable" + MemberName(nullable.TypeArguments[0]),
            INamedTypeSymbol { IsGenericType: true } generic => generic.Name + string.Concat(generic.TypeArguments.Select(MemberName)),
            _ => type.Name,
        };
    }

    private void AddCollection(Compilation compilation, string metadataName, string factory, string? creator)
    {
        if (compilation.GetTypeByMetadataName(metadataName) is { } type)
        {
            _collections[type] = (factory, creator);
        }
    }

    private void AddDictionary(Compilation compilation, string metadataName, string factory)
    {
        if (compilation.GetTypeByMetadataName(metadataName) is { } type)
        {
            _dictionaries[type] = factory;
        }
    }
}
