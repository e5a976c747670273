using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using TypedTasks.Dashboard.Tests.Infrastructure;
using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Dashboard.Tests;

/// <summary>
/// The queues' flow over a real nats-server: the oldest waiting task's age (queues page and overview) while no worker serves
/// the queue, and the in and out rates once a worker drains it (from two reads of the queues, the first showing none).
/// </summary>
public sealed partial class QueueFlowTests(NatsServer server) : IClassFixture<NatsServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OldestWaiting_ShowsTheFirstSendsAge_AndADrainingWorker_ShowsOutPerSecond()
    {
        // No worker yet: the tasks wait, and the queue has no consumer.
        await using var producer = await TestApp.StartAsync(server, worker: false);
        await using var dashboard = await DashboardHost.StartAsync(server, producer.Prefix);
        using var http = new HttpClient();

        var firstSending = DateTimeOffset.UtcNow;
        var handles = new List<TaskHandle<int>> { await producer.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(0), cancellationToken: Ct) };
        var firstSent = DateTimeOffset.UtcNow;
        for (var i = 1; i < 20; i++)
        {
            handles.Add(await producer.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(i), cancellationToken: Ct));
        }

        // The first read of the queues: no rates yet; the oldest waiting task is the first one sent.
        var row = await QueueRowAsync(http, dashboard);
        Assert.Equal("–", row.In);
        Assert.Equal("–", row.Out);
        Assert.NotNull(row.OldestSince);
        Assert.InRange(row.OldestSince.Value, firstSending.AddSeconds(-1), firstSent); // the server's clock stamped it between the two

        // Its age grows: read until it shows at least 2 s, and is never less than the time since the first send ended.
        using (var timeout = new CancellationTokenSource(Timeout))
        {
            while (true)
            {
                var before = DateTimeOffset.UtcNow;
                row = await QueueRowAsync(http, dashboard);
                var age = SecondsAgo().Match(row.OldestText);
                Assert.True(age.Success || row.OldestText == "just now", row.OldestText);
                if (age.Success)
                {
                    // Whole seconds, rounded: at least the time from the first send's end to this read's start, less the rounding.
                    Assert.True(int.Parse(age.Groups[1].Value, CultureInfo.InvariantCulture) >= (int)(before - firstSent).TotalSeconds - 1, $"{row.OldestText} after {(before - firstSent).TotalSeconds:F1} s");
                    if (int.Parse(age.Groups[1].Value, CultureInfo.InvariantCulture) >= 2)
                    {
                        break;
                    }
                }

                // Polls the page with a deadline: the age grows with the clock, there is nothing to await.
                await Task.Delay(200, timeout.Token);
            }
        }

        Assert.True(row.OldestSince <= firstSent, $"{row.OldestSince:O} is after the first send ended ({firstSent:O})");

        // The overview's queue table shows it too.
        var overview = await http.GetStringAsync(dashboard.Dashboard, Ct);
        var overviewAge = Regex.Match(overview, "data-live=\"queue\\.default\\.oldest\">([^<]*)<");
        Assert.True(overviewAge.Success, "no oldest-waiting cell on the overview");
        Assert.Matches(SecondsAgo(), WebUtility.HtmlDecode(overviewAge.Groups[1].Value));

        // A worker drains the queue: out per second above zero once a later read is at least a second after an earlier one.
        await using var worker = await TestApp.StartAsync(server, prefix: producer.Prefix);
        foreach (var handle in handles)
        {
            await handle.GetAsync(Timeout, Ct);
        }

        using (var timeout = new CancellationTokenSource(Timeout))
        {
            while (true)
            {
                row = await QueueRowAsync(http, dashboard);
                if (row.Out is not "–" and not "0")
                {
                    break;
                }

                // Polls the page with a deadline: rates need a read a second after the kept one.
                await Task.Delay(200, timeout.Token);
            }
        }

        Assert.True(row.Out.StartsWith('<') || double.Parse(row.Out, NumberStyles.Number, CultureInfo.InvariantCulture) > 0, row.Out);
        Assert.NotEqual("–", row.In);
        Assert.True(double.Parse(row.In, NumberStyles.Number, CultureInfo.InvariantCulture) >= 0, row.In);
        Assert.Null(row.OldestSince); // nothing waits any more
        Assert.Equal("–", row.OldestText);
    }

    private sealed record QueueRow(string In, string Out, string OldestText, DateTimeOffset? OldestSince);

    private static async Task<QueueRow> QueueRowAsync(HttpClient http, DashboardHost dashboard)
    {
        var html = await http.GetStringAsync(dashboard.Dashboard + "/queues", Ct);
        var row = Regex.Match(html, "<tr><td>default</td>.*?</tr>", RegexOptions.Singleline);
        Assert.True(row.Success, html);
        var text = row.Value;
        string Cell(string cls)
        {
            var cell = Regex.Match(text, "<td class=\"num " + cls + "\">(.*?)</td>", RegexOptions.Singleline);
            Assert.True(cell.Success, $"no {cls} cell in {text}");
            return cell.Groups[1].Value;
        }

        var oldest = Cell("oldest");
        var time = Regex.Match(oldest, "<time datetime=\"([^\"]+)\"[^>]*>([^<]*)</time>");
        return time.Success
            ? new QueueRow(WebUtility.HtmlDecode(Cell("rate-in")), WebUtility.HtmlDecode(Cell("rate-out")), WebUtility.HtmlDecode(time.Groups[2].Value),
                DateTimeOffset.Parse(WebUtility.HtmlDecode(time.Groups[1].Value), CultureInfo.InvariantCulture))
            : new QueueRow(WebUtility.HtmlDecode(Cell("rate-in")), WebUtility.HtmlDecode(Cell("rate-out")), WebUtility.HtmlDecode(oldest), null);
    }

    [GeneratedRegex(@"^(\d+) s ago$")]
    private static partial Regex SecondsAgo();
}
