using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TypedTasks.Cli;

/// <summary>Parses <c>tt</c>'s command line and runs one command against a NATS server.</summary>
public static class TtCommand
{
    /// <summary>The usage text.</summary>
    public const string Usage = """
        usage: tt [--url nats://host:4222] [--prefix tt] [--json] <command> [arguments]

        commands:
          workers [--lost]                 the workers that are up (with --lost: also those that stopped answering)
          ping [--wait <seconds>]          ask every worker to answer now (default: wait 1 s for answers)
          shutdown <worker-id> --yes       ask a worker to stop gracefully (its host stops)
          queues [--sweep]                 per queue: waiting, running (held by workers), acknowledged leftovers, and
                                           tasks due later (with --sweep: first remove the leftovers)
          schedules                        the periodic schedules: task, cron or interval, last and next occurrence
          schedules remove <name> --yes    stop a schedule in every running worker (its record stays, marked removed)
          status <task-id>                 a task's record: state, attempts, worker, times, result or error
          revoke <task-id> [--terminate]   revoke a task (with --terminate: also cancel it if it runs)
          events [--kind <kind>]...        task events as they happen, until Ctrl+C (workers need SendTaskEvents)
          dead list [--queue <q>]          dead letters with their reasons
          dead requeue <seq> | --all [--queue <q>]
                                           send dead letters back to their queues (same task ids)
          dead purge [--queue <q>] --yes   delete dead letters
          purge <queue> --yes              delete every task waiting in a queue (not the running ones)

        --json prints workers, ping, queues, schedules, status and dead list as JSON (the wire formats of docs/protocol.md).
        The server and prefix also come from the environment, as for applications: TypedTasks__Url, TypedTasks__Prefix;
        credentials too (TypedTasks__Auth__Username and TypedTasks__Auth__Password, __Token, __CredsFile, …; docs/security.md).
        Exit codes: 0 done, 1 failed (a message says why), 2 bad usage.
        """;

    /// <summary>Runs <c>tt</c> with <paramref name="args"/>, writing to <paramref name="output"/> and <paramref name="error"/>.</summary>
    /// <param name="args">The command line.</param>
    /// <param name="output">Where results go.</param>
    /// <param name="error">Where errors and usage go.</param>
    /// <param name="cancellationToken">Ends a waiting command (events) or cancels a running one.</param>
    /// <returns>The exit code.</returns>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
        => RunAsync(args, output, error, environment: null, cancellationToken);

