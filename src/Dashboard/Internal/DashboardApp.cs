using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TypedTasks.Backend;
using TypedTasks.Topology;

namespace TypedTasks.Dashboard.Internal;

/// <summary>
/// The dashboard's endpoints under one prefix: the pages (<c>DashboardApp.Pages.cs</c>, a task's state history in
/// <c>DashboardApp.History.cs</c>, workflows in <c>DashboardApp.Workflows.cs</c>), the live numbers
/// (<c>DashboardApp.Live.cs</c>), the operators' actions (<c>DashboardApp.Actions.cs</c>) and the embedded assets; who may see them (<see cref="Guard"/>) and the page frame.
/// </summary>
internal sealed partial class DashboardApp
{
    /// <summary>What a request without a policy outside local Development gets: how to configure one.</summary>
    internal const string NoPolicyMessage =
        "The TypedTasks dashboard has no authorization policy, so it answers only requests from this machine while the app runs in the Development environment.\n"
        + "To open it here, give it a policy that your users satisfy:\n\n"
        + "  builder.Services.AddAuthorization(o => o.AddPolicy(\"tasks-readers\", p => p.RequireRole(\"operations\")));\n"
        + "  app.MapTypedTasksDashboard(\"/tasks\", new TypedTasksDashboardOptions { ReadPolicy = \"tasks-readers\", OperatorPolicy = \"tasks-operators\" });\n\n"
        + "(with an authentication scheme that signs users in). See docs/dashboard.md, \"Authorization\".\n";

    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    private static readonly IReadOnlyDictionary<string, (byte[] Bytes, string ContentType)> Assets = LoadAssets();

    private readonly IServiceProvider _services;
    private readonly TypedTasksDashboardOptions _options;
    private readonly RecentTasks _recent;
    private readonly ILogger _logger;
    private readonly IHostEnvironment? _environment;
    private readonly CancellationToken _stopping;
    private readonly IServiceProvider _actionServices;
    private ITimeLimitedDataProtector? _messages;
    private string _prefix = string.Empty;

    /// <param name="services">The app's services.</param>
    /// <param name="actionServices">Where antiforgery and data protection come from: the app's services, or the
    /// dashboard's own when the app did not call <c>AddAntiforgery</c>.</param>
    /// <param name="options">The dashboard's settings.</param>
    /// <param name="recent">The recent-tasks list.</param>
    /// <param name="logger">The dashboard's logger (<c>TypedTasks.Dashboard</c>).</param>
    public DashboardApp(IServiceProvider services, IServiceProvider actionServices, TypedTasksDashboardOptions options, RecentTasks recent, ILogger logger)
    {
        _services = services;
        _actionServices = actionServices;
        _options = options;
        _recent = recent;
        _logger = logger;
        _environment = services.GetService<IHostEnvironment>();
        _stopping = services.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None;
    }

    private TypedTasksConnection Connection => _services.GetRequiredService<TypedTasksConnection>();

    private NatsResultBackend Results => _services.GetRequiredService<NatsResultBackend>();

    private IWorkerInspector Workers => _services.GetRequiredService<IWorkerInspector>();

    public void Map(RouteGroupBuilder group, string prefix, bool localDevelopmentOnly)
    {
        _prefix = prefix;
        RequestDelegate Guarded(Func<HttpContext, Task> page) => context => Guard(context, localDevelopmentOnly, page);
        group.MapGet(string.Empty, Guarded(OverviewAsync));
        group.MapGet("/queues", Guarded(QueuesAsync));
        group.MapGet("/workers", Guarded(WorkersAsync));
        group.MapGet("/tasks", Guarded(TasksAsync));
        group.MapGet("/tasks/{id}", Guarded(TaskAsync));
        group.MapGet("/workflows", Guarded(WorkflowsAsync));
        group.MapGet("/dead", Guarded(DeadLettersAsync));
        group.MapGet("/scheduled", Guarded(ScheduledAsync));
        group.MapGet("/periodic", Guarded(PeriodicAsync));
        group.MapGet("/catalog", Guarded(CatalogAsync));
        group.MapGet("/live", Guarded(LiveAsync));
        group.MapGet("/actions/{action}", Guarded(ConfirmAsync));
        group.MapPost("/actions/{action}", Guarded(ActAsync));
        group.MapGet("/assets/{name}", Guarded(AssetAsync));
    }

