using System.Buffers;
using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text;
using System.Text.Json;
using TypedTasks.Protocol;

namespace TypedTasks.Cli;

/// <summary><c>tt</c>'s commands, options and help as a System.CommandLine tree. Each command's action checks what
/// the parser cannot (a missing <c>--yes</c>, the JSON of <c>tt send</c>) and then runs through one function that
/// connects (<see cref="TtCommand"/>).</summary>
internal sealed class TtParser
{
    /// <summary>How deep the JSON arguments of <c>tt send</c> may nest (System.Text.Json's default limit, which workers read with).</summary>
    internal const int MaxArgumentsDepth = 64;

    /// <summary>Dead letters per page of <c>tt dead list</c> without <c>--limit</c>.</summary>
    internal const int DeadListPageSize = 100;

    /// <summary>Tasks due later per page of <c>tt scheduled</c> without <c>--limit</c>.</summary>
    internal const int DueLaterPageSize = 100;

    private readonly Func<Parsed, Func<Commands, CancellationToken, Task<int>>, CancellationToken, Task<int>> _run;
    private readonly TextReader _input;
    private readonly Dictionary<Command, string> _paths = [];

    private readonly Option<string?> _url = new("--url")
    {
        Description = "The NATS server (default: TypedTasks__Url, else nats://127.0.0.1:4222).",
        HelpName = "nats://host:4222",
        Recursive = true,
    };

    private readonly Option<string?> _prefix = new("--prefix")
    {
        Description = "The deployment's prefix of subjects, streams and buckets (default: TypedTasks__Prefix, else tt).",
        HelpName = "prefix",
        Recursive = true,
    };

    private readonly Option<bool> _json = new("--json")
    {
        Description = "Print workers, ping, queues, schedules, scheduled, tasks, status, dead list and send as JSON (the wire formats of docs/protocol.md).",
        Recursive = true,
    };

    /// <summary>Builds the tree; <paramref name="run"/> connects and runs a command, <paramref name="input"/> is read by <c>tt send … -</c>.</summary>
    public TtParser(Func<Parsed, Func<Commands, CancellationToken, Task<int>>, CancellationToken, Task<int>> run, TextReader input)
    {
        _run = run;
        _input = input;
        Root = new RootCommand("tt: inspect and operate TypedTasks on NATS from the shell — workers, queues, task status, events, dead letters, revoke, purge, send.");
        _paths[Root] = "tt";
        Root.Options.Add(_url);
        Root.Options.Add(_prefix);
        Root.Options.Add(_json);
        foreach (var option in Root.Options)
        {
            if (option is HelpOption help)
            {
                help.Action = new TtHelpAction(this);
            }
        }

        // Bare `tt` (or only global options): the whole help, as an error, since nothing was asked.
        Root.SetAction(parse =>
        {
            WriteHelp(parse, parse.InvocationConfiguration.Error);
            return 2;
        });
        Add(Root, Workers());
        Add(Root, Ping());
        Add(Root, Shutdown());
        Add(Root, Queues());
        Add(Root, Schedules());
        Add(Root, Scheduled());
        Add(Root, Tasks());
        Add(Root, Status());
        Add(Root, Revoke());
        Add(Root, Events());
        Add(Root, Dead());
        Add(Root, Purge());
        Add(Root, Send());
    }

    /// <summary>The root command (its <c>[suggest]</c> directive serves shell completion).</summary>
    public RootCommand Root { get; }

    /// <summary>The command's words from <c>tt</c>: <c>tt dead requeue</c>.</summary>
    public string PathOf(Command command) => _paths.TryGetValue(command, out var path) ? path : command.Name;

    /// <summary>The command's usage line: <c>tt dead requeue [&lt;seq&gt;] [options]</c>.</summary>
    public string UsageOf(Command command)
    {
        var parts = new List<string> { PathOf(command) };
        foreach (var argument in command.Arguments.Where(a => !a.Hidden))
        {
            var label = $"<{argument.HelpName ?? argument.Name}>";
            parts.Add(argument.Arity.MinimumNumberOfValues == 0 ? $"[{label}]" : label);
        }

        if (command.Subcommands.Count > 0)
        {
            parts.Add(command.Action is null ? "<command>" : "[command]");
        }

        parts.Add("[options]");
        return string.Join(' ', parts);
    }

