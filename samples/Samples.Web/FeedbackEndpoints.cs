using System.Net.Mail;
using System.Text.Json;
using Samples.Tasks;
using TypedTasks;

namespace Samples.Web;

/// <summary>The feedback form: saved right away, the thank-you email sent by a worker.</summary>
internal static partial class FeedbackEndpoints
{
    /// <summary>The rate-limiter policy of <c>POST /feedback</c> (see Program.cs).</summary>
    public const string RateLimitPolicy = "feedback";

    /// <summary>The JSON form of a feedback post.</summary>
    /// <param name="Email">The visitor's email address.</param>
    /// <param name="Message">What they wrote.</param>
    public sealed record FeedbackForm(string? Email, string? Message);

    /// <summary>Maps <c>POST /feedback</c> and <c>GET /feedback/{taskId}/status</c>.</summary>
    public static IEndpointRouteBuilder MapFeedbackEndpoints(this IEndpointRouteBuilder app)
    {
        // Each post queues an email to an address the visitor types: limit how often anyone can do it.
        app.MapPost("/feedback", PostAsync).RequireRateLimiting(RateLimitPolicy);
        app.MapGet("/feedback/{taskId}/status", GetStatusAsync);
        return app;
    }

    // JSON only: { "email": "…", "message": "…" }. A browser sends JSON to another site only after a CORS preflight,
    // which this app does not answer, so a cross-site page cannot make visitors post here (an HTML form post could).
    private static async Task<IResult> PostAsync(HttpRequest request, FeedbackStore store, ITaskClient tasks, ILogger<FeedbackStore> logger, CancellationToken ct)
    {
        if (!request.HasJsonContentType())
        {
            return Results.Json(new { error = "Send the feedback as JSON (Content-Type: application/json)." }, statusCode: StatusCodes.Status415UnsupportedMediaType);
        }

        FeedbackForm? form;
        try
        {
            form = await request.ReadFromJsonAsync<FeedbackForm>(ct);
        }
        catch (JsonException)
        {
            return Results.BadRequest(new { error = "The body is not valid JSON." });
        }

        if (!IsEmailAddress(form?.Email))
        {
            return Results.BadRequest(new { error = "A valid email address is required." });
        }

        store.Add(new Feedback(form!.Email!, form.Message ?? "", DateTimeOffset.UtcNow));
        try
        {
            var handle = await tasks.SendThankYouEmail().DelayAsync(form.Email!, ct);
            return Results.Accepted($"/feedback/{handle.Id}/status", new { taskId = handle.Id });
        }
        catch (TaskEnqueueException ex)
        {
            // The form is saved; only the email could not be queued. The reason is for the log, not for the visitor.
            LogNotQueued(logger, ex);
            return Results.Problem("The feedback was saved, but the email could not be queued. Please try again later.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    /// <summary>
    /// One plain address (<c>user@example.com</c>): no display name, no list, and no CR or LF, which would let a visitor
    /// add mail headers (<c>\r\nBcc: …</c>) to the email written for them.
    /// </summary>
    internal static bool IsEmailAddress(string? email)
        => email is { Length: > 0 and <= 254 }
           && !email.Any(char.IsControl)
           && MailAddress.TryCreate(email, out var address)
           && address.Address == email
           && string.IsNullOrEmpty(address.DisplayName);

    private static async Task<IResult> GetStatusAsync(string taskId, ITaskClient tasks, CancellationToken ct)
    {
        if (!TaskIds.IsValid(taskId))
        {
            return Results.BadRequest(new { error = "Not a task id." });
        }

        var state = await tasks.SendThankYouEmail().GetHandle(taskId).GetStatusAsync(ct);
        return Results.Ok(new { status = state.ToWireName() });
    }

    [LoggerMessage(1, LogLevel.Error, "The thank-you email could not be queued")]
    private static partial void LogNotQueued(ILogger logger, Exception exception);
}