    /// <summary>Without a policy: only loopback requests, only in Development; everything else gets 403 and how to set one.</summary>
    private async Task Guard(HttpContext context, bool localDevelopmentOnly, Func<HttpContext, Task> page)
    {
        if (localDevelopmentOnly && !(_environment?.IsDevelopment() == true && IsLoopback(context.Connection.RemoteIpAddress)))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            context.Response.ContentType = "text/plain; charset=utf-8";
            context.Response.Headers.CacheControl = "no-store";
            await context.Response.WriteAsync(NoPolicyMessage, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        try
        {
            await page(context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            _logger.LogWarning(ex, "The TypedTasks dashboard could not answer {Path}", context.Request.Path.Value);
            var body = new Html().Raw("<h1>Could not read from NATS</h1><p>").Text(ex.GetType().Name + ": " + ex.Message)
                .Raw("</p><p class=\"note\">The app's log has the details. Is the NATS server up, and may this app's user read the TypedTasks streams and buckets (docs/security.md)?</p>");
            await WritePageAsync(context, "Error", string.Empty, body, StatusCodes.Status503ServiceUnavailable).ConfigureAwait(false);
        }
    }

    private static bool IsLoopback(IPAddress? address)
        => address is not null && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    /// <summary>The dashboard's root as the browser sees it (the app's path base and the prefix).</summary>
    private string Base(HttpContext context) => context.Request.PathBase.Value + _prefix;

    private static readonly (string Path, string Name)[] Navigation =
    [
        (string.Empty, "Overview"), ("/queues", "Queues"), ("/workers", "Workers"), ("/tasks", "Tasks"), ("/workflows", "Workflows"), ("/scheduled", "Due later"),
        ("/periodic", "Periodic"), ("/dead", "Dead letters"), ("/catalog", "Task types"),
    ];

    private async Task WritePageAsync(HttpContext context, string title, string active, Html body, int status = StatusCodes.Status200OK)
    {
        var root = Base(context);
        var page = new Html();
        page.Raw("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Raw("<title>").Text(title).Raw(" · TypedTasks</title>")
            .Raw("<link rel=\"stylesheet\" href=").Attr(root + "/assets/dashboard.css").Raw(">")
            .Raw("<script src=").Attr(root + "/assets/dashboard.js").Raw(" defer></script></head>")
            .Raw("<body data-base=").Attr(root).Raw("><header><nav><span class=\"brand\">TypedTasks</span>");
        foreach (var (path, name) in Navigation)
        {
            page.Raw("<a href=").Attr(root + (path.Length == 0 ? "/" : path)).Raw(path == active ? " class=\"active\" aria-current=\"page\">" : ">").Text(name).Raw("</a>");
        }

        page.Raw("</nav></header><main>");
        WriteOutcome(context, page);
        page.Raw(body.ToString()).Raw("</main></body></html>");
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "text/html; charset=utf-8";
        SecurityHeaders(response);
        await response.WriteAsync(page.ToString(), context.RequestAborted).ConfigureAwait(false);
    }

    private static void SecurityHeaders(HttpResponse response)
    {
        response.Headers.CacheControl = "no-store";
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "same-origin";
    }

    private static async Task AssetAsync(HttpContext context)
    {
        var name = context.Request.RouteValues["name"] as string ?? string.Empty;
        if (!Assets.TryGetValue(name, out var asset))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        context.Response.ContentType = asset.ContentType;
        context.Response.Headers.CacheControl = "public, max-age=300";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        await context.Response.Body.WriteAsync(asset.Bytes, context.RequestAborted).ConfigureAwait(false);
    }

    private static Dictionary<string, (byte[], string)> LoadAssets()
    {
        var assembly = typeof(DashboardApp).Assembly;
        const string Prefix = "TypedTasks.Dashboard.Assets.";
        var assets = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var name = resource[Prefix.Length..];
            assets[name] = (buffer.ToArray(), name.EndsWith(".css", StringComparison.Ordinal) ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8");
        }

        return assets;
    }
}