    /// <summary>Writes the help of <paramref name="command"/> as System.CommandLine writes it (description, usage, arguments,
    /// options, subcommands), under the name <c>tt</c> whatever process runs it; for <c>tt</c> itself the synopsis line
    /// <see cref="TtCommand.Usage"/> stands for the generic usage, and the settings and exit codes follow.</summary>
    public void WriteHelp(ParseResult parse, TextWriter writer)
    {
        var command = parse.CommandResult.Command;
        var invocation = parse.InvocationConfiguration;
        var output = invocation.Output;
        var capture = new StringWriter(CultureInfo.InvariantCulture);
        invocation.Output = capture;
        try
        {
            new HelpAction().Invoke(parse);
        }
        finally
        {
            invocation.Output = output;
        }

        var sections = capture.ToString().ReplaceLineEndings("\n").Split("\n\n", StringSplitOptions.RemoveEmptyEntries).ToList();
        var usage = sections.FindIndex(s => s.StartsWith("Usage:", StringComparison.Ordinal));
        if (command == Root)
        {
            if (usage >= 0)
            {
                sections.RemoveAt(usage);
            }

            sections.Insert(0, TtCommand.Usage);
            sections.Add("""
                Settings: the server, prefix and credentials also come from the environment, as for applications:
                  TypedTasks__Url, TypedTasks__Prefix, TypedTasks__Auth__Username and __Password, __Token, __CredsFile, …
                  (docs/security.md). Options win over the environment.
                Exit codes: 0 done, 1 failed (a message says why), 2 bad usage.
                tt <command> --help describes one command; completion for bash and zsh: docs/cli.md.
                """.ReplaceLineEndings("\n"));
        }
        else if (usage >= 0 && Root.Name != "tt")
        {
            // Under another host (tests) the root command is named after that process.
            sections[usage] = sections[usage].Replace("  " + Root.Name + " ", "  tt ", StringComparison.Ordinal);
        }

        writer.Write(string.Join("\n\n", sections).TrimEnd() + "\n");
    }

    private void Add(Command parent, Command command)
    {
        parent.Subcommands.Add(command);
        _paths[command] = PathOf(parent) + " " + command.Name;
        foreach (var sub in command.Subcommands)
        {
            _paths[sub] = _paths[command] + " " + sub.Name;
        }
    }

    private Parsed Read(ParseResult parse) => new(parse.GetValue(_url), parse.GetValue(_prefix), parse.GetValue(_json), parse.InvocationConfiguration.Output);

    /// <summary>Sets the command's action: connect, then <paramref name="run"/>.</summary>
    private void Connects(Command command, Func<ParseResult, Func<Commands, CancellationToken, Task<int>>> run)
        => command.SetAction((parse, token) => _run(Read(parse), run(parse), token));