    /// <summary>Runs <c>tt</c> with settings that stand for environment variables (<c>TypedTasks__Auth__Username</c>), for tests
    /// that must not change the process's environment.</summary>
    internal static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        var rest = new List<string>();
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal);
        var json = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--url" when i + 1 < args.Length:
                    settings["TypedTasks:Url"] = args[++i];
                    break;
                case "--prefix" when i + 1 < args.Length:
                    settings["TypedTasks:Prefix"] = args[++i];
                    break;
                case "--json":
                    json = true;
                    break;
                case "-h" or "--help":
                    await output.WriteLineAsync(Usage).ConfigureAwait(false);
                    return 0;
                default:
                    rest.Add(args[i]);
                    break;
            }
        }

        if (rest.Count == 0)
        {
            await error.WriteLineAsync(Usage).ConfigureAwait(false);
            return 2;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Configuration.AddEnvironmentVariables();
        if (environment is not null)
        {
            builder.Configuration.AddInMemoryCollection(environment.Select(e => KeyValuePair.Create(e.Key.Replace("__", ":", StringComparison.Ordinal), (string?)e.Value)));
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.Services.AddTypedTasks(builder.Configuration, o =>
        {
            o.ConnectionName = "tt";
            // Looking never creates: what is missing is reported.
            o.CreateInfrastructure = false;
        });
        using var host = builder.Build();
        var commands = new Commands(host.Services, output, json);
        var started = DateTimeOffset.UtcNow;
        try
        {
            // A subject the server refuses ends the command at once with the server's words, not after a timeout.
            var connection = host.Services.GetRequiredService<Topology.TypedTasksConnection>();
            return await connection.ServerErrors.GuardAsync(_ => true, token => RunCommandAsync(commands, rest, error, token), cancellationToken).ConfigureAwait(false);
        }
        catch (UsageException ex)
        {
            return await UsageErrorAsync(error, ex.Message).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 0;
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException ex)
        {
            await error.WriteLineAsync("tt: the settings cannot be used:").ConfigureAwait(false);
            foreach (var failure in ex.Failures)
            {
                await error.WriteLineAsync("  " + failure).ConfigureAwait(false);
            }

            return 1;
        }
        catch (Exception ex) when (ex is TypedTasksException or NATS.Client.Core.NatsException or TimeoutException or ArgumentException)
        {
            var options = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<TypedTasksOptions>>().Value;
            var errors = host.Services.GetRequiredService<Topology.TypedTasksConnection>().ServerErrors;
            // The cause first (a refused login or subject), never a secret (issue 11).
            var why = Topology.NatsFailure.Cause(ex, options, errors, started)
                ?? (ex is NATS.Client.JetStream.NatsJSApiException { Error.Code: 404 }
                    ? $"{ex.Message}: nothing on prefix '{options.Prefix}' yet, or not this part (no application with this prefix has created it)"
                    : Topology.Redaction.Text(ex.Message, options));
            await error.WriteLineAsync($"tt: {why} (server {Topology.Redaction.Url(options.Url)})").ConfigureAwait(false);
            return 1;
        }
    }

    private static async Task<int> RunCommandAsync(Commands commands, List<string> rest, TextWriter error, CancellationToken cancellationToken)
        => rest[0] switch
        {
            "workers" => await commands.WorkersAsync(Flag(rest, "--lost"), cancellationToken).ConfigureAwait(false),
            "queues" => await commands.QueuesAsync(Flag(rest, "--sweep"), cancellationToken).ConfigureAwait(false),
            "ping" => await commands.PingAsync(Seconds(Option(rest, "--wait")), cancellationToken).ConfigureAwait(false),
            "shutdown" when rest.Count >= 2 => Flag(rest, "--yes")
                ? await commands.ShutdownAsync(rest[1], cancellationToken).ConfigureAwait(false)
                : await RefuseAsync(error, $"shutdown stops worker '{rest[1]}': add --yes to do it.").ConfigureAwait(false),
            "schedules" when rest.Count >= 3 && rest[1] == "remove" => Flag(rest, "--yes")
                ? await commands.ScheduleRemoveAsync(rest[2], cancellationToken).ConfigureAwait(false)
                : await RefuseAsync(error, $"schedules remove stops schedule '{rest[2]}' in every worker: add --yes to do it.").ConfigureAwait(false),
            "schedules" => await commands.SchedulesAsync(cancellationToken).ConfigureAwait(false),
            "status" when rest.Count == 2 => await commands.StatusAsync(rest[1], cancellationToken).ConfigureAwait(false),
            "revoke" when rest.Count >= 2 => await commands.RevokeAsync(rest[1], Flag(rest, "--terminate"), cancellationToken).ConfigureAwait(false),
            "events" => await commands.EventsAsync(Kinds(rest), cancellationToken).ConfigureAwait(false),
            "dead" when rest.Count >= 2 && rest[1] == "list" => await commands.DeadListAsync(Option(rest, "--queue"), cancellationToken).ConfigureAwait(false),
            "dead" when rest.Count >= 3 && rest[1] == "requeue" => await commands.DeadRequeueAsync(rest[2] == "--all" ? null : ParseSequence(rest[2]), Option(rest, "--queue"), cancellationToken).ConfigureAwait(false),
            "dead" when rest.Count >= 2 && rest[1] == "purge" => Flag(rest, "--yes")
                ? await commands.DeadPurgeAsync(Option(rest, "--queue"), cancellationToken).ConfigureAwait(false)
                : await RefuseAsync(error, "dead purge deletes dead letters for good: add --yes to do it.").ConfigureAwait(false),
            "purge" when rest.Count >= 2 => Flag(rest, "--yes")
                ? await commands.PurgeAsync(rest[1], cancellationToken).ConfigureAwait(false)
                : await RefuseAsync(error, $"purge deletes every task waiting in queue '{rest[1]}': add --yes to do it.").ConfigureAwait(false),
            _ => await UsageErrorAsync(error, $"unknown command or missing argument: {string.Join(' ', rest)}").ConfigureAwait(false),
        };

    private static bool Flag(List<string> args, string name) => args.Contains(name, StringComparer.Ordinal);

    private static string? Option(List<string> args, string name)
    {
        var at = args.IndexOf(name);
        return at >= 0 && at + 1 < args.Count ? args[at + 1] : null;
    }

    private static List<TaskEventKind> Kinds(List<string> args)
    {
        var kinds = new List<TaskEventKind>();
        for (var i = 0; i < args.Count - 1; i++)
        {
            if (args[i] == "--kind")
            {
                kinds.Add(Enum.TryParse<TaskEventKind>(args[i + 1].Replace("_", string.Empty, StringComparison.Ordinal), ignoreCase: true, out var kind)
                    ? kind
                    : throw new UsageException($"unknown event kind '{args[i + 1]}': use {string.Join(", ", Enum.GetNames<TaskEventKind>().Select(n => n.ToLowerInvariant()))}."));
            }
        }

        return kinds;
    }

    private static TimeSpan? Seconds(string? text)
        => text is null ? null
            : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 ? TimeSpan.FromSeconds(seconds)
            : throw new UsageException($"'{text}' is not a number of seconds.");

    private static ulong ParseSequence(string text)
        => ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
            ? sequence
            : throw new UsageException($"'{text}' is not a dead-letter sequence number (see tt dead list) nor --all.");

    private static async Task<int> UsageErrorAsync(TextWriter error, string message)
    {
        await error.WriteLineAsync("tt: " + message).ConfigureAwait(false);
        await error.WriteLineAsync(Usage).ConfigureAwait(false);
        return 2;
    }

    private static async Task<int> RefuseAsync(TextWriter error, string message)
    {
        await error.WriteLineAsync("tt: " + message).ConfigureAwait(false);
        return 2;
    }

    private sealed class UsageException(string message) : Exception(message);
}
