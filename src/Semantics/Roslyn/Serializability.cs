using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace TypedTasks.Semantics;

/// <summary>
/// The one serializability classifier: whether a task argument or result can travel as JSON, and if not, where
/// (a <see cref="MemberPath"/>) and why. "Never" for what can never round-trip (a delegate, a stream, a ref struct,
/// a Task…), directly or in a type argument, array element or public property of the application's own types; and,
/// for the application's own types in a data position (the argument or result itself, a property, an array or
/// collection element), an interface or abstract class without <c>[JsonDerivedType]</c> and a class without a
/// constructor System.Text.Json can use. Framework types are judged only by the "never" list, as in xunit.analyzers'
/// SerializabilityAnalyzer. The analyzer reports what it finds (TT0104, TT0105); the generator asks it first and
/// reports the same words (TT0101), then adds only the limits of its own metadata emission.
/// </summary>
internal sealed class Serializability
{
    /// <summary>How many properties deep into the application's types the walk goes.</summary>
    private const int MaxMemberDepth = 4;

    private const string NoConstructor =
        "has no constructor System.Text.Json can use; add a public parameterless constructor or [JsonConstructor]";

    private static readonly (string MetadataName, string Reason)[] NeverSerializableBases =
    {
        ("System.Linq.Expressions.Expression", "an expression tree"),
        ("System.Threading.Tasks.Task", "a Task, a running operation rather than a value"),
        ("System.Threading.Tasks.ValueTask", "a ValueTask, a running operation rather than a value"),
        ("System.Threading.Tasks.ValueTask`1", "a ValueTask, a running operation rather than a value"),
        ("System.IO.Stream", "a stream, readable once and only in this process"),
        ("System.Threading.CancellationTokenSource", "a CancellationTokenSource, which exists only in this process"),
        ("System.Type", "reflection metadata"),
        ("System.Reflection.MemberInfo", "reflection metadata"),
    };

    private readonly INamedTypeSymbol? _jsonIgnore;
    private readonly INamedTypeSymbol? _jsonDerivedType;
    private readonly INamedTypeSymbol? _jsonConstructor;
    private readonly IAssemblySymbol _assembly;
    private readonly ImmutableArray<(INamedTypeSymbol Type, string Reason)> _neverSerializable;

    public Serializability(Compilation compilation)
    {
        _jsonIgnore = compilation.GetTypeByMetadataName("System.Text.Json.Serialization.JsonIgnoreAttribute");
        _jsonDerivedType = compilation.GetTypeByMetadataName("System.Text.Json.Serialization.JsonDerivedTypeAttribute");
        _jsonConstructor = compilation.GetTypeByMetadataName("System.Text.Json.Serialization.JsonConstructorAttribute");
        _assembly = compilation.Assembly;
        var never = ImmutableArray.CreateBuilder<(INamedTypeSymbol Type, string Reason)>();
        foreach (var (metadataName, reason) in NeverSerializableBases)
        {
            if (compilation.GetTypeByMetadataName(metadataName) is { } type)
            {
                never.Add((type, reason));
            }
        }

        _neverSerializable = never.ToImmutable();
    }

    /// <summary>
    /// One walk over <paramref name="root"/> for TT0104 and TT0105 (and the generator's TT0101, which asks first).
    /// Problem: the first part that can never be serialized, as "path: Type is reason" (or "path: Type has no
    /// constructor…"). Back-reference: the first property that points back to an application type being walked
    /// through a collection or another type. Paths are <see cref="MemberPath"/>s.
    /// </summary>
    public SerializabilityFinding Find(ITypeSymbol root, CancellationToken cancellationToken)
    {
        var onPath = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);

        // The application types whose properties are being walked, outermost first.
        var ancestors = new List<Ancestor>();
        BackReference? backReference = null;
        var problem = Walk(root, MemberPath.Root(root), depth: 0, topLevel: true, data: true);
        return new SerializabilityFinding(problem, backReference);