    /// <summary>Sets the action of a command that changes or deletes something: without <c>--yes</c> it refuses with <paramref name="refusal"/> (exit 2).</summary>
    private void ConnectsWithYes(Command command, Option<bool> yes, Func<ParseResult, string> refusal, Func<ParseResult, Func<Commands, CancellationToken, Task<int>>> run)
        => command.SetAction(async (parse, token) =>
        {
            if (!parse.GetValue(yes))
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync("tt: " + refusal(parse)).ConfigureAwait(false);
                return 2;
            }

            return await _run(Read(parse), run(parse), token).ConfigureAwait(false);
        });

    private static Option<bool> Yes(string what) => new("--yes") { Description = $"Really {what} (without it the command refuses and exits 2)." };

    private Command Workers()
    {
        var lost = new Option<bool>("--lost") { Description = "Also list the workers that stopped answering without a clean stop (heartbeat in the last hour)." };
        var command = new Command("workers", "The workers that are up, from their heartbeats: queues, busy slots, runs done and failed, last heartbeat, running tasks.") { lost };
        Connects(command, parse => (c, t) => c.WorkersAsync(parse.GetValue(lost), t));
        return command;
    }

    private Command Ping()
    {
        var wait = new Option<TimeSpan?>("--wait")
        {
            Description = "How long to wait for answers: seconds (0.5) or a time span (500ms, 2s). Default 1 s.",
            HelpName = "seconds",
            CustomParser = result => ParseDuration(result, positive: true, "a number of seconds (0.5) or a time span (500ms, 2s)"),
        };
        var command = new Command("ping", "Ask every worker to answer now (remote control), with its current state; exit 1 when none answers.") { wait };
        Connects(command, parse => (c, t) => c.PingAsync(parse.GetValue(wait), t));
        return command;
    }

    private Command Shutdown()
    {
        var worker = new Argument<string>("worker-id") { Description = "The worker's id (see tt workers)." };
        var yes = Yes("stop the worker");
        var command = new Command("shutdown", "Ask a worker to stop gracefully: no new tasks, running ones finish within its grace period, its host stops. The worker needs TypedTasks:Worker:RemoteControl:AllowShutdown=true.") { worker, yes };
        ConnectsWithYes(command, yes, parse => $"shutdown stops worker '{parse.GetValue(worker)}': add --yes to do it.", parse => (c, t) => c.ShutdownAsync(parse.GetValue(worker)!, t));
        return command;
    }

    private Command Queues()
    {
        var sweep = new Option<bool>("--sweep") { Description = "First remove the acknowledged leftovers below each queue's ack floor (docs/cli.md, Leftovers)." };
        var watch = new Option<TimeSpan?>("--watch")
        {
            Description = $"Print the table again every interval (default 2s, at least {Commands.MinWatchInterval.TotalSeconds:0}s), with each queue's tasks in and out per second, until Ctrl+C.",
            HelpName = "interval",
            Arity = ArgumentArity.ZeroOrOne,
            CustomParser = result =>
            {
                if (result.Tokens.Count == 0)
                {
                    return Commands.DefaultWatchInterval;
                }

                var text = result.Tokens[0].Value;
                if (!DurationSyntax.TryParse(text, out var interval) || interval < Commands.MinWatchInterval)
                {
                    result.AddError($"'{text}' is not an interval of at least {Commands.MinWatchInterval.TotalSeconds:0}s: use 2s, 5s, 1m or a number of seconds (rates need a second between two readings).");
                    return null;
                }

                return interval;
            },
        };
        var command = new Command("queues", "Per queue: tasks stored, waiting, held by workers, leftovers, how long the oldest waiting task has waited, its consumer; and how many tasks are due later.") { sweep, watch };
        command.Validators.Add(result =>
        {
            if (result.GetValue(sweep) && result.GetResult(watch) is not null)
            {
                result.AddError("--sweep and --watch go separately: sweep once, then watch.");
            }
        });
        Connects(command, parse => (c, t) => parse.GetResult(watch) is null ? c.QueuesAsync(parse.GetValue(sweep), t) : c.WatchQueuesAsync(parse.GetValue(watch) ?? Commands.DefaultWatchInterval, t));
        return command;
    }

    private Command Schedules()
    {
        var name = new Argument<string>("name") { Description = "The schedule's name (see tt schedules)." };
        var yes = Yes("stop the schedule");
        var remove = new Command("remove", "Stop a schedule in every running worker without a restart; its record stays, marked removed.") { name, yes };
        ConnectsWithYes(remove, yes, parse => $"schedules remove stops schedule '{parse.GetValue(name)}' in every worker: add --yes to do it.", parse => (c, t) => c.ScheduleRemoveAsync(parse.GetValue(name)!, t));
        var runName = new Argument<string>("name") { Description = "The schedule's name (see tt schedules)." };
        var run = new Command("run", "Send a schedule's task once now, as tt send would (a new task id); the schedule's next occurrence does not change.") { runName };
        Connects(run, parse => (c, t) => c.ScheduleRunAsync(parse.GetValue(runName)!, t));
        var command = new Command("schedules", "The periodic schedules: task, queue, cron or interval, last and next occurrence.") { remove, run };
        Connects(command, _ => (c, t) => c.SchedulesAsync(t));
        return command;
    }

    private Command Scheduled()
    {
        var from = FromOption("the tasks due later");
        var limit = LimitOption(DueLaterPageSize);
        var cancelSequence = DueSequenceArgument();
        var yes = Yes("cancel the task");
        var cancel = new Command("cancel", "Cancel a task due later: revoke it (REVOKED, as tt revoke) and delete its waiting message; it never runs.") { cancelSequence, yes };
        ConnectsWithYes(cancel, yes, parse => $"scheduled cancel deletes the task due later at sequence {parse.GetValue(cancelSequence)}: add --yes to do it.", parse => (c, t) => c.DueCancelAsync(parse.GetValue(cancelSequence), t));
        var runSequence = DueSequenceArgument();
        var run = new Command("run", "Move a task due later to its queue now (same id, arguments and attempt) instead of when it is due.") { runSequence };
        Connects(run, parse => (c, t) => c.DueRunAsync(parse.GetValue(runSequence), t));
        var command = new Command("scheduled", "Tasks due later (countdown, ETA, a retry's next attempt), a page at a time in the order they were stored: sequence, task, id, queue, due time, attempt.")
        {
            from, limit, cancel, run,
        };
        Connects(command, parse => (c, t) => c.DueLaterAsync(parse.GetValue(from), parse.GetValue(limit), t));
        return command;
    }

    private static Argument<ulong> DueSequenceArgument()
    {
        var sequence = new Argument<ulong>("seq") { Description = "The task's sequence in the waiting stream (the SEQ column of tt scheduled)." };
        sequence.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<ulong>() == 0)
            {
                result.AddError("the sequence starts at 1: see the SEQ column of tt scheduled.");
            }
        });
        return sequence;
    }

    /// <summary><c>--from &lt;seq&gt;</c> of a paged list: where the page starts (the hint under a page says where the next one does).</summary>
    private static Option<ulong> FromOption(string what)
        => new("--from") { Description = $"Start at this sequence (a page ends with the sequence the next one starts at). Default: the first of {what}.", HelpName = "seq", DefaultValueFactory = _ => 1 };

    /// <summary><c>--limit &lt;n&gt;</c> of a paged list: 1 to the query layer's page size.</summary>
    private static Option<int> LimitOption(int byDefault)
    {
        var limit = new Option<int>("--limit") { Description = $"At most this many (1 to {Client.DeploymentQueries.MaxPageSize}).", HelpName = "n", DefaultValueFactory = _ => byDefault };
        limit.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is var n && n is < 1 or > Client.DeploymentQueries.MaxPageSize)
            {
                result.AddError($"--limit {n} is out of range: give 1 to {Client.DeploymentQueries.MaxPageSize}.");
            }
        });
        return limit;
    }

    private Command Tasks()
    {
        var command = new Command("tasks", "The task catalog the workers publish: each task's name, queue, arguments (JSON kind and .NET type, required, nullable) and result.");
        Connects(command, _ => (c, t) => c.TasksAsync(t));
        return command;
    }

    private Command Status()
    {
        var id = TaskIdArgument("The task's id (as tt send or the application printed it).");
        var command = new Command("status", "A task's record: state, task, attempts, worker, times, progress, result or error; PENDING when there is none.") { id };
        Connects(command, parse => (c, t) => c.StatusAsync(parse.GetValue(id)!, t));
        return command;
    }

    private Command Revoke()
    {
        var id = TaskIdArgument("The task's id.");
        var terminate = new Option<bool>("--terminate") { Description = "Also cancel the task's running attempt." };
        var command = new Command("revoke", "Revoke a task on every worker: a worker that receives it does not run it.") { id, terminate };
        Connects(command, parse => (c, t) => c.RevokeAsync(parse.GetValue(id)!, parse.GetValue(terminate), t));
        return command;
    }

    private Command Events()
    {
        var names = Enum.GetValues<TaskEventKind>().Select(Commands.TaskEventName).ToArray();
        var kind = new Option<TaskEventKind[]>("--kind")
        {
            Description = $"Only these kinds (repeat the option for more): {string.Join(", ", names)}.",
            HelpName = "kind",
            DefaultValueFactory = _ => [],
            CustomParser = result =>
            {
                var kinds = new List<TaskEventKind>();
                foreach (var token in result.Tokens)
                {
                    if (Enum.TryParse<TaskEventKind>(token.Value.Replace("_", string.Empty, StringComparison.Ordinal), ignoreCase: true, out var parsed) && Enum.IsDefined(parsed))
                    {
                        kinds.Add(parsed);
                    }
                    else
                    {
                        result.AddError($"unknown event kind '{token.Value}': use {string.Join(", ", names)}.");
                    }
                }

                return [.. kinds];
            },
        };
        kind.CompletionSources.Add(names);
        var command = new Command("events", "Task events as they happen, until Ctrl+C (applications need TypedTasks:SendTaskEvents=true).") { kind };
        Connects(command, parse => (c, t) => c.EventsAsync(parse.GetValue(kind) ?? [], t));
        return command;
    }

    private Command Dead()
    {
        static Option<string?> Queue(string what) => new("--queue") { Description = $"Only the dead letters from this queue{what}.", HelpName = "queue" };

        var listQueue = Queue(string.Empty);
        var from = FromOption("the dead letters");
        var limit = LimitOption(DeadListPageSize);
        var list = new Command("list", "Dead letters, oldest first, a page at a time: sequence, queue, task, id, time, reason.") { listQueue, from, limit };
        Connects(list, parse => (c, t) => c.DeadListAsync(parse.GetValue(listQueue), parse.GetValue(from), parse.GetValue(limit), t));

        var sequence = new Argument<ulong?>("seq")
        {
            Description = "The dead letter's sequence number (see tt dead list).",
            Arity = ArgumentArity.ZeroOrOne,
            CustomParser = result =>
            {
                var text = result.Tokens.Single().Value;
                if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
                {
                    return parsed;
                }

                result.AddError($"'{text}' is not a dead-letter sequence number (see tt dead list) nor --all.");
                return null;
            },
        };
        var all = new Option<bool>("--all") { Description = "Requeue every dead letter (of --queue, if given)." };
        var requeueQueue = Queue(" (with --all)");
        var requeue = new Command("requeue", "Send dead letters back to their queues with their task ids (existing handles keep working).") { sequence, all, requeueQueue };
        requeue.Validators.Add(result =>
        {
            var hasSequence = result.GetResult(sequence) is { Tokens.Count: > 0 };
            var hasAll = result.GetValue(all);
            if (hasSequence == hasAll)
            {
                result.AddError(hasAll
                    ? "give a dead letter's sequence number or --all, not both."
                    : "give a dead letter's sequence number (see tt dead list) or --all.");
            }
            else if (hasSequence && result.GetValue(requeueQueue) is not null)
            {
                result.AddError("--queue goes with --all: one dead letter is named by its sequence number alone.");
            }
        });
        Connects(requeue, parse => (c, t) => c.DeadRequeueAsync(parse.GetValue(all) ? null : parse.GetValue(sequence), parse.GetValue(requeueQueue), t));

        var purgeQueue = Queue(string.Empty);
        var yes = Yes("delete them");
        var purge = new Command("purge", "Delete dead letters for good.") { purgeQueue, yes };
        ConnectsWithYes(purge, yes, _ => "dead purge deletes dead letters for good: add --yes to do it.", parse => (c, t) => c.DeadPurgeAsync(parse.GetValue(purgeQueue), t));

        return new Command("dead", "The dead letters: tasks that could not be run, with their reasons.") { list, requeue, purge };
    }

    private Command Purge()
    {
        var queue = QueueArgument();
        var yes = Yes("delete the waiting tasks");
        var command = new Command("purge", "Delete every task waiting in a queue (Celery's purge); running tasks finish, tasks due later stay.") { queue, yes };
        ConnectsWithYes(command, yes, parse => $"purge deletes every task waiting in queue '{parse.GetValue(queue)}': add --yes to do it.", parse => (c, t) => c.PurgeAsync(parse.GetValue(queue)!, t));
        return command;
    }

    private Command Send()
    {
        var task = new Argument<string>("task") { Description = "The task's name on the wire (TT-Task), e.g. Samples.Tasks.ReportTasks.GenerateReport." };
        task.Validators.Add(result =>
        {
            var name = result.GetValueOrDefault<string>();
            if (string.IsNullOrEmpty(name) || name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            {
                result.AddError($"'{name}' is not a task name: the name the task is registered under, without spaces (docs/protocol.md §2, Task name).");
            }
        });
        var arguments = new Argument<string?>("json")
        {
            Description = "The task's arguments as one JSON object, one property per parameter: '{\"year\":2024}'. '-' reads them from standard input. Without it (and --file): {}.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var file = new Option<FileInfo>("--file") { Description = "Read the arguments' JSON object from this file.", HelpName = "path" };
        file.AcceptExistingOnly();
        var queue = new Option<string?>("--queue")
        {
            Description = "The queue to send the task to (default: the task's queue in the catalog, else default).",
            HelpName = "queue",
        };
        queue.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { } name && !NatsNames.IsValidQueue(name))
            {
                result.AddError($"'{name}' is not a queue name: use 1 to 64 letters, digits, '-' and '_'.");
            }
        });
        var id = new Option<string?>("--id") { Description = "The task id (default: a new one): 1 to 128 letters, digits, '-' and '_'. Sending an id again within the duplicate window stores the task once.", HelpName = "task-id" };
        id.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } value && !NatsNames.IsValidTaskId(value))
            {
                result.AddError($"'{value}' is not a task id: use 1 to 128 letters, digits, '-' and '_'.");
            }
        });
        var countdown = new Option<TimeSpan?>("--countdown")
        {
            Description = "Run the task no earlier than this long from now: 30s, 5m, 1h30m, 2d, 00:05:00 (a bare number is seconds).",
            HelpName = "time span",
            CustomParser = result => ParseDuration(result, positive: false, "a time span like 30s, 5m, 1h or 00:05:00"),
        };
        var wait = new Option<TimeSpan?>("--wait")
        {
            Description = "Wait for the task's final state and print its record (exit 1 unless SUCCESS); with a time span, give up after it (exit 1). Ctrl+C stops waiting, not the task.",
            HelpName = "timeout",
            Arity = ArgumentArity.ZeroOrOne,
            CustomParser = result =>
            {
                if (result.Tokens.Count == 0)
                {
                    return Timeout.InfiniteTimeSpan;
                }

                if (DurationSyntax.TryParse(result.Tokens[0].Value, out var timeout) && timeout > TimeSpan.Zero)
                {
                    return timeout;
                }

                // Not a time span: the word is the next argument (tt send t --wait '{…}'), and the wait has no limit.
                result.OnlyTake(0);
                return Timeout.InfiniteTimeSpan;
            },
        };
        var noValidate = new Option<bool>("--no-validate") { Description = "Send without checking the task and its arguments against the task catalog the workers publish (tt tasks)." };
        var command = new Command("send", "Send a task by name with JSON arguments, exactly as an application would (docs/protocol.md §2), after checking them against the task catalog; print its id.")
        {
            task, arguments, file, queue, id, countdown, wait, noValidate,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(arguments) is not null && result.GetValue(file) is not null)
            {
                result.AddError("give the arguments once: as the json argument, with --file, or '-' for standard input.");
            }
        });
        command.SetAction(async (parse, token) =>
        {
            string text;
            try
            {
                text = parse.GetValue(file) is { } path ? await File.ReadAllTextAsync(path.FullName, token).ConfigureAwait(false)
                    : parse.GetValue(arguments) is "-" ? await _input.ReadToEndAsync(token).ConfigureAwait(false)
                    : parse.GetValue(arguments) ?? "{}";
            }
            catch (IOException ex)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"tt: cannot read the arguments: {ex.Message}").ConfigureAwait(false);
                return 2;
            }

            if (ReadArguments(text, out var body) is { } problem)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"tt: {problem}; nothing was sent.").ConfigureAwait(false);
                return 2;
            }

            return await _run(
                Read(parse),
                (c, t) => c.SendAsync(parse.GetValue(task)!, body, parse.GetValue(queue), parse.GetValue(id), parse.GetValue(countdown), parse.GetValue(wait), !parse.GetValue(noValidate), t),
                token).ConfigureAwait(false);
        });
        return command;
    }

    private static Argument<string> TaskIdArgument(string description)
    {
        var id = new Argument<string>("task-id") { Description = description };
        id.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { } value && !NatsNames.IsValidTaskId(value))
            {
                result.AddError($"'{value}' is not a task id: use 1 to 128 letters, digits, '-' and '_'.");
            }
        });
        return id;
    }

    private static Argument<string> QueueArgument()
    {
        var queue = new Argument<string>("queue") { Description = "The queue's name (see tt queues)." };
        queue.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { } name && !NatsNames.IsValidQueue(name))
            {
                result.AddError($"'{name}' is not a queue name: use 1 to 64 letters, digits, '-' and '_'.");
            }
        });
        return queue;
    }

    /// <summary>Checks that <paramref name="text"/> is one JSON object nested at most <see cref="MaxArgumentsDepth"/> levels
    /// deep and writes it compactly to <paramref name="body"/>; returns what is wrong, or null.</summary>
    internal static string? ReadArguments(string text, out ReadOnlyMemory<byte> body)
    {
        body = default;
        var bytes = Encoding.UTF8.GetBytes(text);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = MaxArgumentsDepth * 2 });
        try
        {
            if (!reader.Read())
            {
                return "the arguments are empty: give a JSON object, e.g. '{}' or '{\"year\":2024}'";
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return $"the arguments must be a JSON object with one property per parameter ('{{\"year\":2024}}'), not {Describe(reader.TokenType)}";
            }

            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth + 1 > MaxArgumentsDepth)
                {
                    return $"the arguments nest deeper than {MaxArgumentsDepth} levels (at line {LineOf(bytes, reader.TokenStartIndex)}), more than a worker reads";
                }
            }
        }
        catch (JsonException ex)
        {
            return $"the arguments are not valid JSON: {ex.Message.TrimEnd('.', ' ')}";
        }

        var buffer = new ArrayBufferWriter<byte>(bytes.Length);
        using (var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = MaxArgumentsDepth }))
        using (var writer = new Utf8JsonWriter(buffer))
        {
            document.RootElement.WriteTo(writer);
        }

        body = buffer.WrittenMemory;
        return null;
    }

    private static long LineOf(byte[] bytes, long index) => 1 + bytes.AsSpan(0, (int)index).Count((byte)'\n');

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    private static TimeSpan? ParseDuration(ArgumentResult result, bool positive, string expected)
    {
        var text = result.Tokens.Single().Value;
        if (DurationSyntax.TryParse(text, out var span) && (positive ? span > TimeSpan.Zero : span >= TimeSpan.Zero))
        {
            return span;
        }

        result.AddError($"'{text}' is not {(positive ? "a positive duration" : "a duration")}: use {expected}.");
        return null;
    }

    /// <summary>The options every command shares, as parsed, and where its results go.</summary>
    internal sealed record Parsed(string? Url, string? Prefix, bool Json, TextWriter Output);

    /// <summary><c>--help</c> and <c>-h</c>: <see cref="WriteHelp"/> to the output, exit 0.</summary>
    private sealed class TtHelpAction(TtParser parser) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            parser.WriteHelp(parseResult, parseResult.InvocationConfiguration.Output);
            return 0;
        }
    }
}
