using System.Reflection;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;

namespace TypedTasks;

/// <summary>
/// How clients and workers authenticate to the NATS server: bound from <c>TypedTasks:Auth</c> (appsettings or environment
/// variables such as <c>TypedTasks__Auth__Username</c>). Set one method: user and password, a token, an NKey seed file,
/// a creds file, or a JWT with its seed. Secrets are never logged nor put in messages (<c>docs/security.md</c>).
/// </summary>
public sealed class AuthOptions
{
    /// <summary>The user name (with <see cref="Password"/>).</summary>
    public string? Username { get; set; }

    /// <summary>The password of <see cref="Username"/>. Secret.</summary>
    public string? Password { get; set; }

    /// <summary>An authentication token. Secret.</summary>
    public string? Token { get; set; }

    /// <summary>A file holding the user's NKey seed (<c>SU…</c>), as <c>nk -gen user</c> writes it.</summary>
    public string? NKeyFile { get; set; }

    /// <summary>A creds file (JWT and NKey seed) of a decentralised-auth user, as <c>nsc</c> writes it.</summary>
    public string? CredsFile { get; set; }

    /// <summary>A user JWT (with <see cref="Seed"/>), for secrets delivered as values rather than files. Secret.</summary>
    public string? Jwt { get; set; }

    /// <summary>The NKey seed that signs the server's nonce for <see cref="Jwt"/>. Secret.</summary>
    public string? Seed { get; set; }

    /// <summary>Code only: NATS.Net's options as set in code before these were bindable (keeps e.g. an
    /// <c>AuthCredCallback</c>); the properties above, when set, replace its values.</summary>
    internal NatsAuthOpts? Nats { get; set; }

    /// <summary>Takes NATS.Net's authentication options as they are, as <c>TypedTasksOptions.Auth</c> did before it was
    /// bindable from configuration: <c>options.Auth = new NatsAuthOpts { … }</c> keeps working.</summary>
    /// <param name="options">NATS.Net's options.</param>
    public static implicit operator AuthOptions(NatsAuthOpts options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new AuthOptions
        {
            Username = options.Username,
            Password = options.Password,
            Token = options.Token,
            NKeyFile = options.NKeyFile,
            CredsFile = options.CredsFile,
            Jwt = options.Jwt,
            Seed = options.Seed,
            Nats = options,
        };
    }

    /// <summary>The same as the implicit conversion, for languages without one.</summary>
    /// <param name="options">NATS.Net's options.</param>
    /// <returns>The equivalent options.</returns>
    public static AuthOptions FromNatsAuthOpts(NatsAuthOpts options) => options;
}

/// <summary>
/// TLS to the NATS server: bound from <c>TypedTasks:Tls</c>. A <c>tls://</c> URL, a CA file or a client certificate
/// turns TLS on (<see cref="TlsMode.Auto"/>); <see cref="Mode"/> forces it.
/// </summary>
public sealed class TlsOptions
{
    /// <summary>
    /// <see cref="TlsMode.Auto"/> (default: TLS with a <c>tls://</c> URL or any file below, else as the server offers),
    /// <see cref="TlsMode.Require"/> (fail unless TLS), <see cref="TlsMode.Implicit"/> (TLS before the server's INFO,
    /// e.g. behind a TLS proxy), <see cref="TlsMode.Prefer"/> or <see cref="TlsMode.Disable"/>.
    /// </summary>
    public TlsMode Mode { get; set; } = TlsMode.Auto;

    /// <summary>A PEM file of the CA certificates that sign the server's certificate (else the system's trust store).</summary>
    public string? CaFile { get; set; }

    /// <summary>A PEM file with the client certificate, for servers that verify clients (with <see cref="KeyFile"/>).</summary>
    public string? CertFile { get; set; }

    /// <summary>The PEM file with the private key of <see cref="CertFile"/>.</summary>
    public string? KeyFile { get; set; }

    /// <summary>The password of an encrypted <see cref="KeyFile"/>. Secret.</summary>
    public string? KeyFilePassword { get; set; }

    /// <summary>Code only: NATS.Net's options as set in code before these were bindable; the properties above, when set,
    /// replace its values.</summary>
    internal NatsTlsOpts? Nats { get; set; }

    /// <summary>Takes NATS.Net's TLS options as they are: <c>options.Tls = new NatsTlsOpts { … }</c> keeps working.</summary>
    /// <param name="options">NATS.Net's options.</param>
    public static implicit operator TlsOptions(NatsTlsOpts options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new TlsOptions
        {
            Mode = options.Mode,
            CaFile = options.CaFile,
            CertFile = options.CertFile,
            KeyFile = options.KeyFile,
            KeyFilePassword = options.KeyFilePassword,
            Nats = options,
        };
    }

    /// <summary>The same as the implicit conversion, for languages without one.</summary>
    /// <param name="options">NATS.Net's options.</param>
    /// <returns>The equivalent options.</returns>
    public static TlsOptions FromNatsTlsOpts(NatsTlsOpts options) => options;
}

/// <summary>Maps <see cref="TypedTasksOptions"/> to NATS.Net's connection options (the one place that does).</summary>
internal static class NatsConnectionOptions
{
    public static NatsOpts ToNatsOpts(TypedTasksOptions options, ILoggerFactory loggerFactory)
    {
        var natsOptions = NatsOpts.Default with
        {
            Url = options.Url,
            Name = options.ConnectionName ?? Assembly.GetEntryAssembly()?.GetName().Name ?? "TypedTasks",
            LoggerFactory = loggerFactory,
            AuthOpts = ToNatsAuthOpts(options.Auth),
            TlsOpts = ToNatsTlsOpts(options.Tls),
            RequestTimeout = options.PublishTimeout,
            InboxPrefix = string.IsNullOrEmpty(options.InboxPrefix) ? NatsOpts.Default.InboxPrefix : options.InboxPrefix,
        };
        return options.ConfigureNats is null ? natsOptions : options.ConfigureNats(natsOptions);
    }

    internal static NatsAuthOpts ToNatsAuthOpts(AuthOptions? auth)
    {
        if (auth is null)
        {
            return NatsAuthOpts.Default;
        }

        var nats = auth.Nats ?? NatsAuthOpts.Default;
        return nats with
        {
            Username = Blank(auth.Username) ?? nats.Username,
            Password = Blank(auth.Password) ?? nats.Password,
            Token = Blank(auth.Token) ?? nats.Token,
            NKeyFile = Blank(auth.NKeyFile) ?? nats.NKeyFile,
            CredsFile = Blank(auth.CredsFile) ?? nats.CredsFile,
            Jwt = Blank(auth.Jwt) ?? nats.Jwt,
            Seed = Blank(auth.Seed) ?? nats.Seed,
        };
    }

    internal static NatsTlsOpts ToNatsTlsOpts(TlsOptions? tls)
    {
        if (tls is null)
        {
            return NatsTlsOpts.Default;
        }

        var nats = tls.Nats ?? NatsTlsOpts.Default;
        return nats with
        {
            Mode = tls.Mode,
            CaFile = Blank(tls.CaFile) ?? nats.CaFile,
            CertFile = Blank(tls.CertFile) ?? nats.CertFile,
            KeyFile = Blank(tls.KeyFile) ?? nats.KeyFile,
            KeyFilePassword = Blank(tls.KeyFilePassword) ?? nats.KeyFilePassword,
        };
    }

    /// <summary>An empty value (e.g. <c>TypedTasks__Auth__Token=</c>) counts as not set.</summary>
    private static string? Blank(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
