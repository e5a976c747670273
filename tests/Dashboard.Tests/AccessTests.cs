using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Dashboard.Tests.Infrastructure;
using TypedTasks.Integration.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace TypedTasks.Dashboard.Tests;

/// <summary>Without a policy the dashboard serves only local requests in Development; everything else is refused, with
/// a message that says how to configure a policy.</summary>
public sealed class AccessTests(NatsServer server, Chromium chromium) : IClassFixture<NatsServer>
{
    static AccessTests() => SetDefaultExpectTimeout(20_000);

    [Fact]
    public async Task NoPolicy_OutsideDevelopment_RefusesEvenLocalRequests_SayingHowToConfigureAPolicy()
    {
        await using var dashboard = await DashboardHost.StartAsync(server, TestApp.NewPrefix(), environment: "Production");
        var page = await chromium.NewPageAsync();

        var response = await page.GotoAsync(dashboard.Dashboard);

        Assert.Equal(403, response!.Status);
        await Expect(page.Locator("body")).ToContainTextAsync("has no authorization policy");
        await Expect(page.Locator("body")).ToContainTextAsync("ReadPolicy");
        Assert.Equal(403, (await page.GotoAsync(dashboard.Dashboard + "/assets/dashboard.css"))!.Status);
        Assert.Equal(403, (await page.GotoAsync(dashboard.Dashboard + "/live"))!.Status);
    }

    [Fact]
    public async Task NoPolicy_InDevelopment_RefusesARemoteClient_AndServesALocalOne()
    {
        // Behind a proxy the client's address comes from X-Forwarded-For (ASP.NET's forwarded-headers middleware, which
        // trusts the loopback proxy by default): a remote client, as the dashboard sees it.
        await using var dashboard = await DashboardHost.StartAsync(
            server,
            TestApp.NewPrefix(),
            configureApp: app => app.UseForwardedHeaders(new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor }));
        var remote = await chromium.NewPageAsync(new Dictionary<string, string> { ["X-Forwarded-For"] = "203.0.113.7" });
        var local = await chromium.NewPageAsync();

        var refused = await remote.GotoAsync(dashboard.Dashboard);
        var served = await local.GotoAsync(dashboard.Dashboard);

        Assert.Equal(403, refused!.Status);
        await Expect(remote.Locator("body")).ToContainTextAsync("answers only requests from this machine");
        Assert.Equal(200, served!.Status);
        await Expect(local.Locator("h1")).ToHaveTextAsync("Overview");
    }

    [Fact]
    public async Task ReadPolicy_AdmitsOnlyUsersWhoSatisfyIt_InAnyEnvironment()
    {
        await using var dashboard = await DashboardHost.StartWithRolesAsync(server, TestApp.NewPrefix());
        var anonymous = await chromium.NewPageAsync();
        var stranger = await chromium.NewPageAsync(new Dictionary<string, string> { ["X-Test-User"] = "eve", ["X-Test-Role"] = "sales" });
        var monitor = await chromium.NewPageAsync(new Dictionary<string, string> { ["X-Test-User"] = "ada", ["X-Test-Role"] = "monitor" });

        // The refusals come from the app's own authentication (no body: Chromium would show its error page instead), so
        // they are read through the browser context's request API, with the context's headers.
        Assert.Equal(401, (await anonymous.APIRequest.GetAsync(dashboard.Dashboard)).Status);
        Assert.Equal(403, (await stranger.APIRequest.GetAsync(dashboard.Dashboard)).Status);
        Assert.Equal(403, (await stranger.APIRequest.GetAsync(dashboard.Dashboard + "/live")).Status);
        Assert.Equal(200, (await monitor.GotoAsync(dashboard.Dashboard + "/workers"))!.Status);
        await Expect(monitor.Locator("h1")).ToHaveTextAsync("Workers");
    }
}