        // data: the type's own shape is what JSON reads and writes (the argument or result, a property, an
        // element, a framework type's type argument), not a type argument of an application type, which may
        // be a marker (TypedId<TEntity>): those are walked through the properties that use them.
        // isListed: listed by [JsonDerivedType]; whether it may be abstract is the base's [JsonPolymorphic] to say
        // (UnknownDerivedTypeHandling), which the generator checks.
        string? Walk(ITypeSymbol type, MemberPath path, int depth, bool topLevel, bool data, bool isListed = false)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var problem = Classify(type, topLevel) is { } reason
                ? "is " + reason
                : data ? ClassifyShape(type, isListed, cancellationToken) : null;
            if (problem is not null)
            {
                return path.Describe(type, problem);
            }

            if (!onPath.Add(type))
            {
                return null;
            }

            try
            {
                switch (type)
                {
                    case IArrayTypeSymbol array:
                        // `object[]` or `dynamic[]` is as untyped as `object`.
                        return Walk(array.ElementType, path.Element(array.ElementType), depth, topLevel, data);
                    case INamedTypeSymbol named:
                        var argumentsAreData = data && !IsApplicationNamespace(named);
                        foreach (var argument in named.TypeArguments)
                        {
                            var argumentPath = IsElementCollection(named) ? path.Element(argument)
                                : named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T ? path.Unwrap(argument)
                                : path.TypeArgument();
                            if (Walk(argument, argumentPath, depth, topLevel: topLevel && IsCollection(named), argumentsAreData) is { } found)
                            {
                                return found;
                            }
                        }

                        if (data)
                        {
                            // The worker may create any of the listed types: each must serialize.
                            foreach (var derived in GetDerivedTypes(named))
                            {
                                if (Walk(derived, path.Derived(derived), depth, topLevel: false, data: true, isListed: true) is { } found)
                                {
                                    return found;
                                }
                            }
                        }

                        if (depth < MaxMemberDepth && IsApplicationType(named))
                        {
                            var properties = GetSerializedProperties(named).ToList();
                            var ancestor = new Ancestor(named, path);
                            ancestors.Add(ancestor);
                            try
                            {
                                foreach (var property in properties)
                                {
                                    backReference ??= FindBackReference(ancestor, property, properties);
                                    ancestor.Via = property;
                                    if (Walk(property.Type, path.Property(property.Name), depth + 1, topLevel: false, data: true) is { } found)
                                    {
                                        return found;
                                    }
                                }
                            }
                            finally
                            {
                                ancestors.RemoveAt(ancestors.Count - 1);
                            }
                        }

                        break;
                }

                return null;
            }
            finally
            {
                onPath.Remove(type);
            }
        }

        // A property of current's type pointing at a type whose properties are being walked: a bidirectional
        // link, unless it is the type's own single reference to itself (a linked list) or collection of
        // itself (a tree). A single reference to itself next to a collection of itself is a child's link to
        // its parent. Found as the walk reaches the property, before onPath stops it at the ancestor.
        BackReference? FindBackReference(Ancestor current, IPropertySymbol property, List<IPropertySymbol> properties)
        {
            var (target, isCollection) = Referenced(property.Type);
            if (target is null)
            {
                return null;
            }

            if (!SymbolEqualityComparer.Default.Equals(target, current.Type))
            {
                var index = ancestors.FindIndex(a => SymbolEqualityComparer.Default.Equals(a.Type, target));
                return index < 0
                    ? null
                    : new BackReference(
                        (isCollection ? current.Path.Property(property.Name).Element(target) : current.Path.Property(property.Name)).ToString(),
                        Display(target),
                        Describe(target, ancestors[index].Via!));
            }

            if (isCollection)
            {
                return null;
            }

            var children = properties.FirstOrDefault(candidate => Referenced(candidate.Type) is { IsCollection: true } element
                && SymbolEqualityComparer.Default.Equals(element.Target, current.Type));
            return children is null
                ? null
                : new BackReference(
                    current.Path.Property(children.Name).Element(current.Type).Property(property.Name).ToString(),
                    Display(target),
                    Describe(target, children));
        }
    }

    /// <summary>
    /// The application type <paramref name="type"/> refers to as a property: itself (unwrapping <c>T?</c>),
    /// or the element of an array or collection (the value of a dictionary).
    /// </summary>
    private static (INamedTypeSymbol? Target, bool IsCollection) Referenced(ITypeSymbol type)
    {
        var isCollection = false;
        if (type is IArrayTypeSymbol array)
        {
            type = array.ElementType;
            isCollection = true;
        }
        else if (type is INamedTypeSymbol { TypeArguments.Length: > 0 } generic && !IsApplicationNamespace(generic))
        {
            if (generic.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
            {
                type = generic.TypeArguments[0];
            }
            else if (IsElementCollection(generic))
            {
                type = generic.TypeArguments[generic.TypeArguments.Length - 1];
                isCollection = true;
            }
        }

        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
        {
            type = nullable.TypeArguments[0];
        }

        return type is INamedTypeSymbol named && IsApplicationType(named) ? (named, isCollection) : (null, false);
    }

    /// <summary>"an order with lines", "an order with a customer": what makes the cycle, for the message.</summary>
    private static string Describe(INamedTypeSymbol target, IPropertySymbol via)
    {
        var words = Words(via.Name);
        var what = Referenced(via.Type).IsCollection ? words : Article(words) + " " + words;
        var name = Words(target.Name);
        return Article(name) + " " + name + " with " + what;
    }

    private static string Article(string word)
        => word.Length > 0 && "aeiou".IndexOf(word[0]) >= 0 ? "an" : "a";

    /// <summary><c>OrderLine</c> → <c>order line</c>.</summary>
    private static string Words(string name)
    {
        var builder = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]) && !char.IsUpper(name[i - 1]))
            {
                builder.Append(' ');
            }

            builder.Append(char.ToLowerInvariant(name[i]));
        }

        return builder.ToString();
    }

    /// <summary>
    /// Why System.Text.Json cannot create the application type <paramref name="type"/> when reading it,
    /// as a predicate ("is an interface…", "has no constructor…"), or <see langword="null"/>.
    /// </summary>
    private string? ClassifyShape(ITypeSymbol type, bool derived, CancellationToken cancellationToken)
    {
        if (type is not INamedTypeSymbol named || !IsApplicationNamespace(named) || named.IsStatic)
        {
            return null;
        }

        var kind = named.TypeKind switch
        {
            TypeKind.Interface => "an interface",
            TypeKind.Class when named.IsAbstract => "an abstract class",
            _ => null,
        };
        if (kind is not null)
        {
            if (derived || _jsonDerivedType is null || HasAttribute(named, _jsonDerivedType))
            {
                return null;
            }

            var example = FindImplementation(named, _assembly, cancellationToken) is { } implementation
                ? $"[JsonDerivedType(typeof({Display(implementation)}), \"{Discriminator(implementation.Name)}\")]"
                : "[JsonDerivedType(typeof(Implementation), \"name\")]";
            return $"is {kind} with no [JsonDerivedType], so the worker cannot tell which type to create; "
                + $"add {example} for each implementation, or use a concrete type";
        }

        return named.TypeKind == TypeKind.Class && !HasUsableConstructor(named) ? NoConstructor : null;
    }

    /// <summary>
    /// Whether System.Text.Json (and the generator, which chooses as it does) can create <paramref name="type"/>:
    /// a <c>[JsonConstructor]</c>, a public parameterless constructor, or a single public constructor
    /// (a record's primary constructor) whose parameters all match a public property by name and type.
    /// </summary>
    private bool HasUsableConstructor(INamedTypeSymbol type)
    {
        if (_jsonConstructor is { } jsonConstructor
            && type.InstanceConstructors.Any(constructor => HasAttribute(constructor, jsonConstructor)))
        {
            return true;
        }

        var constructors = type.InstanceConstructors
            .Where(constructor => constructor.DeclaredAccessibility == Accessibility.Public && !IsCopyConstructor(constructor, type))
            .ToList();
        if (constructors.Any(constructor => constructor.Parameters.IsEmpty))
        {
            return true;
        }

        if (constructors.Count != 1)
        {
            return false;
        }

        // Every public readable property, [JsonIgnore] or not: matching more than System.Text.Json keeps this conservative.
        var properties = new List<IPropertySymbol>();
        for (var current = type; current is not null && current.SpecialType != SpecialType.System_Object; current = current.BaseType)
        {
            properties.AddRange(current.GetMembers().OfType<IPropertySymbol>()
                .Where(property => property is { IsStatic: false, IsIndexer: false, GetMethod: not null, DeclaredAccessibility: Accessibility.Public }));
        }

        return constructors[0].Parameters.All(parameter => properties.Any(property =>
            string.Equals(property.Name, parameter.Name, System.StringComparison.OrdinalIgnoreCase)
            && SymbolEqualityComparer.Default.Equals(
                property.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated),
                parameter.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated))));
    }

    /// <summary>A record's copy constructor, which System.Text.Json never uses.</summary>
    private static bool IsCopyConstructor(IMethodSymbol constructor, INamedTypeSymbol type)
        => type.IsRecord
            && constructor.Parameters.Length == 1
            && SymbolEqualityComparer.Default.Equals(constructor.Parameters[0].Type.OriginalDefinition, type.OriginalDefinition);

    /// <summary>The types named by <c>[JsonDerivedType(typeof(X), …)]</c> on <paramref name="type"/>.</summary>
    private IEnumerable<INamedTypeSymbol> GetDerivedTypes(INamedTypeSymbol type)
    {
        if (_jsonDerivedType is null)
        {
            yield break;
        }

        foreach (var attribute in type.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, _jsonDerivedType)
                && attribute.ConstructorArguments.Length > 0
                && attribute.ConstructorArguments[0].Value is INamedTypeSymbol { IsUnboundGenericType: false } derived)
            {
                yield return derived;
            }
        }
    }

    /// <summary>A concrete, non-generic type of this compilation that derives from or implements <paramref name="type"/>, to name in the message.</summary>
    private static INamedTypeSymbol? FindImplementation(INamedTypeSymbol type, IAssemblySymbol assembly, CancellationToken cancellationToken)
    {
        INamedTypeSymbol? best = null;
        var pending = new Stack<INamespaceOrTypeSymbol>();
        pending.Push(assembly.GlobalNamespace);
        while (pending.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var current = pending.Pop();
            foreach (var member in current.GetMembers())
            {
                if (member is INamespaceSymbol ns)
                {
                    pending.Push(ns);
                }
                else if (member is INamedTypeSymbol candidate)
                {
                    pending.Push(candidate);
                    if (candidate is { TypeKind: TypeKind.Class or TypeKind.Struct, IsAbstract: false, IsStatic: false, IsGenericType: false }
                        && (type.TypeKind == TypeKind.Interface
                            ? candidate.AllInterfaces.Contains(type, SymbolEqualityComparer.Default)
                            : IsOrDerivesFrom(candidate, type))
                        && (best is null || string.CompareOrdinal(candidate.Name, best.Name) < 0))
                    {
                        best = candidate;
                    }
                }
            }
        }

        return best;
    }

    /// <summary>A type discriminator in the usual camelCase: <c>Circle</c> → <c>circle</c>.</summary>
    private static string Discriminator(string name)
        => name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name.Substring(1);

    private static bool HasAttribute(ISymbol symbol, INamedTypeSymbol attributeClass)
        => symbol.GetAttributes().Any(attribute => SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, attributeClass));

    /// <summary>Why <paramref name="type"/> itself can never be serialized, or <see langword="null"/>.</summary>
    private string? Classify(ITypeSymbol type, bool topLevel)
    {
        switch (type.TypeKind)
        {
            case TypeKind.Delegate:
                return "a delegate, code rather than data";
            case TypeKind.Pointer or TypeKind.FunctionPointer:
                return "a pointer into this process's memory";
            case TypeKind.Dynamic when topLevel:
                return "untyped, so the worker cannot tell what to rebuild";
        }

        if (type.SpecialType is SpecialType.System_IntPtr or SpecialType.System_UIntPtr)
        {
            return "a native handle or address";
        }

        // Inside an application type, System.Text.Json writes an object property by its runtime type: allowed.
        if (type.SpecialType == SpecialType.System_Object && topLevel)
        {
            return "untyped, so the worker cannot tell what to rebuild";
        }

        if (type.IsRefLikeType)
        {
            return "a ref struct, which cannot leave the stack";
        }

        foreach (var (baseType, reason) in _neverSerializable)
        {
            if (IsOrDerivesFrom(type, baseType))
            {
                return reason;
            }
        }

        return null;
    }

    /// <summary>Public instance properties with a getter that System.Text.Json would write, skipping [JsonIgnore].</summary>
    private IEnumerable<IPropertySymbol> GetSerializedProperties(INamedTypeSymbol type)
    {
        var seen = new HashSet<string>();
        for (var current = type; current is not null && current.SpecialType != SpecialType.System_Object; current = current.BaseType)
        {
            foreach (var property in current.GetMembers().OfType<IPropertySymbol>())
            {
                if (property is { IsStatic: false, IsIndexer: false, GetMethod: not null, DeclaredAccessibility: Accessibility.Public }
                    && seen.Add(property.Name)
                    && (_jsonIgnore is null
                        || !property.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, _jsonIgnore))))
                {
                    yield return property;
                }
            }
        }
    }

    /// <summary>Classes and structs of the application, whose properties are walked; framework types are judged by name.</summary>
    private static bool IsApplicationType(INamedTypeSymbol type)
        => type.TypeKind is TypeKind.Class or TypeKind.Struct && IsApplicationNamespace(type);

    /// <summary>Whether <paramref name="type"/> is not a framework type: outside <c>System.*</c> and <c>Microsoft.*</c>.</summary>
    private static bool IsApplicationNamespace(INamedTypeSymbol type)
    {
        if (type.SpecialType != SpecialType.None)
        {
            return false;
        }

        var ns = type.ContainingNamespace;
        while (ns is { ContainingNamespace.IsGlobalNamespace: false })
        {
            ns = ns.ContainingNamespace;
        }

        return ns is null || ns.IsGlobalNamespace || ns.Name is not ("System" or "Microsoft");
    }

    /// <summary>Arrays' and collections' elements count as top level: <c>List&lt;object&gt;</c> is as untyped as <c>object</c>.</summary>
    private static bool IsCollection(INamedTypeSymbol type)
        => type.AllInterfaces.Any(i => i.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T)
            || type.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T
            || type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T;

    /// <summary>A collection of elements (not <c>Nullable&lt;T&gt;</c>): its type arguments are shown as <c>[]</c> in a TT0105 path.</summary>
    private static bool IsElementCollection(INamedTypeSymbol type)
        => type.OriginalDefinition.SpecialType != SpecialType.System_Nullable_T && IsCollection(type);

    private static string Display(ITypeSymbol type) => MemberPath.Display(type);

    private static bool IsOrDerivesFrom(ITypeSymbol type, INamedTypeSymbol baseType)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, baseType))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>An application type whose properties are being walked, and the property being walked now.</summary>
    private sealed class Ancestor(INamedTypeSymbol type, MemberPath path)
    {
        public INamedTypeSymbol Type { get; } = type;

        public MemberPath Path { get; } = path;

        public IPropertySymbol? Via { get; set; }
    }

    /// <summary>A TT0105 finding: the path to the back-reference, the type it points to, and what makes the cycle.</summary>
    internal sealed class BackReference(string path, string target, string example)
    {
        public string Path { get; } = path;

        public string Target { get; } = target;

        public string Example { get; } = example;
    }
}

/// <summary>What <see cref="Serializability.Find"/> found: a problem (TT0104/TT0101), a back-reference (TT0105), either or neither.</summary>
internal sealed class SerializabilityFinding(string? problem, Serializability.BackReference? backReference)
{
    /// <summary>"path: Type is reason", or <see langword="null"/> when nothing makes the type unserializable.</summary>
    public string? Problem { get; } = problem;

    public Serializability.BackReference? BackReference { get; } = backReference;
}
