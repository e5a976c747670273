namespace TypedTasks.Generator.Model;

internal enum JsonTypeKind
{
    /// <summary>A type with a converter on <c>JsonMetadataServices</c> (<c>Int32Converter</c>, …).</summary>
    Builtin,
    Enum,
    Nullable,
    Array,
    Collection,
    Dictionary,
    Object,
}

/// <summary>
/// How to build the <c>JsonTypeInfo&lt;T&gt;</c> of one type with <c>JsonMetadataServices</c>.
/// </summary>
/// <param name="FullName">The fully qualified type without nullable annotations; the key.</param>
/// <param name="MemberName">A readable identifier for the type (e.g. <c>ListInt32</c>); made unique by the emitter.</param>
/// <param name="Converter">Builtin: the converter property; Collection/Dictionary: the <c>JsonMetadataServices.Create…Info</c> method.</param>
/// <param name="ElementTypeName">Nullable: the underlying type; Array/Collection: the element; Dictionary: the value type.</param>
/// <param name="CollectionCreator">Collection/Dictionary: the concrete type to create, or <see langword="null"/>.</param>
/// <param name="IsValueType">Whether the type is a value type.</param>
/// <param name="Properties">Object: the properties.</param>
/// <param name="ConstructorParameters">Object: the constructor parameters then the property initializers, by position; empty when created with <c>new T()</c> and setters.</param>
/// <param name="ConstructorArgumentCount">Object: how many of <paramref name="ConstructorParameters"/> are constructor arguments (the rest are property initializers).</param>
/// <param name="UseParameterizedConstructor">Object: whether the creator takes the argument array.</param>
/// <param name="IsAbstract">Object: an abstract class or an interface; it has no creator (only its derived types are created).</param>
/// <param name="Polymorphism">Object: the <c>[JsonPolymorphic]</c>/<c>[JsonDerivedType]</c> configuration, or <see langword="null"/>.</param>
internal sealed record JsonTypeSpec(
    string FullName,
    string MemberName,
    JsonTypeKind Kind,
    string? Converter,
    string? ElementTypeName,
    string? CollectionCreator,
    bool IsValueType,
    EquatableArray<JsonPropertySpec> Properties,
    EquatableArray<JsonParameterSpec> ConstructorParameters,
    int ConstructorArgumentCount,
    bool UseParameterizedConstructor,
    bool IsAbstract = false,
    JsonPolymorphismSpec? Polymorphism = null);

/// <summary>The polymorphism options of a base type, from <c>[JsonPolymorphic]</c> and <c>[JsonDerivedType]</c>.</summary>
/// <param name="TypeDiscriminatorPropertyName">The discriminator property name, when set.</param>
/// <param name="UnknownDerivedTypeHandling">The <c>JsonUnknownDerivedTypeHandling</c> value, when set.</param>
/// <param name="IgnoreUnrecognizedTypeDiscriminators">The flag, when set.</param>
/// <param name="DerivedTypes">The derived types, in attribute order.</param>
internal sealed record JsonPolymorphismSpec(
    string? TypeDiscriminatorPropertyName,
    int? UnknownDerivedTypeHandling,
    bool? IgnoreUnrecognizedTypeDiscriminators,
    EquatableArray<JsonDerivedTypeSpec> DerivedTypes);

/// <summary>A derived type of a polymorphic base type.</summary>
/// <param name="TypeName">The fully qualified derived type.</param>
/// <param name="Discriminator">The C# literal of the string or <see langword="int"/> discriminator, or <see langword="null"/> for none.</param>
internal sealed record JsonDerivedTypeSpec(string TypeName, string? Discriminator);

/// <summary>A serialized property of an object type.</summary>
/// <param name="Name">The C# name, escaped for use in code.</param>
/// <param name="ClrName">The C# name, unescaped (the JSON name unless <paramref name="JsonName"/> is set).</param>
/// <param name="JsonName">The name from <c>[JsonPropertyName]</c>, if any.</param>
/// <param name="TypeName">The property type without nullable annotations.</param>
/// <param name="DeclaringTypeName">The type that declares the property.</param>
/// <param name="HasSetter">Whether it has a public, non-init setter.</param>
/// <param name="IsInitOnly">Whether the setter is <c>init</c> (set through the creator instead).</param>
/// <param name="IsRequired">Whether it is <c>required</c>.</param>
/// <param name="IgnoreCondition">The <c>JsonIgnoreCondition</c> value of <c>[JsonIgnore]</c> other than Always, or <see langword="null"/>.</param>
internal sealed record JsonPropertySpec(
    string Name,
    string ClrName,
    string? JsonName,
    string TypeName,
    string DeclaringTypeName,
    bool HasSetter,
    bool IsInitOnly,
    bool IsRequired,
    int? IgnoreCondition);

/// <summary>A parameter of the creator of an object type.</summary>
/// <param name="Name">The parameter (or initialized property) name, unescaped.</param>
/// <param name="MemberName">For property initializers: the property name, escaped; else <see langword="null"/>.</param>
/// <param name="TypeName">The type without nullable annotations.</param>
/// <param name="DefaultValue">The C# literal of the default value, if the parameter has one.</param>
internal sealed record JsonParameterSpec(string Name, string? MemberName, string TypeName, string? DefaultValue);
