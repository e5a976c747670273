using System.Collections.Concurrent;

namespace Samples.Web;

/// <summary>A saved feedback form.</summary>
/// <param name="Email">The visitor's email address.</param>
/// <param name="Message">What they wrote.</param>
/// <param name="ReceivedAt">When the form was saved.</param>
public sealed record Feedback(string Email, string Message, DateTimeOffset ReceivedAt);

/// <summary>Keeps feedback in memory: the sample's stand-in for a database table.</summary>
public sealed class FeedbackStore
{
    private readonly ConcurrentQueue<Feedback> _items = new();

    /// <summary>Saves a form.</summary>
    /// <param name="feedback">The form.</param>
    public void Add(Feedback feedback) => _items.Enqueue(feedback);

    /// <summary>Every saved form, oldest first.</summary>
    public IReadOnlyCollection<Feedback> All => _items.ToArray();
}
