using Microsoft.CodeAnalysis;

namespace TypedTasks.Semantics;

/// <summary>
/// The one notation for where in a task argument or result a problem sits, used by TT0101, TT0104 and TT0105:
/// the short C# name of the type, <c>.Name</c> for a property, <c>[]</c> for an element of an array or collection
/// (the value of a dictionary), and <c> (Derived)</c> for a type listed by <c>[JsonDerivedType]</c>:
/// <c>Order.Lines[].Product</c>, <c>IShape (Square).Side</c>. A collection or <c>T?</c> at the root is looked
/// through: a <c>List&lt;Order&gt;</c> argument's paths start at <c>Order</c>, since the diagnostic already points
/// at the parameter's type. Type arguments of other generic types keep the path: <c>Envelope&lt;Action&gt;</c>.
/// </summary>
internal readonly struct MemberPath
{
    private readonly string _text;

    // True until the first property or derived-type step: elements here restart the path at the element type.
    private readonly bool _atRoot;

    // True only for the argument or result itself.
    private readonly bool _isOrigin;

    private MemberPath(string text, bool atRoot, bool isOrigin = false)
    {
        _text = text;
        _atRoot = atRoot;
        _isOrigin = isOrigin;
    }

    /// <summary>The path of the argument or result of type <paramref name="type"/>.</summary>
    public static MemberPath Root(ITypeSymbol type) => new(Display(type), atRoot: true, isOrigin: true);

    /// <summary>The path of an element (of type <paramref name="element"/>) of the array or collection here.</summary>
    public MemberPath Element(ITypeSymbol element) => _atRoot ? new(Display(element), atRoot: true) : new(_text + "[]", atRoot: false);

    /// <summary>The path of the value of a <c>T?</c> here.</summary>
    public MemberPath Unwrap(ITypeSymbol underlying) => _atRoot ? new(Display(underlying), atRoot: true) : this;

    /// <summary>The path of a type argument of a generic type here that is not a collection: unchanged.</summary>
    public MemberPath TypeArgument() => new(_text, atRoot: false);

    /// <summary>The path of the property <paramref name="name"/> of the value here.</summary>
    public MemberPath Property(string name) => new(_text + "." + name, atRoot: false);

    /// <summary>The path of the value here when it is the derived type <paramref name="derived"/>.</summary>
    public MemberPath Derived(ITypeSymbol derived) => new(_text + " (" + Display(derived) + ")", atRoot: false);

    /// <summary>
    /// "path: Type predicate", or "Type predicate" when the path is the culprit's own name:
    /// <c>Order.Customer.Logo: Stream is a stream…</c>.
    /// </summary>
    public string Describe(ITypeSymbol culprit, string predicate)
    {
        var name = Display(culprit);
        return (_text == name ? name : _text + ": " + name) + " " + predicate;
    }

    /// <summary>"path: reason" for a reason that is a sentence of its own, or the reason alone for the argument or result itself.</summary>
    public string Prefix(string reason) => _isOrigin ? reason : _text + ": " + reason;

    /// <summary>The type as C# spells it in messages, without a nullable annotation (<c>Stream</c>, not <c>Stream?</c>).</summary>
    public static string Display(ITypeSymbol type)
        => type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);

    /// <inheritdoc/>
    public override string ToString() => _text ?? string.Empty;
}
