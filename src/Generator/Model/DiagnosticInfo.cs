using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using TypedTasks.Semantics;

namespace TypedTasks.Generator.Model;

/// <summary>A location reduced to values, so that it can sit in a cached pipeline step.</summary>
internal sealed record LocationInfo(string FilePath, TextSpan TextSpan, LinePositionSpan LineSpan)
{
    public Location ToLocation() => Location.Create(FilePath, TextSpan, LineSpan);

    public static LocationInfo? From(Location? location)
        => location?.SourceTree is null ? null : new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
}

/// <summary>A diagnostic to report, kept apart from the models so that it does not defeat their caching.</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> MessageArgs)
{
    public Diagnostic ToDiagnostic()
    {
        // TT0101 is the only diagnostic the generator reports; the rest of the catalog is the analyzers'.
        var descriptor = Descriptors.UnsupportedType;
        return Diagnostic.Create(descriptor, Location?.ToLocation(), MessageArgs.Cast<object>().ToArray());
    }
}
