using System.CommandLine;
using System.CommandLine.Invocation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TypedTasks.Cli;

/// <summary>Parses <c>tt</c>'s command line (System.CommandLine, <see cref="TtParser"/>) and runs one command against a NATS server.</summary>
public static class TtCommand
{
    /// <summary>The one-line synopsis that starts <c>tt --help</c> and follows a usage error.</summary>
    public const string Usage = "usage: tt [--url nats://host:4222] [--prefix tt] [--json] <command> [arguments]";

    /// <summary>How long <c>tt</c> waits for its connection to the server (docs/cli.md).</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Runs <c>tt</c> with <paramref name="args"/>, writing to <paramref name="output"/> and <paramref name="error"/>.</summary>
    /// <param name="args">The command line.</param>
    /// <param name="output">Where results and help go.</param>
    /// <param name="error">Where errors and usage go.</param>
    /// <param name="cancellationToken">Ends a waiting command (events, send --wait) or cancels a running one.</param>
    /// <returns>The exit code: 0 done, 1 failed, 2 bad usage.</returns>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
        => RunAsync(args, output, error, input: null, environment: null, cancellationToken);

    /// <summary>Runs <c>tt</c> with settings that stand for environment variables (<c>TypedTasks__Auth__Username</c>), for tests
    /// that must not change the process's environment.</summary>
    internal static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken)
        => RunAsync(args, output, error, input: null, environment, cancellationToken);

    /// <summary>Runs <c>tt</c> reading <c>tt send … -</c>'s arguments from <paramref name="input"/> (standard input when null).</summary>
    internal static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, TextReader? input, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var parser = new TtParser((parse, run, token) => ConnectAndRunAsync(parse, run, error, environment, token), input ?? Console.In);
        var parse = parser.Root.Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            foreach (var failure in parse.Errors)
            {
                await error.WriteLineAsync("tt: " + failure.Message).ConfigureAwait(false);
            }

            var command = parse.CommandResult.Command;
            await error.WriteLineAsync(command == parser.Root ? Usage : "usage: " + parser.UsageOf(command)).ConfigureAwait(false);
            await error.WriteLineAsync($"({parser.PathOf(command)} --help lists {(command == parser.Root ? "the commands and options" : "its arguments and options")})").ConfigureAwait(false);
            return 2;
        }

        var invocation = new InvocationConfiguration
        {
            Output = output,
            Error = error,
            // Unexpected exceptions surface as they are; Ctrl+C is Program's (it cancels cancellationToken).
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null,
        };
        return await parse.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Builds the host for the parsed <c>--url</c>, <c>--prefix</c> and environment, then runs one command in it and
    /// turns the failures an operator can act on into a message and exit code 1.</summary>
    private static async Task<int> ConnectAndRunAsync(TtParser.Parsed parsed, Func<Commands, CancellationToken, Task<int>> run, TextWriter error, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken)
    {
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (parsed.Url is { } url)
        {
            settings["TypedTasks:Url"] = url;
        }

        if (parsed.Prefix is { } prefix)
        {
            settings["TypedTasks:Prefix"] = prefix;
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
            // One connection attempt, then the command gives up: 5 s for it, as the Go nats CLI's --timeout, rather than
            // NATS.Net's 2 s, which a busy machine's first connect can take.
            o.ConfigureNats = nats => nats with { ConnectTimeout = ConnectTimeout };
        });
        using var host = builder.Build();
        var commands = new Commands(host.Services, parsed.Output, parsed.Json, error);
        var started = DateTimeOffset.UtcNow;
        try
        {
            // A subject the server refuses ends the command at once with the server's words, not after a timeout; except the
            // read of the oldest waiting tasks (tt queues), which a role may lack: the queries show no ages then.
            var connection = host.Services.GetRequiredService<Topology.TypedTasksConnection>();
            return await connection.ServerErrors.GuardAsync(
                violation => !Client.DeploymentQueries.IsOldestReadRefused(violation, connection.Names.TasksStream),
                token => run(commands, token),
                cancellationToken).ConfigureAwait(false);
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
}
