// One headless Chromium for every test of the assembly; the tests share it, each in its own browser context.
[assembly: AssemblyFixture(typeof(TypedTasks.Dashboard.Tests.Infrastructure.Chromium))]
