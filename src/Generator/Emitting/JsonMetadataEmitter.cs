using System.Collections.Generic;
using System.Linq;
using TypedTasks.Generator.Model;
using TypedTasks.Generator.Parsing;

namespace TypedTasks.Generator.Emitting;

/// <summary>
/// Emits <c>TypedTasks.JsonMetadata.g.cs</c>: <c>JsonTypeInfo&lt;T&gt;</c> for every argument and result type,
/// built with <c>JsonMetadataServices</c> as System.Text.Json's own generator does. Generators cannot see each
/// other's output, so a <c>[JsonSerializable]</c> context would never be filled in.
/// </summary>
internal static class JsonMetadataEmitter
{
    public const string HintName = "TypedTasks.JsonMetadata.g.cs";

    public static string Emit(EquatableArray<JsonTypeSpec> types)
    {
        var memberNames = UniqueMemberNames(types);
        var writer = new SourceWriter();
        writer.WriteHeader();
        writer.OpenBlock("namespace TypedTasks.Generated");
        writer.WriteLine("/// <summary>Source-generated JSON metadata of the task argument and result types of this assembly; no reflection.</summary>");
        writer.WriteLine(GeneratorInfo.GeneratedCodeAttribute);
        writer.OpenBlock("internal static class TypedTasksJsonMetadata");
        writer.WriteLine("/// <summary>The options every <see cref=\"Get{T}\"/> info belongs to: System.Text.Json defaults, read-only.</summary>");
        writer.WriteLine($"public static {Names.JsonSerializerOptions} Options {{ get; }} = CreateOptions();");
        writer.WriteLine();
        writer.WriteLine("/// <summary>The metadata of <typeparamref name=\"T\"/>, created once.</summary>");
        writer.WriteLine("/// <typeparam name=\"T\">A type this assembly's tasks take or return.</typeparam>");
        writer.WriteLine("/// <returns>The metadata.</returns>");
        writer.WriteLine($"public static {Names.JsonTypeInfo}<T> Get<T>() => Cache<T>.Value;");
        foreach (var type in types)
        {
            writer.WriteLine();
            writer.WriteLine($"/// <summary>The metadata of <c>{Xml(type.FullName)}</c>.</summary>");
            writer.WriteLine($"public static {Names.JsonTypeInfo}<{type.FullName}> {memberNames[type.FullName]} => Cache<{type.FullName}>.Value;");
        }

        writer.WriteLine();
        writer.OpenBlock($"private static {Names.JsonSerializerOptions} CreateOptions()");
        writer.WriteLine($"var options = new {Names.JsonSerializerOptions} {{ TypeInfoResolver = new Resolver() }};");
        writer.WriteLine("options.MakeReadOnly();");
        writer.WriteLine("return options;");
        writer.CloseBlock();
        writer.WriteLine();
        writer.OpenBlock("private static class Cache<T>");
        writer.WriteLine($"public static readonly {Names.JsonTypeInfo}<T> Value = ({Names.JsonTypeInfo}<T>)Options.GetTypeInfo(typeof(T));");
        writer.CloseBlock();
        writer.WriteLine();
        writer.OpenBlock($"private sealed class Resolver : {Names.Metadata}.IJsonTypeInfoResolver");
        writer.OpenBlock($"public {Names.JsonTypeInfo}? GetTypeInfo(global::System.Type type, {Names.JsonSerializerOptions} options)");
        foreach (var type in types)
        {
            writer.OpenBlock($"if (type == typeof({type.FullName}))");
            writer.WriteLine($"return Create_{memberNames[type.FullName]}(options);");
            writer.CloseBlock();
            writer.WriteLine();
        }

        writer.WriteLine("return null;");
        writer.CloseBlock();
        writer.CloseBlock();
        foreach (var type in types)
        {
            writer.WriteLine();
            EmitCreate(writer, type, memberNames[type.FullName]);
        }

        writer.CloseBlock();
        writer.CloseBlock();
        return writer.ToString();
    }

