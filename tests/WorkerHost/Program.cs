// A TypedTasks worker for the crash tests, configured like any host: command line or environment, e.g.
//   dotnet TypedTasks.WorkerHost.dll --TypedTasks:Url=nats://127.0.0.1:4222 --TypedTasks:Prefix=t1
//     --TypedTasks:Worker:AckWait=00:00:01 --TypedTasks:Worker:MaxDeliveries=2 --TypedTasks:Worker:ShutdownGracePeriod=00:00:00.2
// (or TypedTasks__Url=… in the environment). Logs go to stderr, so stdout stays free.
// The fault suite (tests/Fault.Tests) adds --Fault:Ledger=PATH: the file its tasks append their runs to.
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TypedTasks.WorkerHost;

CrashTasks.MayKillProcess = true;
var builder = Host.CreateApplicationBuilder(args);
FaultLedger.Open(builder.Configuration["Fault:Ledger"]);
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
builder.Logging.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
builder.Services
    .AddTypedTasks(builder.Configuration)
    .AddTypedTasksWorkerHostTasks()
    .AddWorker();

await builder.Build().RunAsync();
