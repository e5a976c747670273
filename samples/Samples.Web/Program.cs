// The web app of the samples: saves feedback and hands the thank-you email to a worker; starts reports
// and lets the browser poll their status, also as a chain of three tasks (the annual report). It only sends tasks;
// Samples.Worker runs them.
// Configuration: appsettings.json, then environment variables (TypedTasks__Url=nats://…).
using System.Threading.RateLimiting;
using Samples.Web;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddSampleServices(builder.Configuration);
builder.Services.AddSingleton<FeedbackStore>();
builder.Services.AddTypedTasks(builder.Configuration);
builder.Services.AddHealthChecks().AddTypedTasks();
// Per client address: Samples:FeedbackPerMinute posts a minute (default 10), then 429 Too Many Requests.
builder.Services.AddRateLimiter(limiter =>
{
    limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
    limiter.AddPolicy(FeedbackEndpoints.RateLimitPolicy, http => RateLimitPartition.GetFixedWindowLimiter(
        http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
        _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = builder.Configuration.GetValue("Samples:FeedbackPerMinute", 10),
            Window = TimeSpan.FromMinutes(1),
        }));
});
// Enum names, not numbers, in JSON answers and in the task events the page shows.
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));

var app = builder.Build();
app.UseRateLimiter();
app.MapGet("/", () => Results.Content(IndexPage.Html, "text/html; charset=utf-8"));
app.MapFeedbackEndpoints();
app.MapReportEndpoints();
app.MapWorkerEndpoints();
app.MapEventEndpoints();
app.MapHealthChecks("/healthz");
// The TypedTasks dashboard (docs/dashboard.md). Without a policy it answers only this machine, only in Development: give
// it one (ReadPolicy, OperatorPolicy) before this app faces anyone else.
app.MapTypedTasksDashboard("/tasks");
await app.RunAsync();

/// <summary>The web app's entry point; public so that tests can host it (<c>WebApplicationFactory&lt;Program&gt;</c>).</summary>
public partial class Program;
