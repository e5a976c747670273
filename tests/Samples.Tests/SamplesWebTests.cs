using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Samples.Tasks;
using TypedTasks;

namespace Samples.Tests;

/// <summary>
/// The samples' web app in memory with its tasks run eagerly: the endpoints send real tasks through the generated
/// proxies, and the tasks run inside the test, with a recording email sender instead of the pickup folder.
/// </summary>
public sealed class SamplesWebTests : IAsyncLifetime
{
    private readonly RecordingEmailSender _emails = new();
    private readonly string _assets = Path.Combine(Path.GetTempPath(), "tt-samples-tests-" + Guid.NewGuid().ToString("N"));
    private WebApplicationFactory<Program> _factory = null!;
    private HttpClient _http = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync()
    {
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("Samples:ReportSeconds", "0");
            web.UseSetting("Samples:AssetFolder", _assets);
            web.ConfigureServices(services =>
            {
                services.RemoveAll<IEmailSender>();
                services.AddSingleton<IEmailSender>(_emails);
                // The one line a test adds: the web app's tasks run in the test, not on a worker.
                services.AddTypedTasks().AddSamplesTasks().RunTasksEagerly();
            });
        });
        _http = _factory.CreateClient();
        return default;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _factory.DisposeAsync();
        if (Directory.Exists(_assets))
        {
            Directory.Delete(_assets, recursive: true);
        }
    }

    [Fact]
    public async Task Feedback_TheThankYouEmailIsSent()
    {
        var response = await _http.PostAsJsonAsync("/feedback", new { email = "ada@example.com", message = "Nice!" }, Ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var email = Assert.Single(_emails.Sent);
        Assert.Equal("ada@example.com", email.To);
        Assert.Equal("Thank you for your feedback!", email.Subject);
        var status = await _http.GetFromJsonAsync<JsonElement>(response.Headers.Location, Ct);
        Assert.Equal("SUCCESS", status.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Feedback_WithoutAnEmailAddress_IsRefusedAndNothingIsSent()
    {
        var response = await _http.PostAsJsonAsync("/feedback", new { message = "anonymous" }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(_emails.Sent);
    }

    [Fact]
    public async Task Report_StatusSaysSuccess_AndTheAssetDownloads()
    {
        var response = await _http.PostAsJsonAsync("/reports", new { year = 2024 }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        var status = await _http.GetFromJsonAsync<JsonElement>(response.Headers.Location, Ct);
        Assert.Equal("SUCCESS", status.GetProperty("status").GetString());
        var taskId = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("taskId").GetString();
        var csv = await _http.GetStringAsync($"/reports/{taskId}/asset", Ct);
        Assert.StartsWith("month,orders,revenue\n", csv, StringComparison.Ordinal);
        Assert.Equal(13, csv.TrimEnd('\n').Split('\n').Length);
    }

    private sealed class RecordingEmailSender : IEmailSender
    {
        public ConcurrentQueue<(string To, string Subject, string Body)> Sent { get; } = new();

        public Task SendAsync(string to, string subject, string body, CancellationToken cancellationToken)
        {
            Sent.Enqueue((to, subject, body));
            return Task.CompletedTask;
        }
    }
}
