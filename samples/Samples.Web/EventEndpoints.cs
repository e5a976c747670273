using System.Text.Json;
using Microsoft.Extensions.Options;
using TypedTasks;

namespace Samples.Web;

/// <summary>Task events as server-sent events, for the page's live list (a tiny Flower).</summary>
internal static class EventEndpoints
{
    /// <summary>Maps <c>GET /events</c>: every task event from now on, as <c>text/event-stream</c>.</summary>
    public static IEndpointRouteBuilder MapEventEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/events", StreamAsync);
        return app;
    }

    private static async Task StreamAsync(ITaskEvents events, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, HttpContext http, CancellationToken ct)
    {
        // Subscribed before the response starts: a client that has the headers misses no later event.
        await using var feed = await events.SubscribeAsync(cancellationToken: ct);
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        await http.Response.StartAsync(ct);
        await http.Response.Body.FlushAsync(ct);
        try
        {
            await foreach (var taskEvent in feed.ReadAllAsync(ct))
            {
                // The page is public: never relay a stack trace, whatever a worker puts in its events
                // (TypedTasks:Worker:ErrorDetails:InEvents; docs/security.md, "Error details").
                var shown = taskEvent.Error is { StackTrace: not null } error ? taskEvent with { Error = error with { StackTrace = null } } : taskEvent;
                await http.Response.WriteAsync($"event: task\ndata: {JsonSerializer.Serialize(shown, json.Value.SerializerOptions)}\n\n", ct);
                await http.Response.Body.FlushAsync(ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The browser went away.
        }
    }
}
