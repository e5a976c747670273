namespace Samples.Tasks;

/// <summary>Sends an email. The sample's default, <see cref="PickupFolderEmailSender"/>, writes it to a folder.</summary>
public interface IEmailSender
{
    /// <summary>Sends one plain-text email.</summary>
    /// <param name="to">The recipient's address.</param>
    /// <param name="subject">The subject line.</param>
    /// <param name="body">The plain-text body.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>A task that completes when the email is handed over.</returns>
    Task SendAsync(string to, string subject, string body, CancellationToken cancellationToken);
}
