using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using TypedTasks.Protocol;
using TypedTasks.Topology;

namespace TypedTasks;

/// <summary>
/// Fails start-up, naming the key, on connection settings that cannot work (issue 11): a URL that is not one, a user
/// without a password, two authentication methods at once, a credential or certificate file that is not there.
/// Without it the connection fails later with "Authorization Violation", or connects with other credentials than meant.
/// </summary>
internal sealed class TypedTasksOptionsValidator : IValidateOptions<TypedTasksOptions>
{
    private static readonly string[] Schemes = ["nats", "tls", "ws", "wss"];

    public ValidateOptionsResult Validate(string? name, TypedTasksOptions options)
    {
        var failures = new List<string>();
        ValidateUrl(options, failures);
        ValidateAuth(options, failures);
        ValidateTls(options.Tls, failures);
        ValidateHistory(options.TaskHistory, failures);
        if (options.TaskEventArgumentBytes is < 0 or > MaxTaskEventArgumentBytes)
        {
            failures.Add($"TypedTasks:TaskEventArgumentBytes is {options.TaskEventArgumentBytes}: use 0 (no arguments in task events) to 65,536 bytes (default 1,024).");
        }
        if (string.IsNullOrEmpty(options.Prefix) || !options.Prefix.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            failures.Add($"TypedTasks:Prefix '{options.Prefix}' is not valid: use letters, digits and '_' (e.g. tt).");
        }

        if (string.IsNullOrWhiteSpace(options.InboxPrefix) || options.InboxPrefix.Any(c => char.IsWhiteSpace(c) || c is '*' or '>') || options.InboxPrefix.EndsWith('.'))
        {
            failures.Add($"TypedTasks:InboxPrefix '{options.InboxPrefix}' is not a subject prefix: use letters, digits, '_', '-' and '.' (e.g. _INBOX_worker).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateHistory(TaskHistoryOptions? history, List<string> failures)
    {
        if (history is null || !history.Enabled)
        {
            return;
        }

        if (history.MaxMessages is < MinHistoryMessages or > MaxHistoryMessages)
        {
            failures.Add($"TypedTasks:TaskHistory:MaxMessages is {history.MaxMessages}: use 1,000 to 100,000,000 events (default 100,000).");
        }

        if (history.MaxAge < TimeSpan.FromMinutes(1))
        {
            failures.Add($"TypedTasks:TaskHistory:MaxAge is {history.MaxAge}: use 1 minute or more (default 7 days).");
        }

        if (history.MaxBytes != -1 && history.MaxBytes < 1024 * 1024)
        {
            failures.Add($"TypedTasks:TaskHistory:MaxBytes is {history.MaxBytes}: use 1 MiB (1048576) or more, or -1 for no byte limit (default 256 MiB).");
        }
    }

    /// <summary>The bounds of <see cref="TaskHistoryOptions.MaxMessages"/>.</summary>
    internal const long MinHistoryMessages = 1_000;

    internal const long MaxHistoryMessages = 100_000_000;

    /// <summary>The most of <see cref="TypedTasksOptions.TaskEventArgumentBytes"/>: an event stays far below a server's max payload.</summary>
    internal const int MaxTaskEventArgumentBytes = 65_536;

    private static void ValidateUrl(TypedTasksOptions options, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(options.Url))
        {
            failures.Add("TypedTasks:Url is empty: set the NATS server URL, e.g. nats://127.0.0.1:4222 (several separated by commas).");
            return;
        }

        foreach (var part in options.Url.Split(','))
        {
            var url = part.Trim();
            var absolute = url.Contains("://", StringComparison.Ordinal) ? url : "nats://" + url;
            if (url.Length == 0 || !Uri.TryCreate(absolute, UriKind.Absolute, out var uri) || !Schemes.Contains(uri.Scheme, StringComparer.OrdinalIgnoreCase))
            {
                failures.Add($"TypedTasks:Url '{Redaction.Url(url)}' is not a NATS server URL: use nats://host:4222 (or tls://, ws://, wss://), several separated by commas.");
            }
        }
    }

    private static void ValidateAuth(TypedTasksOptions options, List<string> failures)
    {
        var auth = options.Auth ?? new AuthOptions();
        var methods = new List<string>();
        var hasUser = !string.IsNullOrEmpty(auth.Username);
        var hasPassword = !string.IsNullOrEmpty(auth.Password);
        if (hasUser || hasPassword)
        {
            methods.Add("TypedTasks:Auth:Username and Password");
            if (!hasPassword)
            {
                failures.Add($"TypedTasks:Auth:Password is not set: user '{auth.Username}' (TypedTasks:Auth:Username) needs its password (e.g. environment variable TypedTasks__Auth__Password).");
            }
            else if (!hasUser)
            {
                failures.Add("TypedTasks:Auth:Username is not set: TypedTasks:Auth:Password is set without a user.");
            }
        }

        if (!string.IsNullOrEmpty(auth.Token))
        {
            methods.Add("TypedTasks:Auth:Token");
        }

        if (!string.IsNullOrEmpty(auth.NKeyFile))
        {
            methods.Add("TypedTasks:Auth:NKeyFile");
            RequireFile("TypedTasks:Auth:NKeyFile", auth.NKeyFile, failures);
        }

        if (!string.IsNullOrEmpty(auth.CredsFile))
        {
            methods.Add("TypedTasks:Auth:CredsFile");
            RequireFile("TypedTasks:Auth:CredsFile", auth.CredsFile, failures);
        }

        var hasJwt = !string.IsNullOrEmpty(auth.Jwt);
        var hasSeed = !string.IsNullOrEmpty(auth.Seed);
        if (hasJwt || hasSeed)
        {
            // A seed with NATS.Net's NKey (set in code) is NKey authentication without a JWT.
            var nkey = !string.IsNullOrEmpty(auth.Nats?.NKey);
            methods.Add(hasJwt || !nkey ? "TypedTasks:Auth:Jwt and Seed" : "NKey and Seed (code)");
            if (hasJwt && !hasSeed)
            {
                failures.Add("TypedTasks:Auth:Seed is not set: TypedTasks:Auth:Jwt needs the user's NKey seed to sign the server's nonce.");
            }
            else if (!hasJwt && !nkey)
            {
                failures.Add("TypedTasks:Auth:Jwt is not set: TypedTasks:Auth:Seed is set without the user's JWT (or use TypedTasks:Auth:NKeyFile for NKey authentication).");
            }
        }

        if (Redaction.UrlHasCredentials(options.Url))
        {
            methods.Add("credentials in TypedTasks:Url");
        }

        if (methods.Count > 1)
        {
            failures.Add($"Two authentication methods at once: {string.Join(", ", methods)}. Set only one (docs/security.md).");
        }
    }

    private static void ValidateTls(TlsOptions? tls, List<string> failures)
    {
        if (tls is null)
        {
            return;
        }

        if (!string.IsNullOrEmpty(tls.CaFile))
        {
            RequireFile("TypedTasks:Tls:CaFile", tls.CaFile, failures);
        }

        var hasCert = !string.IsNullOrEmpty(tls.CertFile);
        var hasKey = !string.IsNullOrEmpty(tls.KeyFile);
        if (hasCert != hasKey)
        {
            failures.Add(hasCert
                ? "TypedTasks:Tls:KeyFile is not set: TypedTasks:Tls:CertFile needs its private key."
                : "TypedTasks:Tls:CertFile is not set: TypedTasks:Tls:KeyFile is set without its certificate.");
        }

        if (hasCert)
        {
            RequireFile("TypedTasks:Tls:CertFile", tls.CertFile!, failures);
        }

        if (hasKey)
        {
            RequireFile("TypedTasks:Tls:KeyFile", tls.KeyFile!, failures);
        }
    }

    private static void RequireFile(string key, string path, List<string> failures)
    {
        if (!File.Exists(path))
        {
            failures.Add($"{key}: the file '{path}' does not exist (relative paths start at '{Environment.CurrentDirectory}').");
        }
    }
}

/// <summary>
/// Fails start-up on worker settings that cannot work, naming the key: no slots to run tasks in, or a queue name
/// that is not a NATS subject token. Registered by <c>AddWorker</c> with <c>ValidateOnStart</c>; the worker's
/// constructor, which reads the options, fails the same way.
/// </summary>
internal sealed class WorkerOptionsValidator : IValidateOptions<WorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkerOptions options)
    {
        var failures = new List<string>();
        if (options.Concurrency < 1)
        {
            failures.Add($"TypedTasks:Worker:Concurrency is {options.Concurrency}: it must be at least 1 (default: the processor count).");
        }

