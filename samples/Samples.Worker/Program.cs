// The worker of the samples: runs the tasks of Samples.Tasks (the "email", "reports" and "maintenance" queues) and
// their periodic schedules. Configuration: appsettings.json, then environment variables (TypedTasks__Url=nats://…).
using System.Globalization;
using Samples.Tasks;

var builder = Host.CreateApplicationBuilder(args);
builder.Logging.AddSimpleConsole(console =>
{
    console.SingleLine = true;
    console.TimestampFormat = "HH:mm:ss ";
});

builder.Services.AddSampleServices(builder.Configuration);
var typedTasks = builder.Services.AddTypedTasks(builder.Configuration)
    .AddSamplesTasks()      // with the [Periodic] nightly cleanup of CleanupTasks
    .AddWorker();

// A schedule registered in code, with arguments typed by the generated Call(…): Samples:CleanupEvery (e.g. 00:00:02,
// as scripts/run-samples.sh sets it) runs a harmless cleanup (files older than a year) that often, to watch it fire.
if (builder.Configuration["Samples:CleanupEvery"] is { Length: > 0 } every)
{
    typedTasks.AddPeriodic(CleanupTasks.PurgeOldFilesTask.Call(olderThanDays: 365), TimeSpan.Parse(every, CultureInfo.InvariantCulture), name: "cleanup-sample-run");
}

await builder.Build().RunAsync();
