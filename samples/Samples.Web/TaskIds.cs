using System.Text.RegularExpressions;

namespace Samples.Web;

/// <summary>Checks task ids taken from URLs before they reach the result backend.</summary>
internal static partial class TaskIds
{
    /// <summary>Whether <paramref name="id"/> has the shape of a task id: letters, digits, <c>-</c> and <c>_</c>.</summary>
    public static bool IsValid(string id) => Shape().IsMatch(id);

    [GeneratedRegex("^[A-Za-z0-9_-]{1,128}$")]
    private static partial Regex Shape();
}
