using TypedTasks;

namespace Samples.Tasks;

/// <summary>
/// The first story of Celery's article: a form is saved, and the thank-you email is sent in the background
/// so the visitor does not wait for the mail server. An instance task: the worker creates
/// <see cref="EmailTasks"/> from a DI scope for each execution.
/// </summary>
public sealed partial class EmailTasks(IEmailSender sender)
{
    /// <summary>Sends the thank-you email for a feedback form.</summary>
    /// <param name="emailAddress">Where to send it.</param>
    /// <param name="ct">The worker's token.</param>
    /// <returns>A task that completes when the email is sent.</returns>
    [Task(Queue = "email")]
    public Task SendThankYouEmail(string emailAddress, CancellationToken ct)
        => sender.SendAsync(emailAddress, "Thank you for your feedback!", "We appreciate your input.", ct);
}
