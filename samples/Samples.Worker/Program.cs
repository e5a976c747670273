// The worker of the samples: runs the tasks of Samples.Tasks (the "email" and "reports" queues).
// Configuration: appsettings.json, then environment variables (TypedTasks__Url=nats://…).
var builder = Host.CreateApplicationBuilder(args);
builder.Logging.AddSimpleConsole(console =>
{
    console.SingleLine = true;
    console.TimestampFormat = "HH:mm:ss ";
});

builder.Services.AddSampleServices(builder.Configuration);
builder.Services.AddTypedTasks(builder.Configuration)
    .AddSamplesTasks()
    .AddWorker();

await builder.Build().RunAsync();