    private static Dictionary<string, string> UniqueMemberNames(EquatableArray<JsonTypeSpec> types)
    {
        var result = new Dictionary<string, string>();
        var used = new HashSet<string>(System.StringComparer.Ordinal) { "Options", "Get", "CreateOptions", "Cache", "Resolver" };
        foreach (var type in types)
        {
            var name = type.MemberName.TrimStart('@');
            var candidate = name;
            for (var i = 2; !used.Add(candidate); i++)
            {
                candidate = name + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            result[type.FullName] = candidate;
        }

        return result;
    }

    private static void EmitCreate(SourceWriter writer, JsonTypeSpec type, string memberName)
    {
        var infoType = $"{Names.JsonTypeInfo}<{type.FullName}>";
        var signature = $"private static {infoType} Create_{memberName}({Names.JsonSerializerOptions} options)";
        switch (type.Kind)
        {
            case JsonTypeKind.Builtin:
                writer.WriteLine(signature);
                writer.WriteLine($"    => {Names.JsonMetadataServices}.CreateValueInfo<{type.FullName}>(options, {Names.JsonMetadataServices}.{type.Converter});");
                return;
            case JsonTypeKind.Enum:
                writer.WriteLine(signature);
                writer.WriteLine($"    => {Names.JsonMetadataServices}.CreateValueInfo<{type.FullName}>(options, {Names.JsonMetadataServices}.GetEnumConverter<{type.FullName}>(options));");
                return;
            case JsonTypeKind.Nullable:
                writer.WriteLine(signature);
                writer.WriteLine($"    => {Names.JsonMetadataServices}.CreateValueInfo<{type.FullName}>(options, {Names.JsonMetadataServices}.GetNullableConverter<{type.ElementTypeName}>(options));");
                return;
            case JsonTypeKind.Array:
                writer.WriteLine(signature);
                writer.WriteLine($"    => {Names.JsonMetadataServices}.CreateArrayInfo<{type.ElementTypeName}>(options, new {Names.Metadata}.JsonCollectionInfoValues<{type.FullName}>());");
                return;
            case JsonTypeKind.Collection:
            case JsonTypeKind.Dictionary:
                var typeArguments = type.Kind == JsonTypeKind.Collection
                    ? $"{type.FullName}, {type.ElementTypeName}"
                    : $"{type.FullName}, string, {type.ElementTypeName}";
                var creator = type.CollectionCreator is null ? "()" : $" {{ ObjectCreator = static () => new {type.CollectionCreator}() }}";
                writer.WriteLine(signature);
                writer.WriteLine($"    => {Names.JsonMetadataServices}.{type.Converter}<{typeArguments}>(options, new {Names.Metadata}.JsonCollectionInfoValues<{type.FullName}>{creator});");
                return;
            default:
                EmitObject(writer, type, memberName, signature);
                return;
        }
    }

    private static void EmitObject(SourceWriter writer, JsonTypeSpec type, string memberName, string signature)
    {
        writer.OpenBlock(signature);
        writer.WriteLine($"var info = new {Names.Metadata}.JsonObjectInfoValues<{type.FullName}>");
        writer.WriteLine("{");
        writer.Indent();
        if (type.IsAbstract)
        {
            // An abstract class or an interface: only its derived types are created.
            writer.WriteLine("ObjectCreator = null,");
            writer.WriteLine("ObjectWithParameterizedConstructorCreator = null,");
            writer.WriteLine($"PropertyMetadataInitializer = _ => Properties_{memberName}(options),");
            writer.WriteLine("ConstructorParameterMetadataInitializer = null,");
        }
        else if (type.UseParameterizedConstructor)
        {
            var constructorArguments = type.ConstructorParameters.Take(type.ConstructorArgumentCount).Select((p, i) => $"({p.TypeName})args[{i}]");
            var initializers = type.ConstructorParameters.Skip(type.ConstructorArgumentCount)
                .Select((p, i) => $"{p.MemberName} = ({p.TypeName})args[{i + type.ConstructorArgumentCount}]").ToList();
            var initializer = initializers.Count == 0 ? string.Empty : " { " + string.Join(", ", initializers) + " }";
            writer.WriteLine("ObjectCreator = null,");
            writer.WriteLine($"ObjectWithParameterizedConstructorCreator = static args => new {type.FullName}({string.Join(", ", constructorArguments)}){initializer},");
            writer.WriteLine($"PropertyMetadataInitializer = _ => Properties_{memberName}(options),");
            writer.WriteLine($"ConstructorParameterMetadataInitializer = Parameters_{memberName},");
        }
        else
        {
            writer.WriteLine($"ObjectCreator = static () => new {type.FullName}(),");
            writer.WriteLine("ObjectWithParameterizedConstructorCreator = null,");
            writer.WriteLine($"PropertyMetadataInitializer = _ => Properties_{memberName}(options),");
            writer.WriteLine("ConstructorParameterMetadataInitializer = null,");
        }

        writer.Unindent();
        writer.WriteLine("};");
        if (type.Polymorphism is { } polymorphism)
        {
            writer.WriteLine($"var typeInfo = {Names.JsonMetadataServices}.CreateObjectInfo<{type.FullName}>(options, info);");
            EmitPolymorphism(writer, polymorphism);
            writer.WriteLine("return typeInfo;");
        }
        else
        {
            writer.WriteLine($"return {Names.JsonMetadataServices}.CreateObjectInfo<{type.FullName}>(options, info);");
        }

        writer.CloseBlock();
        writer.WriteLine();

        writer.OpenBlock($"private static {Names.Metadata}.JsonPropertyInfo[] Properties_{memberName}({Names.JsonSerializerOptions} options)");
        writer.WriteLine($"var properties = new {Names.Metadata}.JsonPropertyInfo[{type.Properties.Count}];");
        for (var i = 0; i < type.Properties.Count; i++)
        {
            var property = type.Properties[i];
            string setter;
            if (property.HasSetter)
            {
                setter = type.IsValueType
                    ? $"static (obj, value) => global::System.Runtime.CompilerServices.Unsafe.Unbox<{type.FullName}>(obj).{property.Name} = value!"
                    : $"static (obj, value) => (({type.FullName})obj).{property.Name} = value!";
            }
            else if (property.IsInitOnly)
            {
                setter = "static (obj, value) => throw new global::System.InvalidOperationException(\"Init-only properties are set by the constructor delegate.\")";
            }
            else
            {
                setter = "null";
            }

            writer.WriteLine($"properties[{i}] = {Names.JsonMetadataServices}.CreatePropertyInfo<{property.TypeName}>(options, new {Names.Metadata}.JsonPropertyInfoValues<{property.TypeName}>");
            writer.WriteLine("{");
            writer.Indent();
            writer.WriteLine("IsProperty = true,");
            writer.WriteLine("IsPublic = true,");
            writer.WriteLine("IsVirtual = false,");
            writer.WriteLine($"DeclaringType = typeof({property.DeclaringTypeName}),");
            writer.WriteLine("Converter = null,");
            writer.WriteLine($"Getter = static obj => (({type.FullName})obj).{property.Name},");
            writer.WriteLine($"Setter = {setter},");
            writer.WriteLine(property.IgnoreCondition is { } condition
                ? $"IgnoreCondition = (global::System.Text.Json.Serialization.JsonIgnoreCondition){condition},"
                : "IgnoreCondition = null,");
            writer.WriteLine("HasJsonInclude = false,");
            writer.WriteLine("IsExtensionData = false,");
            writer.WriteLine("NumberHandling = null,");
            writer.WriteLine($"PropertyName = {Literals.String(property.ClrName)},");
            writer.WriteLine($"JsonPropertyName = {(property.JsonName is null ? "null" : Literals.String(property.JsonName))},");
            writer.Unindent();
            writer.WriteLine("});");
            if (property.IsRequired)
            {
                writer.WriteLine($"properties[{i}].IsRequired = true;");
            }
        }

        writer.WriteLine("return properties;");
        writer.CloseBlock();

        if (type.UseParameterizedConstructor)
        {
            writer.WriteLine();
            writer.OpenBlock($"private static {Names.Metadata}.JsonParameterInfoValues[] Parameters_{memberName}()");
            writer.WriteLine($"return new {Names.Metadata}.JsonParameterInfoValues[]");
            writer.WriteLine("{");
            writer.Indent();
            for (var i = 0; i < type.ConstructorParameters.Count; i++)
            {
                var parameter = type.ConstructorParameters[i];
                var defaultValue = parameter.DefaultValue is null
                    ? "HasDefaultValue = false, DefaultValue = null"
                    : $"HasDefaultValue = true, DefaultValue = ({parameter.TypeName})({parameter.DefaultValue})";
                writer.WriteLine($"new() {{ Name = {Literals.String(parameter.Name)}, ParameterType = typeof({parameter.TypeName}), Position = {i}, {defaultValue} }},");
            }

            writer.Unindent();
            writer.WriteLine("};");
            writer.CloseBlock();
        }
    }

    private static void EmitPolymorphism(SourceWriter writer, JsonPolymorphismSpec polymorphism)
    {
        writer.WriteLine($"typeInfo.PolymorphismOptions = new {Names.Metadata}.JsonPolymorphismOptions");
        writer.WriteLine("{");
        writer.Indent();
        if (polymorphism.TypeDiscriminatorPropertyName is { } name)
        {
            writer.WriteLine($"TypeDiscriminatorPropertyName = {Literals.String(name)},");
        }

        if (polymorphism.UnknownDerivedTypeHandling is { } handling)
        {
            var value = handling switch
            {
                0 => "FailSerialization",
                1 => "FallBackToBaseType",
                2 => "FallBackToNearestAncestor",
                _ => null,
            };
            writer.WriteLine(value is null
                ? $"UnknownDerivedTypeHandling = ({Names.JsonUnknownDerivedTypeHandling})({handling.ToString(System.Globalization.CultureInfo.InvariantCulture)}),"
                : $"UnknownDerivedTypeHandling = {Names.JsonUnknownDerivedTypeHandling}.{value},");
        }

        if (polymorphism.IgnoreUnrecognizedTypeDiscriminators is { } ignore)
        {
            writer.WriteLine($"IgnoreUnrecognizedTypeDiscriminators = {(ignore ? "true" : "false")},");
        }

        writer.WriteLine("DerivedTypes =");
        writer.WriteLine("{");
        writer.Indent();
        foreach (var derived in polymorphism.DerivedTypes)
        {
            var discriminator = derived.Discriminator is null ? string.Empty : ", " + derived.Discriminator;
            writer.WriteLine($"new {Names.Metadata}.JsonDerivedType(typeof({derived.TypeName}){discriminator}),");
        }

        writer.Unindent();
        writer.WriteLine("},");
        writer.Unindent();
        writer.WriteLine("};");
    }

    private static string Xml(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
