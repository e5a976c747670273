using System.Text.Json;
using Samples.Tasks;
using TypedTasks;

namespace Samples.Web;

/// <summary>The feedback form: saved right away, the thank-you email sent by a worker.</summary>
internal static class FeedbackEndpoints
{
    /// <summary>The JSON form of a feedback post.</summary>
    /// <param name="Email">The visitor's email address.</param>
    /// <param name="Message">What they wrote.</param>
    public sealed record FeedbackForm(string? Email, string? Message);

    /// <summary>Maps <c>POST /feedback</c> and <c>GET /feedback/{taskId}/status</c>.</summary>
    public static IEndpointRouteBuilder MapFeedbackEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/feedback", PostAsync);
        app.MapGet("/feedback/{taskId}/status", GetStatusAsync);
        return app;
    }

    // Accepts an HTML form post or JSON: { "email": "…", "message": "…" }.
    private static async Task<IResult> PostAsync(HttpRequest request, FeedbackStore store, ITaskClient tasks, CancellationToken ct)
    {
        FeedbackForm? form;
        if (request.HasFormContentType)
        {
            var fields = await request.ReadFormAsync(ct);
            form = new FeedbackForm(fields["email"], fields["message"]);
        }
        else if (request.HasJsonContentType())
        {
            try
            {
                form = await request.ReadFromJsonAsync<FeedbackForm>(ct);
            }
            catch (JsonException)
            {
                return Results.BadRequest(new { error = "The body is not valid JSON." });
            }
        }
        else
        {
            return Results.StatusCode(StatusCodes.Status415UnsupportedMediaType);
        }

        if (string.IsNullOrWhiteSpace(form?.Email) || !form.Email.Contains('@'))
        {
            return Results.BadRequest(new { error = "An email address is required." });
        }

        store.Add(new Feedback(form.Email, form.Message ?? "", DateTimeOffset.UtcNow));
        try
        {
            var handle = await tasks.SendThankYouEmail().DelayAsync(form.Email, ct);
            return Results.Accepted($"/feedback/{handle.Id}/status", new { taskId = handle.Id });
        }
        catch (TaskEnqueueException ex)
        {
            // The form is saved; only the email could not be queued. Say so rather than fail the page.
            return Results.Problem(ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    private static async Task<IResult> GetStatusAsync(string taskId, ITaskClient tasks, CancellationToken ct)
    {
        if (!TaskIds.IsValid(taskId))
        {
            return Results.BadRequest(new { error = "Not a task id." });
        }

        var state = await tasks.SendThankYouEmail().AsyncResult(taskId).GetStatusAsync(ct);
        return Results.Ok(new { status = state.ToWireName() });
    }
}
