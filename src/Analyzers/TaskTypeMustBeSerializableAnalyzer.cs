using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using TypedTasks.Semantics;

namespace TypedTasks.Analyzers;

/// <summary>
/// TT0104: a task argument or result whose type can never round-trip through JSON (a delegate, a
/// stream, a ref struct, a Task…), directly or in a type argument, array element or public property
/// of the application's own types. Also, for the application's own types in a data position (the
/// argument or result itself, a property, an array or collection element): an interface or abstract
/// class without <c>[JsonDerivedType]</c>, and a class without a constructor System.Text.Json can use.
/// Framework types are judged only by the "never" list, as in xunit.analyzers' SerializabilityAnalyzer.
/// The generator's TT0101 says the same without the member path; this is the precise version.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TaskTypeMustBeSerializableAnalyzer : DiagnosticAnalyzer
{
    /// <summary>How many properties deep into the application's types the walk goes.</summary>
    private const int MaxMemberDepth = 4;

    private const string NoConstructor =
        "has no constructor System.Text.Json can use; add a public parameterless constructor or [JsonConstructor]";

    private static readonly (string MetadataName, string Reason)[] NeverSerializableBases =
    [
        ("System.Linq.Expressions.Expression", "an expression tree"),
        ("System.Threading.Tasks.Task", "a Task, a running operation rather than a value"),
        ("System.Threading.Tasks.ValueTask", "a ValueTask, a running operation rather than a value"),
        ("System.Threading.Tasks.ValueTask`1", "a ValueTask, a running operation rather than a value"),
        ("System.IO.Stream", "a stream, readable once and only in this process"),
        ("System.Threading.CancellationTokenSource", "a CancellationTokenSource, which exists only in this process"),
        ("System.Type", "reflection metadata"),
        ("System.Reflection.MemberInfo", "reflection metadata"),
    ];

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.TypeMustBeSerializable, Descriptors.TypeMustNotHaveBackReference);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var compilation = start.Compilation;
            var taskAttribute = compilation.GetTypeByMetadataName(TaskSymbols.TaskAttributeMetadataName);
            if (taskAttribute is null)
            {
                return;
            }

            var known = new Symbols(
                compilation.GetTypeByMetadataName(TaskSymbols.FromServicesAttributeMetadataName),
                compilation.GetTypeByMetadataName("System.Threading.CancellationToken"),
                compilation.GetTypeByMetadataName("System.Threading.Tasks.Task`1"),
                compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1"),
                compilation.GetTypeByMetadataName("System.Text.Json.Serialization.JsonIgnoreAttribute"),
                compilation.GetTypeByMetadataName("System.Text.Json.Serialization.JsonDerivedTypeAttribute"),
                compilation.GetTypeByMetadataName("System.Text.Json.Serialization.JsonConstructorAttribute"),
                compilation.Assembly,
                NeverSerializableBases
                    .Select(entry => (Type: compilation.GetTypeByMetadataName(entry.MetadataName), entry.Reason))
                    .Where(entry => entry.Type is not null)
                    .Select(entry => (entry.Type!, entry.Reason))
                    .ToImmutableArray());

            start.RegisterSymbolAction(symbolContext => Analyze(symbolContext, taskAttribute, known), SymbolKind.Method);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, INamedTypeSymbol taskAttribute, Symbols known)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (TaskSymbols.GetTaskAttribute(method, taskAttribute) is not { } attribute)
        {
            return;
        }

        var methodName = method.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
        foreach (var parameter in method.Parameters)
        {
            // Pointers and params spans are TT0003's: one problem, one report.
            if (!TaskSymbols.IsTaskArgument(parameter, known.FromServices, known.CancellationToken)
                || parameter.Type.TypeKind is TypeKind.Pointer or TypeKind.FunctionPointer
                || (parameter.IsParams && parameter.Type.IsRefLikeType))
            {
                continue;
            }

            var (problem, backReference) = Find(parameter.Type, known, context.CancellationToken);
            if (problem is null && backReference is null)
            {
                continue;
            }

            var location = TaskSymbols.GetParameterLocation(parameter, context.CancellationToken);
            Report(context, location, $"Parameter '{parameter.Name}'", methodName, problem, backReference);
        }

        // As in the generator: the result of an IgnoreResult task is never serialized.
        if (!IgnoresResult(attribute) && GetResultType(method, known) is { } result)
        {
            var (problem, backReference) = Find(result, known, context.CancellationToken);
            if (problem is not null || backReference is not null)
            {
                Report(context, GetReturnTypeLocation(method, context.CancellationToken), "The result", methodName, problem, backReference);
            }
        }
    }

    private static void Report(
        SymbolAnalysisContext context,
        Location location,
        string subject,
        string methodName,
        string? problem,
        BackReference? backReference)
    {
        if (problem is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.TypeMustBeSerializable, location, subject, methodName, problem));
        }

        if (backReference is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.TypeMustNotHaveBackReference,
                location,
                backReference.Path,
                backReference.Target,
                backReference.Example));
        }
    }

    private static bool IgnoresResult(AttributeData attribute)
        => attribute.NamedArguments.Any(argument => argument is { Key: "IgnoreResult", Value.Value: true });

    /// <summary>The task's result: the return type, unwrapping <c>Task&lt;T&gt;</c> and <c>ValueTask&lt;T&gt;</c>; none for void, Task, ValueTask.</summary>
    private static ITypeSymbol? GetResultType(IMethodSymbol method, Symbols known)
    {
        if (method.ReturnsVoid)
        {
            return null;
        }

        var type = method.ReturnType;
        if (type is INamedTypeSymbol { TypeArguments.Length: 1 } generic
            && (SymbolEqualityComparer.Default.Equals(generic.OriginalDefinition, known.TaskOfT)
                || SymbolEqualityComparer.Default.Equals(generic.OriginalDefinition, known.ValueTaskOfT)))
        {
            return generic.TypeArguments[0];
        }

        return type.ContainingNamespace?.ToDisplayString() == "System.Threading.Tasks" && type.Name is "Task" or "ValueTask"
            ? null
            : type;
    }

    private static Location GetReturnTypeLocation(IMethodSymbol method, CancellationToken cancellationToken)
    {
        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            switch (reference.GetSyntax(cancellationToken))
            {
                case MethodDeclarationSyntax declaration:
                    return declaration.ReturnType.GetLocation();
                case LocalFunctionStatementSyntax localFunction:
                    return localFunction.ReturnType.GetLocation();
            }
        }

        return TaskSymbols.GetIdentifierLocation(method);
    }

    /// <summary>
    /// One walk over <paramref name="root"/> for both rules. Problem (TT0104): the first part that can never
    /// be serialized, as "path: type is reason" (or "path: type has no constructor…"). Back-reference (TT0105):
    /// the first property that points back to an application type being walked through a collection or
    /// another type, or <see langword="null"/> for each.
    /// </summary>
    private static (string? Problem, BackReference? BackReference) Find(ITypeSymbol root, Symbols known, CancellationToken cancellationToken)
    {
        var rootName = Display(root);
        var onPath = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);

        // The application types whose properties are being walked, outermost first.
        var ancestors = new List<Ancestor>();
        BackReference? backReference = null;
        var problem = Walk(root, rootName, rootName, depth: 0, topLevel: true, data: true);
        return (problem, backReference);

        // data: the type's own shape is what JSON reads and writes (the argument or result, a property, an
        // element, a framework type's type argument), not a type argument of an application type, which may
        // be a marker (TypedId<TEntity>): those are walked through the properties that use them.
        // graphPath: path with "[]" for each array or collection element, as TT0105 shows it.
        string? Walk(ITypeSymbol type, string path, string graphPath, int depth, bool topLevel, bool data)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var problem = Classify(type, known, topLevel) is { } reason
                ? "is " + reason
                : data ? ClassifyShape(type, known, cancellationToken) : null;
            if (problem is not null)
            {
                var culprit = Display(type);
                return (path == culprit ? culprit : path + ": " + culprit) + " " + problem;
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
                        return Walk(array.ElementType, path, graphPath + "[]", depth, topLevel, data);
                    case INamedTypeSymbol named:
                        var argumentsAreData = data && !IsApplicationNamespace(named);
                        var argumentPath = IsElementCollection(named) ? graphPath + "[]" : graphPath;
                        foreach (var argument in named.TypeArguments)
                        {
                            if (Walk(argument, path, argumentPath, depth, topLevel: topLevel && IsCollection(named), argumentsAreData) is { } found)
                            {
                                return found;
                            }
                        }

                        if (data)
                        {
                            // The worker may create any of the listed types: each must serialize.
                            foreach (var derived in GetDerivedTypes(named, known))
                            {
                                var derivedSuffix = " (" + Display(derived) + ")";
                                if (Walk(derived, path + derivedSuffix, graphPath + derivedSuffix, depth, topLevel: false, data: true) is { } found)
                                {
                                    return found;
                                }
                            }
                        }

                        if (depth < MaxMemberDepth && IsApplicationType(named))
                        {
                            var properties = GetSerializedProperties(named, known).ToList();
                            // Inside a root collection (List<Order>), the path starts at the element type: Order.Lines[].Order.
                            var ancestor = new Ancestor(named, ancestors.Count == 0 ? Display(named) : graphPath);
                            ancestors.Add(ancestor);
                            try
                            {
                                foreach (var property in properties)
                                {
                                    backReference ??= FindBackReference(ancestor, property, properties);
                                    ancestor.Via = property;
                                    if (Walk(property.Type, path + "." + property.Name, ancestor.GraphPath + "." + property.Name, depth + 1, topLevel: false, data: true) is { } found)
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
                        current.GraphPath + "." + property.Name + (isCollection ? "[]" : ""),
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
                    current.GraphPath + "." + children.Name + "[]." + property.Name,
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
    private static string? ClassifyShape(ITypeSymbol type, Symbols known, CancellationToken cancellationToken)
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
            if (known.JsonDerivedType is null || HasAttribute(named, known.JsonDerivedType))
            {
                return null;
            }

            var example = FindImplementation(named, known.Assembly, cancellationToken) is { } implementation
                ? $"[JsonDerivedType(typeof({Display(implementation)}), \"{Discriminator(implementation.Name)}\")]"
                : "[JsonDerivedType(typeof(Implementation), \"name\")]";
            return $"is {kind} with no [JsonDerivedType], so the worker cannot tell which type to create; "
                + $"add {example} for each implementation, or use a concrete type";
        }

        return named.TypeKind == TypeKind.Class && !HasUsableConstructor(named, known) ? NoConstructor : null;
    }

    /// <summary>
    /// Whether System.Text.Json (and the generator, which chooses as it does) can create <paramref name="type"/>:
    /// a <c>[JsonConstructor]</c>, a public parameterless constructor, or a single public constructor
    /// (a record's primary constructor) whose parameters all match a public property by name and type.
    /// </summary>
    private static bool HasUsableConstructor(INamedTypeSymbol type, Symbols known)
    {
        if (known.JsonConstructor is { } jsonConstructor
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
    private static IEnumerable<INamedTypeSymbol> GetDerivedTypes(INamedTypeSymbol type, Symbols known)
    {
        if (known.JsonDerivedType is null)
        {
            yield break;
        }

        foreach (var attribute in type.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, known.JsonDerivedType)
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
                            : TaskSymbols.IsOrDerivesFrom(candidate, type))
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
    private static string? Classify(ITypeSymbol type, Symbols known, bool topLevel)
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

        foreach (var (baseType, reason) in known.NeverSerializable)
        {
            if (TaskSymbols.IsOrDerivesFrom(type, baseType))
            {
                return reason;
            }
        }

        return null;
    }

    /// <summary>Public instance properties with a getter that System.Text.Json would write, skipping [JsonIgnore].</summary>
    private static IEnumerable<IPropertySymbol> GetSerializedProperties(INamedTypeSymbol type, Symbols known)
    {
        var seen = new HashSet<string>();
        for (var current = type; current is not null && current.SpecialType != SpecialType.System_Object; current = current.BaseType)
        {
            foreach (var property in current.GetMembers().OfType<IPropertySymbol>())
            {
                if (property is { IsStatic: false, IsIndexer: false, GetMethod: not null, DeclaredAccessibility: Accessibility.Public }
                    && seen.Add(property.Name)
                    && (known.JsonIgnore is null
                        || !property.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, known.JsonIgnore))))
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

    /// <summary>The type as C# spells it, without a nullable annotation (<c>Stream</c>, not <c>Stream?</c>).</summary>
    private static string Display(ITypeSymbol type)
        => type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);

    /// <summary>An application type whose properties are being walked, and the property being walked now.</summary>
    private sealed class Ancestor(INamedTypeSymbol type, string graphPath)
    {
        public INamedTypeSymbol Type { get; } = type;

        public string GraphPath { get; } = graphPath;

        public IPropertySymbol? Via { get; set; }
    }

    /// <summary>A TT0105 finding: the path to the back-reference, the type it points to, and what makes the cycle.</summary>
    private sealed class BackReference(string path, string target, string example)
    {
        public string Path { get; } = path;

        public string Target { get; } = target;

        public string Example { get; } = example;
    }

    private sealed class Symbols(
        INamedTypeSymbol? fromServices,
        INamedTypeSymbol? cancellationToken,
        INamedTypeSymbol? taskOfT,
        INamedTypeSymbol? valueTaskOfT,
        INamedTypeSymbol? jsonIgnore,
        INamedTypeSymbol? jsonDerivedType,
        INamedTypeSymbol? jsonConstructor,
        IAssemblySymbol assembly,
        ImmutableArray<(INamedTypeSymbol Type, string Reason)> neverSerializable)
    {
        public INamedTypeSymbol? FromServices { get; } = fromServices;

        public INamedTypeSymbol? CancellationToken { get; } = cancellationToken;

        public INamedTypeSymbol? TaskOfT { get; } = taskOfT;

        public INamedTypeSymbol? ValueTaskOfT { get; } = valueTaskOfT;

        public INamedTypeSymbol? JsonIgnore { get; } = jsonIgnore;

        public INamedTypeSymbol? JsonDerivedType { get; } = jsonDerivedType;

        public INamedTypeSymbol? JsonConstructor { get; } = jsonConstructor;

        /// <summary>The compilation's own assembly, searched for an implementation to name in the message.</summary>
        public IAssemblySymbol Assembly { get; } = assembly;

        public ImmutableArray<(INamedTypeSymbol Type, string Reason)> NeverSerializable { get; } = neverSerializable;
    }
}