        if (options.ProgressInterval < TimeSpan.Zero)
        {
            failures.Add($"TypedTasks:Worker:ProgressInterval is {options.ProgressInterval}: use a positive time, or 0 to write every progress report (default 1 s).");
        }

        if (options.LeftoverSweepInterval < TimeSpan.Zero)
        {
            failures.Add($"TypedTasks:Worker:LeftoverSweepInterval is {options.LeftoverSweepInterval}: use a positive time, or 0 to turn the sweep off (default 5 minutes).");
        }

        foreach (var queue in options.Queues ?? [])
        {
            if (!NatsNames.IsValidQueue(queue))
            {
                failures.Add($"The queue name '{queue}' in TypedTasks:Worker:Queues is not valid: use letters, digits, '-' and '_'.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>
/// Fails start-up on a key under <c>TypedTasks</c> that binds to no setting (a typo such as <c>TypedTasks:Auth:Usernme</c>
/// would otherwise be ignored silently and the connection made without it).
/// </summary>
internal sealed class TypedTasksConfigurationKeysValidator(IConfiguration section) : IValidateOptions<TypedTasksOptions>
{
    private static readonly Known Root = Known.Of<TypedTasksOptions>(
        ("Broker", Known.Of<BrokerOptions>()),
        ("ResultBackend", Known.Of<ResultBackendOptions>()),
        ("Auth", Known.Of<AuthOptions>()),
        ("Tls", Known.Of<TlsOptions>()),
        ("TaskHistory", Known.Of<TaskHistoryOptions>()),
        // Bound separately, by AddWorker's options.
        ("Worker", Known.Of<WorkerOptions>(
            ("Intake", Known.Of<IntakeOptions>()),
            ("RemoteControl", Known.Of<RemoteControlOptions>()),
            ("ErrorDetails", Known.Of<ErrorDetailsOptions>()))));

    public ValidateOptionsResult Validate(string? name, TypedTasksOptions options)
    {
        var failures = new List<string>();
        Walk(section, Root, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Walk(IConfiguration configuration, Known known, List<string> failures)
    {
        foreach (var child in configuration.GetChildren())
        {
            if (known.Sections.TryGetValue(child.Key, out var nested))
            {
                if (child.Value is not null)
                {
                    // E.g. TypedTasks:Worker:RemoteControl=false, from before it was a group: the binder would ignore it.
                    failures.Add($"{child.Path} is a group of settings, not a value: set its keys instead ({string.Join(", ", nested.Settings.Concat(nested.Sections.Keys).Order(StringComparer.Ordinal).Select(k => child.Path + ":" + k))}).");
                }

                Walk(child, nested, failures);
            }
            else if (!known.Settings.Contains(child.Key))
            {
                failures.Add($"{child.Path} binds to no setting: fix its name or remove it (settings here: {string.Join(", ", known.Settings.Concat(known.Sections.Keys).Order(StringComparer.Ordinal))}).");
            }
        }
    }

    private sealed class Known(HashSet<string> settings, Dictionary<string, Known> sections)
    {
        public HashSet<string> Settings { get; } = settings;

        public Dictionary<string, Known> Sections { get; } = sections;

        public static Known Of<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] T>(params (string Name, Known Section)[] sections)
        {
            var nested = sections.ToDictionary(s => s.Name, s => s.Section, StringComparer.OrdinalIgnoreCase);
            var settings = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => !typeof(Delegate).IsAssignableFrom(p.PropertyType) && !nested.ContainsKey(p.Name))
                .Select(p => p.Name)
                .ToHashSet(StringComparer.OrdinalIgnoreCase);
            return new Known(settings, nested);
        }
    }
}
