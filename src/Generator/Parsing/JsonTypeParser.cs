using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using TypedTasks.Generator.Model;
using TypedTasks.Semantics;

namespace TypedTasks.Generator.Parsing;

/// <summary>
/// Describes a type and everything it contains (element, property and parameter types) as
/// <see cref="JsonTypeSpec"/>s, the way System.Text.Json's source generator would, or says why it cannot.
/// Whether a type can travel at all is <see cref="Serializability"/>'s to say (asked first, by <see cref="TaskParser"/>);
/// the reasons here are the limits of the emitted metadata, with the same <see cref="MemberPath"/> notation.
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
    private readonly INamedTypeSymbol? _jsonPolymorphic;
    private readonly INamedTypeSymbol? _jsonDerivedType;
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
        _jsonPolymorphic = compilation.GetTypeByMetadataName("System.Text.Json.Serialization.JsonPolymorphicAttribute");
        _jsonDerivedType = compilation.GetTypeByMetadataName("System.Text.Json.Serialization.JsonDerivedTypeAttribute");
    }

    // The JSON kind of the value each converter reads (System.Text.Json's defaults: enums are numbers, byte[] is base64).
    private static readonly Dictionary<string, string> ConverterKinds = new()
    {
        ["Boolean"] = "Boolean",
        ["Byte"] = "Integer",
        ["SByte"] = "Integer",
        ["Int16"] = "Integer",
        ["UInt16"] = "Integer",
        ["Int32"] = "Integer",
        ["UInt32"] = "Integer",
        ["Int64"] = "Integer",
        ["UInt64"] = "Integer",
        ["Int128"] = "Integer",
        ["UInt128"] = "Integer",
        ["Single"] = "Number",
        ["Double"] = "Number",
        ["Decimal"] = "Number",
        ["Half"] = "Number",
        ["JsonElement"] = "Any",
    };

    /// <summary>The specs of every type described so far, in discovery order.</summary>
    public IReadOnlyList<JsonTypeSpec> Specs => _ordered;

    public static string Key(ITypeSymbol type)
        => type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(KeyFormat);

    // Fully qualified, without nullable reference annotations (JsonTypeInfo<string?> is JsonTypeInfo<string>).
    private static readonly SymbolDisplayFormat KeyFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .WithMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers | SymbolDisplayMiscellaneousOptions.UseSpecialTypes);

    /// <summary>
    /// The <c>TaskArgumentKind</c> member naming the JSON value the metadata of <paramref name="type"/> reads, for the task
    /// catalog: the converter's for built-in types (strings for text, dates, times, ids, <c>byte[]</c>), <c>Integer</c> for
    /// enums, the underlying type's for <c>T?</c>, <c>Array</c> for arrays and collections, <c>Object</c> for the rest.
    /// </summary>
    public string ArgumentKind(ITypeSymbol type)
    {
        type = type.WithNullableAnnotation(NullableAnnotation.NotAnnotated);
        if (SpecialConverters.TryGetValue(type.SpecialType, out var special))
        {
            return ConverterKinds.TryGetValue(special.Member, out var kind) ? kind : "String";
        }

        if (_namedConverters.TryGetValue(type, out var named))
        {
            return ConverterKinds.TryGetValue(named.Member, out var kind) ? kind : "String";
        }

        return type switch
        {
            IArrayTypeSymbol { ElementType.SpecialType: SpecialType.System_Byte } => "String",
            IArrayTypeSymbol => "Array",
            INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable => ArgumentKind(nullable.TypeArguments[0]),
            INamedTypeSymbol { TypeKind: TypeKind.Enum } => "Integer",
            INamedTypeSymbol { IsGenericType: true } generic when _collections.ContainsKey(generic.OriginalDefinition) => "Array",
            _ => "Object",
        };
    }

    /// <summary>Whether System.Text.Json reads a JSON <c>null</c> for <paramref name="type"/>: reference types, <c>T?</c> and
    /// <c>JsonElement</c>; other value types refuse it.</summary>
    public static bool AcceptsNull(ITypeSymbol type)
        => !type.IsValueType
            || type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T
            || type.ToDisplayString() == "System.Text.Json.JsonElement";

    /// <summary>
    /// Describes <paramref name="type"/> and what it contains; on failure returns the reason, with the
    /// <see cref="MemberPath"/> to the part that failed.
    /// </summary>
    public string? TryAdd(ITypeSymbol type) => TryAdd(type, MemberPath.Root(type));

    private string? TryAdd(ITypeSymbol type, MemberPath path)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        type = type.WithNullableAnnotation(NullableAnnotation.NotAnnotated);
        if (_specs.TryGetValue(type, out var existing))
        {
            // Null while in progress: a recursive type, fine for metadata (resolved lazily by STJ).
            return null;
        }

        _specs[type] = null;
        var error = Describe(type, path, out var spec);
        if (error is not null)
        {
            _specs.Remove(type);
            return error;
        }

        _specs[type] = spec;
        _ordered.Add(spec!);
        return null;
    }

    private string? Describe(ITypeSymbol type, MemberPath path, out JsonTypeSpec? spec)
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
                return path.Prefix("multi-dimensional arrays are not supported");
            }

            if (array.ElementType.SpecialType == SpecialType.System_Byte)
            {
                spec = Simple(key, "ByteArray", JsonTypeKind.Builtin, "ByteArrayConverter", null, false);
                return null;
            }

            var elementError = TryAdd(array.ElementType, path.Element(array.ElementType));
            if (elementError is not null)
            {
                return elementError;
            }

            spec = Simple(key, MemberName(array.ElementType) + "Array", JsonTypeKind.Array, null, Key(array.ElementType), false);
            return null;
        }

        if (type is not INamedTypeSymbol namedType)
        {
            return path.Prefix(type.TypeKind switch
            {
                TypeKind.Pointer or TypeKind.FunctionPointer => "pointers are not supported",
                TypeKind.TypeParameter => "open generic types are not supported",
                TypeKind.Dynamic => "dynamic is not supported",
                _ => "this kind of type is not supported",
            });
        }

        if (namedType.IsRefLikeType)
        {
            return path.Prefix("ref structs cannot be serialized");
        }

        if (namedType.IsUnboundGenericType || namedType.TypeArguments.Any(t => t.TypeKind == TypeKind.TypeParameter))
        {
            return path.Prefix("open generic types are not supported");
        }

        if (!IsAccessible(namedType))
        {
            return path.Prefix("the type is not accessible from the assembly (private or protected)");
        }

        if (namedType.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
        {
            var underlying = namedType.TypeArguments[0];
            var error = TryAdd(underlying, path.Unwrap(underlying));
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
            var error = TryAdd(element, path.Element(element));
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
                return path.Prefix("only dictionaries with string keys are supported");
            }

            var keyError = TryAdd(namedType.TypeArguments[0], path.TypeArgument());
            var valueType = namedType.TypeArguments[1];
            var error = keyError ?? TryAdd(valueType, path.Element(valueType));
            if (error is not null)
            {
                return error;
            }

            var dictionaryCreator = $"global::System.Collections.Generic.Dictionary<string, {Key(valueType)}>";
            spec = Simple(key, MemberName(namedType), JsonTypeKind.Dictionary, dictionaryFactory, Key(valueType), false, dictionaryCreator);
            return null;
        }

        return DescribeObject(namedType, key, path, out spec);
    }

    private string? DescribeObject(INamedTypeSymbol type, string key, MemberPath path, out JsonTypeSpec? spec)
    {
        spec = null;
        if (type.SpecialType == SpecialType.System_Object)
        {
            return path.Prefix("'object' has no fixed shape; use a concrete type");
        }

        if (type.TypeKind == TypeKind.Delegate)
        {
            return path.Prefix("delegates cannot be serialized");
        }

        if (type.TypeKind is not (TypeKind.Class or TypeKind.Struct or TypeKind.Interface))
        {
            return path.Prefix("this kind of type is not supported");
        }

        if (type.TypeKind == TypeKind.Interface && IsFrameworkType(type))
        {
            return path.Prefix("interfaces other than the supported collection interfaces cannot be deserialized");
        }

        if (IsFrameworkType(type))
        {
            return path.Prefix("this framework type is not supported");
        }

        if (type.IsStatic)
        {
            return path.Prefix("static types cannot be created");
        }

        if (type.IsTupleType)
        {
            return path.Prefix("tuples are not supported");
        }

        // [JsonPolymorphic] / [JsonDerivedType]: checked as System.Text.Json checks them when it configures the type.
        var polymorphismError = ReadPolymorphism(type, out var polymorphism, out var derivedTypes);
        if (polymorphismError is not null)
        {
            return path.Prefix(polymorphismError);
        }

        // An abstract class or an interface is never created; it is serialized as one of its derived types.
        var isAbstract = type.TypeKind == TypeKind.Interface || type.IsAbstract;
        if (isAbstract && polymorphism is null)
        {
            return path.Prefix(type.TypeKind == TypeKind.Interface
                ? NotPolymorphic("interfaces other than the supported collection interfaces cannot be deserialized")
                : NotPolymorphic("abstract classes cannot be created"));
        }

        // Properties: public, instance, non-indexer, with a public getter; most derived first.
        var properties = new List<(IPropertySymbol Symbol, JsonPropertySpec Spec)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var current in TypeHierarchy(type))
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

                var error = TryAdd(property.Type, path.Property(property.Name));
                if (error is not null)
                {
                    return error;
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

        if (isAbstract)
        {
            spec = new JsonTypeSpec(
                key,
                MemberName(type),
                JsonTypeKind.Object,
                null,
                null,
                null,
                false,
                properties.Select(p => p.Spec).ToEquatableArray(),
                EquatableArray<JsonParameterSpec>.Empty,
                0,
                false,
                IsAbstract: true,
                Polymorphism: polymorphism);
            return DescribeDerivedTypes(type, spec, derivedTypes, path);
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
                    return path.Prefix(constructors.Count == 0
                        ? "it has no public constructor"
                        : "it has several public constructors; mark one with [JsonConstructor]");
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
                    return path.Prefix($"constructor parameter '{parameter.Name}' is passed by reference");
                }

                var match = properties.FirstOrDefault(p => string.Equals(p.Spec.ClrName, parameter.Name, StringComparison.OrdinalIgnoreCase));
                if (match.Spec is null || !SymbolEqualityComparer.Default.Equals(match.Symbol.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated), parameter.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated)))
                {
                    return path.Prefix($"constructor parameter '{parameter.Name}' does not match a public property of the same type");
                }

                matched.Add(parameter.Name);
                string? defaultValue = null;
                if (parameter.HasExplicitDefaultValue)
                {
                    defaultValue = Literals.Constant(parameter.Type, parameter.ExplicitDefaultValue, Key(parameter.Type));
                    if (defaultValue is null)
                    {
                        return path.Prefix($"the default value of constructor parameter '{parameter.Name}' cannot be written");
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
            useParameterized,
            Polymorphism: polymorphism);
        return DescribeDerivedTypes(type, spec, derivedTypes, path);
    }

    private static string NotPolymorphic(string reason)
        => reason + "; to serialize it polymorphically, add [JsonDerivedType(typeof(…), \"discriminator\")] attributes naming its concrete types";

    /// <summary>The type, then its base classes (a class) or the interfaces it extends (an interface): where its properties are declared.</summary>
    private static IEnumerable<INamedTypeSymbol> TypeHierarchy(INamedTypeSymbol type)
    {
        if (type.TypeKind == TypeKind.Interface)
        {
            yield return type;
            foreach (var extended in type.AllInterfaces)
            {
                yield return extended;
            }

            yield break;
        }

        for (var current = type; current is not null && current.SpecialType is not (SpecialType.System_Object or SpecialType.System_ValueType); current = current.BaseType)
        {
            yield return current;
        }
    }

    /// <summary>
    /// Reads <c>[JsonPolymorphic]</c> and <c>[JsonDerivedType]</c> declared on <paramref name="type"/> (not inherited, as
    /// System.Text.Json reads them) and rejects what System.Text.Json would reject at run time.
    /// </summary>
    private string? ReadPolymorphism(INamedTypeSymbol type, out JsonPolymorphismSpec? polymorphism, out List<INamedTypeSymbol> derivedTypes)
    {
        polymorphism = null;
        derivedTypes = new List<INamedTypeSymbol>();
        AttributeData? polymorphic = null;
        var derivedAttributes = new List<AttributeData>();
        foreach (var attribute in type.GetAttributes())
        {
            if (_jsonPolymorphic is not null && SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, _jsonPolymorphic))
            {
                polymorphic = attribute;
            }
            else if (_jsonDerivedType is not null && SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, _jsonDerivedType))
            {
                derivedAttributes.Add(attribute);
            }
        }

        if (polymorphic is null && derivedAttributes.Count == 0)
        {
            return null;
        }

        if (type.IsValueType || type.IsSealed)
        {
            return "[JsonPolymorphic] and [JsonDerivedType] need a class that is not sealed, or an interface";
        }

        if (derivedAttributes.Count == 0)
        {
            return "[JsonPolymorphic] needs at least one [JsonDerivedType] attribute";
        }

        string? discriminatorName = null;
        int? unknownHandling = null;
        bool? ignoreUnrecognized = null;
        foreach (var argument in polymorphic?.NamedArguments ?? Enumerable.Empty<KeyValuePair<string, TypedConstant>>())
        {
            switch (argument.Key)
            {
                case "TypeDiscriminatorPropertyName" when argument.Value.Value is string name:
                    discriminatorName = name;
                    break;
                case "UnknownDerivedTypeHandling" when argument.Value.Value is int handling:
                    unknownHandling = handling;
                    break;
                case "IgnoreUnrecognizedTypeDiscriminators" when argument.Value.Value is bool ignore:
                    ignoreUnrecognized = ignore;
                    break;
            }
        }

        if (discriminatorName is "$id" or "$ref" or "$values")
        {
            return $"the type discriminator property name '{discriminatorName}' is reserved for System.Text.Json metadata";
        }

        var derived = new List<JsonDerivedTypeSpec>();
        var discriminators = new HashSet<object>();
        foreach (var attribute in derivedAttributes)
        {
            if (attribute.ConstructorArguments.Length == 0 || attribute.ConstructorArguments[0].Value is not INamedTypeSymbol derivedType || derivedType.TypeKind == TypeKind.Error)
            {
                return "a [JsonDerivedType] attribute does not name a type";
            }

            var derivedName = derivedType.ToDisplayString();
            if (derivedType.IsUnboundGenericType)
            {
                return $"derived type '{derivedName}' is an open generic type";
            }

            if (!DerivesFrom(derivedType, type))
            {
                return $"derived type '{derivedName}' is not derived from '{type.ToDisplayString()}'";
            }

            if ((derivedType.IsAbstract || derivedType.TypeKind == TypeKind.Interface) && unknownHandling != 2)
            {
                return $"derived type '{derivedName}' is abstract; System.Text.Json allows that only with UnknownDerivedTypeHandling = FallBackToNearestAncestor";
            }

            if (derivedTypes.Any(d => SymbolEqualityComparer.Default.Equals(d, derivedType)))
            {
                return $"derived type '{derivedName}' is listed twice";
            }

            string? discriminator = null;
            if (attribute.ConstructorArguments.Length > 1)
            {
                var value = attribute.ConstructorArguments[1].Value;
                discriminator = value switch
                {
                    string text => Literals.String(text),
                    int number => number.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    _ => null,
                };
                if (discriminator is null)
                {
                    return $"the type discriminator of derived type '{derivedName}' must be a string or an int";
                }

                if (!discriminators.Add(value!))
                {
                    return $"type discriminator {discriminator} is used by several derived types";
                }
            }

            derivedTypes.Add(derivedType);
            derived.Add(new JsonDerivedTypeSpec(Key(derivedType), discriminator));
        }

        polymorphism = new JsonPolymorphismSpec(discriminatorName, unknownHandling, ignoreUnrecognized, derived.ToEquatableArray());
        return null;
    }

    /// <summary>Describes the derived types of a polymorphic type; their properties must not clash with the discriminator.</summary>
    private string? DescribeDerivedTypes(INamedTypeSymbol type, JsonTypeSpec spec, List<INamedTypeSymbol> derivedTypes, MemberPath path)
    {
        if (spec.Polymorphism is not { } polymorphism)
        {
            return null;
        }

        foreach (var derivedType in derivedTypes)
        {
            var error = TryAdd(derivedType, path.Derived(derivedType));
            if (error is not null)
            {
                return error;
            }
        }

        if (polymorphism.DerivedTypes.All(d => d.Discriminator is null))
        {
            return null;
        }

        // With discriminators, System.Text.Json rejects a property named like the discriminator property.
        var discriminatorName = polymorphism.TypeDiscriminatorPropertyName ?? "$type";
        foreach (var candidate in derivedTypes.Prepend(type))
        {
            var properties = SymbolEqualityComparer.Default.Equals(candidate, type)
                ? spec.Properties
                : _specs.TryGetValue(candidate, out var derivedSpec) && derivedSpec is not null ? derivedSpec.Properties : EquatableArray<JsonPropertySpec>.Empty;
            if (properties.FirstOrDefault(p => (p.JsonName ?? p.ClrName) == discriminatorName) is { } clash)
            {
                return path.Prefix($"property '{clash.ClrName}' of '{candidate.ToDisplayString()}' has the name of the type discriminator property '{discriminatorName}'");
            }
        }

        return null;
    }

    private static bool DerivesFrom(INamedTypeSymbol derived, INamedTypeSymbol baseType)
    {
        if (SymbolEqualityComparer.Default.Equals(derived, baseType))
        {
            return true;
        }

        if (baseType.TypeKind == TypeKind.Interface)
        {
            return derived.AllInterfaces.Contains(baseType, SymbolEqualityComparer.Default);
        }

        for (var current = derived.BaseType; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current, baseType))
            {
                return true;
            }
        }

        return false;
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
