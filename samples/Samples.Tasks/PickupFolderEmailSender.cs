using System.Text;
using Microsoft.Extensions.Logging;

namespace Samples.Tasks;

/// <summary>
/// "Sends" an email by writing it as an <c>.eml</c> file (RFC 5322 text) into a pickup folder, like
/// SMTP pickup directories do. No mail server needed; open the file with any mail client.
/// </summary>
public sealed partial class PickupFolderEmailSender(SamplesOptions options, ILogger<PickupFolderEmailSender> logger) : IEmailSender
{
    /// <inheritdoc/>
    public async Task SendAsync(string to, string subject, string body, CancellationToken cancellationToken)
    {
        // Header values come from task arguments, i.e. from whoever could send the task: a CR or LF would add headers.
        if (to.Any(char.IsControl) || subject.Any(char.IsControl))
        {
            throw new ArgumentException("An email's address and subject must be one line: no CR, LF or other control characters.", to.Any(char.IsControl) ? nameof(to) : nameof(subject));
        }

        Directory.CreateDirectory(options.PickupFolder);
        var now = DateTimeOffset.UtcNow;
        var name = $"{now:yyyyMMdd-HHmmss-fff}-{Guid.NewGuid():N}.eml";
        var path = Path.Combine(options.PickupFolder, name);
        var message = new StringBuilder()
            .Append("From: TypedTasks samples <noreply@example.com>\r\n")
            .Append("To: ").Append(to).Append("\r\n")
            .Append("Subject: ").Append(subject).Append("\r\n")
            .Append("Date: ").Append(now.ToString("r")).Append("\r\n")
            .Append("Content-Type: text/plain; charset=utf-8\r\n")
            .Append("\r\n")
            .Append(body).Append("\r\n")
            .ToString();

        // Write then rename, so a reader of the folder never sees half an email.
        var temporary = path + ".tmp";
        await File.WriteAllTextAsync(temporary, message, new UTF8Encoding(false), cancellationToken).ConfigureAwait(false);
        File.Move(temporary, path);
        LogWritten(to, path);
    }

    [LoggerMessage(1, LogLevel.Information, "Email to {To} written to {Path}")]
    private partial void LogWritten(string to, string path);
}
