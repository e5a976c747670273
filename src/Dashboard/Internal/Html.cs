using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace TypedTasks.Dashboard.Internal;

/// <summary>
/// Writes a page. Every value goes through <c>Text</c> or <see cref="Attr"/> (HTML-encoded: a task argument or an
/// error holding <c>&lt;script&gt;</c> is shown as text); only the page's own markup goes through <see cref="Raw"/>.
/// </summary>
internal sealed class Html
{
    private static readonly JsonWriterOptions PrettyWriter = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly StringBuilder _builder = new(8192);

    public Html Raw(string markup)
    {
        _builder.Append(markup);
        return this;
    }

    public Html Text(string? value)
    {
        if (value is not null)
        {
            _builder.Append(HtmlEncoder.Default.Encode(value));
        }

        return this;
    }

    public Html Text(long value) => Raw(value.ToString("N0", CultureInfo.InvariantCulture));

    /// <summary>A quoted attribute value.</summary>
    public Html Attr(string value) => Raw("\"").Text(value).Raw("\"");

    /// <summary>A link; <paramref name="href"/> is built from the dashboard's base and encoded path segments.</summary>
    public Html Link(string href, string text) => Raw("<a href=").Attr(href).Raw(">").Text(text).Raw("</a>");

    /// <summary>A state as a badge, e.g. <c>FAILURE</c> in red.</summary>
    public Html State(TaskState state) => Raw("<span class=\"state state-").Text(state.ToWireName().ToLowerInvariant()).Raw("\">").Text(state.ToWireName()).Raw("</span>");

    public Html Time(DateTimeOffset? at, DateTimeOffset now)
    {
        if (at is not { } value)
        {
            return Raw("<span class=\"muted\">–</span>");
        }

        return Raw("<time datetime=").Attr(value.ToString("O", CultureInfo.InvariantCulture)).Raw(" title=").Attr(value.ToString("O", CultureInfo.InvariantCulture)).Raw(">")
            .Text(value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).Raw(" UTC <span class=\"muted\">(").Text(Relative(value - now)).Raw(")</span></time>");
    }

    /// <summary>JSON shown indented in a <c>pre</c>, at most <paramref name="maxBytes"/> of it; text that is not JSON as it is.</summary>
    public Html Json(ReadOnlyMemory<byte> json, int maxBytes)
    {
        Raw("<pre class=\"json\">");
        if (json.Length > maxBytes)
        {
            Text(Encoding.UTF8.GetString(json.Span[..maxBytes])).Raw("</pre><p class=\"note\">")
                .Text($"Cut at {maxBytes:N0} of {json.Length:N0} bytes (TypedTasksDashboardOptions.MaxJsonBytes).").Raw("</p>");
            return this;
        }

        Text(Pretty(json));
        return Raw("</pre>");
    }

    public override string ToString() => _builder.ToString();

    public static string Ago(TimeSpan age)
        => age.TotalSeconds < 1 ? "just now"
            : age.TotalMinutes < 1 ? $"{age.TotalSeconds:F0} s ago"
            : age.TotalHours < 1 ? $"{age.TotalMinutes:F0} min ago"
            : age.TotalDays < 1 ? $"{age.TotalHours:F1} h ago"
            : $"{age.TotalDays:F1} days ago";

    /// <summary>How far a time is from now: "in 3 min" ahead, "3 min ago" behind (<see cref="Ago"/>).</summary>
    public static string Relative(TimeSpan ahead)
        => ahead.TotalSeconds < 1 ? Ago(-ahead)
            : ahead.TotalMinutes < 1 ? $"in {ahead.TotalSeconds:F0} s"
            : ahead.TotalHours < 1 ? $"in {ahead.TotalMinutes:F0} min"
            : ahead.TotalDays < 1 ? $"in {ahead.TotalHours:F1} h"
            : $"in {ahead.TotalDays:F1} days";

    private static string Pretty(ReadOnlyMemory<byte> json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, PrettyWriter))
            {
                document.WriteTo(writer);
            }

            return Encoding.UTF8.GetString(buffer.ToArray());
        }
        catch (JsonException)
        {
            return Encoding.UTF8.GetString(json.Span);
        }
    }
}
