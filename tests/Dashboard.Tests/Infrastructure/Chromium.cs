using Microsoft.Playwright;

namespace TypedTasks.Dashboard.Tests.Infrastructure;

/// <summary>
/// Debian's headless Chromium (<c>/usr/bin/chromium</c>, or <c>CHROMIUM_BIN</c>), driven by Playwright's .NET package
/// through its bundled driver: no browser download, nothing fetched at test time. One browser for the test assembly; each
/// test opens its own context (cookies and storage of its own).
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    // As the machine notes say: without the background-networking flags Chromium keeps trying to reach Google's hosts,
    // which this closed network refuses.
    private static readonly string[] Arguments =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run",
    ];

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public static string ExecutablePath
    {
        get
        {
            var path = Environment.GetEnvironmentVariable("CHROMIUM_BIN") is { Length: > 0 } fromEnv ? fromEnv : "/usr/bin/chromium";
            return File.Exists(path)
                ? path
                : throw new InvalidOperationException($"Chromium not found at {path}: install it (apt-get install -y chromium; scripts/test.sh does) or set CHROMIUM_BIN.");
        }
    }

    public async ValueTask InitializeAsync()
    {
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            ChromiumSandbox = false,
            Args = Arguments,
            Timeout = 60_000,
        });
    }

    public async Task<IPage> NewPageAsync(IReadOnlyDictionary<string, string>? headers = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ExtraHTTPHeaders = headers });
        context.SetDefaultTimeout(20_000);
        return await context.NewPageAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
    }
}
