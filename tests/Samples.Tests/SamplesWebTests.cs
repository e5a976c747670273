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

    [Fact]
    public async Task AnnualReportChain_RunsGatherRenderNotify_AndTheStatusShowsEachStepAndTheResult()
    {
        var response = await _http.PostAsJsonAsync("/reports/2024/chain", new { notify = "ada@example.com" }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var chainId = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("chainId").GetString();

        var status = await _http.GetFromJsonAsync<JsonElement>(response.Headers.Location, Ct);
        Assert.Equal("SUCCESS", status.GetProperty("status").GetString());
        Assert.Equal(
            [
                ($"{chainId}-0", ReportTasks.GatherFiguresTask.Name, "SUCCESS"),
                ($"{chainId}-1", ReportTasks.RenderReportTask.Name, "SUCCESS"),
                ($"{chainId}-2", ReportTasks.NotifyReadyTask.Name, "SUCCESS"),
            ],
            status.GetProperty("steps").EnumerateArray().Select(s => (s.GetProperty("taskId").GetString(), s.GetProperty("task").GetString(), s.GetProperty("status").GetString())));
        var result = status.GetProperty("result");
        Assert.Equal("ada@example.com", result.GetProperty("to").GetString());
        Assert.Equal(2024, result.GetProperty("year").GetInt32());
        var email = Assert.Single(_emails.Sent);
        Assert.Equal(("ada@example.com", "Your 2024 sales report is ready"), (email.To, email.Subject));
        Assert.Contains(result.GetProperty("summary").GetString()!, email.Body, StringComparison.Ordinal);
        // The chain's file is the one-task report's: same figures, same CSV.
        var csv = await _http.GetStringAsync($"/reports/chains/{chainId}/asset", Ct);
        var single = await _http.PostAsJsonAsync("/reports", new { year = 2024 }, Ct);
        var taskId = (await single.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("taskId").GetString();
        Assert.Equal(await _http.GetStringAsync($"/reports/{taskId}/asset", Ct), csv);
    }

    [Fact]
    public async Task Comparison_IsAChord_TheCallbackComparesEveryYearInOrder()
    {
        var response = await _http.PostAsync("/reports/compare/2022/2024", null, Ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var comparisonId = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("comparisonId").GetString();
        Assert.EndsWith("-callback", comparisonId, StringComparison.Ordinal);

        var status = await _http.GetFromJsonAsync<JsonElement>(response.Headers.Location, Ct);

        Assert.Equal(("SUCCESS", 3, 3), (status.GetProperty("status").GetString(), status.GetProperty("years").GetInt32(), status.GetProperty("yearsDone").GetInt32()));
        var result = status.GetProperty("result");
        Assert.Equal([2022, 2023, 2024], result.GetProperty("years").EnumerateArray().Select(y => y.GetProperty("year").GetInt32()));
        var best = result.GetProperty("years").EnumerateArray().MaxBy(y => y.GetProperty("revenue").GetInt64());
        Assert.Equal(best.GetProperty("year").GetInt32(), result.GetProperty("bestYear").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.PostAsync("/reports/compare/2024/2022", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.PostAsync("/reports/compare/2000/2020", null, Ct)).StatusCode);
    }

    [Fact]
    public void AnnualReport_IsAChainOfThreeTypedSteps()
    {
        var chain = ReportTasks.AnnualReport(2024, "ada@example.com");

        Assert.Equal(3, chain.Count);
        Assert.Equal(
            "Samples.Tasks.ReportTasks.GatherFigures {\"year\":2024} | Samples.Tasks.ReportTasks.RenderReport(data = previous result) {} | Samples.Tasks.ReportTasks.NotifyReady(report = previous result) {\"to\":\"ada@example.com\"}",
            chain.ToString());
    }

    [Theory]
    [InlineData(2024, "eve@example.com\r\nBcc: victim@example.com")]
    [InlineData(2024, null)]
    [InlineData(1066, "ada@example.com")]
    public async Task AnnualReportChain_WithABadAddressOrYear_IsRefusedAndNothingRuns(int year, string? notify)
    {
        var response = await _http.PostAsJsonAsync($"/reports/{year}/chain", new { notify }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(_emails.Sent);
        Assert.False(Directory.Exists(_assets) && Directory.EnumerateFiles(_assets).Any());
    }

    [Fact]
    public async Task AnnualReportStatus_OfAPlainTaskId_IsNotFound()
    {
        var response = await _http.PostAsJsonAsync("/reports", new { year = 2024 }, Ct);
        var taskId = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("taskId").GetString();

        var status = await _http.GetAsync($"/reports/chains/{taskId}", Ct);

        Assert.Equal(HttpStatusCode.NotFound, status.StatusCode);
    }

    [Fact]
    public async Task Feedback_AsAFormPost_IsRefused_SoAnotherSiteCannotMakeVisitorsPostIt()
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["email"] = "eve@example.com" });

        var response = await _http.PostAsync("/feedback", form, Ct);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Empty(_emails.Sent);
    }

    [Theory]
    [InlineData("eve@example.com\r\nBcc: victim@example.com")]
    [InlineData("eve@example.com\nBcc: victim@example.com")]
    [InlineData("Eve <eve@example.com>")]
    [InlineData("eve@example.com, victim@example.com")]
    [InlineData("not-an-address")]
    public async Task Feedback_WithAnAddressThatIsNotOnePlainAddress_IsRefusedAndNothingIsSent(string email)
    {
        var response = await _http.PostAsJsonAsync("/feedback", new { email, message = "hi" }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(_emails.Sent);
    }

    [Fact]
    public async Task Feedback_PostedTooOften_IsRefusedWith429()
    {
        await using var factory = _factory.WithWebHostBuilder(web => web.UseSetting("Samples:FeedbackPerMinute", "2"));
        using var http = factory.CreateClient();

        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            codes.Add((await http.PostAsJsonAsync("/feedback", new { email = $"ada{i}@example.com" }, Ct)).StatusCode);
        }

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests], codes);
        Assert.Equal(2, _emails.Sent.Count);
    }

    [Fact]
    public async Task PickupFolderSender_RefusesAnAddressWithALineBreak_SoNoHeaderIsAdded()
    {
        var folder = Path.Combine(_assets, "mail");
        var sender = new PickupFolderEmailSender(new SamplesOptions { PickupFolder = folder }, Microsoft.Extensions.Logging.Abstractions.NullLogger<PickupFolderEmailSender>.Instance);

        await Assert.ThrowsAsync<ArgumentException>(() => sender.SendAsync("eve@example.com\r\nBcc: victim@example.com", "Thanks", "Hi", Ct));

        Assert.False(Directory.Exists(folder) && Directory.EnumerateFiles(folder).Any());
    }

    [Fact]
    public async Task Feedback_WhenTheEmailCannotBeQueued_Answers503WithoutServerOrCredentials()
    {
        // A real nats-server that refuses the password in the URL: the send fails with a message naming the server.
        const string Password = "s4mples-Secret-31f0";
        await using var nats = await AuthNatsServer.StartAsync(Ct);
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("TypedTasks:Url", $"nats://producer:{Password}@127.0.0.1:{nats.Port}");
            web.UseSetting("TypedTasks:CreateInfrastructure", "false");
        });
        using var http = factory.CreateClient();

        var response = await http.PostAsJsonAsync("/feedback", new { email = "ada@example.com" }, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        var health = await (await http.GetAsync("/healthz", Ct)).Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("could not be queued", body, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, body + health, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1", body, StringComparison.Ordinal);
        Assert.DoesNotContain("producer", body, StringComparison.Ordinal);
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
