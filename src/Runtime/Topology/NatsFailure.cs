using NATS.Client.Core;

namespace TypedTasks.Topology;

/// <summary>
/// Words for a failure talking to NATS that name the real cause first (issue 11): a refused login is an authorization
/// violation of a named user, not "did not acknowledge"; a refused subject is a permissions violation naming the
/// subject, not "no response". Never includes a secret.
/// </summary>
internal static class NatsFailure
{
    private const string ServerErrorPrefix = "Server error: ";

    /// <summary>
    /// The cause of <paramref name="exception"/> when it is a refused login or a refused subject (from the exception, or
    /// a violation the server reported on this connection since <paramref name="since"/>); else <see langword="null"/>.
    /// </summary>
    public static string? Cause(Exception exception, TypedTasksOptions options, NatsServerErrors? errors = null, DateTimeOffset? since = null)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is NatsServerException { IsAuthError: true })
            {
                return Authorization(options);
            }

            if (e is NatsServerException server)
            {
                var error = server.Message.StartsWith(ServerErrorPrefix, StringComparison.Ordinal) ? server.Message[ServerErrorPrefix.Length..] : server.Message;
                if (NatsServerErrors.TryParse(error, DateTimeOffset.UtcNow, out var violation))
                {
                    return Permissions(options, violation);
                }
            }
        }

        // A refused publish explains a missing answer better than a refused subscription seen meanwhile.
        return since is { } start && (errors?.LatestSince(start, v => v.IsPublish) ?? errors?.LatestSince(start)) is { } seen ? Permissions(options, seen) : null;
    }

    /// <summary>The cause when known, else the exception's own message; secrets masked either way.</summary>
    public static string Describe(Exception exception, TypedTasksOptions options, NatsServerErrors? errors = null, DateTimeOffset? since = null)
        => Cause(exception, options, errors, since) ?? Redaction.Text(exception.Message, options);

    /// <summary>Whether the server refused the login (no operation reached it).</summary>
    public static bool IsAuthorizationViolation(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is NatsServerException { IsAuthError: true })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Why a send failed: the cause first when known, and whether sending again is needed and safe.</summary>
    public static string NotEnqueued(string taskName, string id, Exception exception, TypedTasksConnection connection, DateTimeOffset since)
    {
        var options = connection.Options;
        if (IsAuthorizationViolation(exception))
        {
            return $"{Authorization(options)} Task '{taskName}' was not sent.";
        }

        if (Cause(exception, options, connection.ServerErrors, since) is { } cause)
        {
            return $"{cause} Task '{taskName}' was not stored, or its acknowledgement did not arrive: once fixed, sending again with the same TaskId ('{id}') is safe.";
        }

        return $"Could not confirm that task '{taskName}' was stored: the NATS server at {Redaction.Url(options.Url)} did not acknowledge it ({Redaction.Text(exception.Message, options)}). It is safe to send again with the same TaskId ('{id}').";
    }

    public static string Authorization(TypedTasksOptions options)
        => $"Authorization violation for {Who(options)} — check TypedTasks:Auth: the NATS server at {Redaction.Url(options.Url)} refused the credentials.";

    public static string Permissions(TypedTasksOptions options, NatsServerErrors.Violation violation)
    {
        var what = violation.IsPublish ? "publish to" : "subscribe to";
        var fix = violation.Subject.StartsWith("$JS.API.STREAM.CREATE.", StringComparison.Ordinal)
                  || violation.Subject.StartsWith("$JS.API.STREAM.UPDATE.", StringComparison.Ordinal)
            ? "; grant it, or set TypedTasks:CreateInfrastructure=false where another role (the workers, an administrator) creates the streams and buckets"
            : "; grant it to this role in the server's permissions";
        return $"Permissions violation for {Who(options)}: the NATS server refused to let it {what} \"{violation.Subject}\"{fix} (docs/security.md).";
    }

    /// <summary>Who connected, without a secret: a user name, or which kind of credential.</summary>
    public static string Who(TypedTasksOptions options)
    {
        var auth = options.Auth ?? new AuthOptions();
        var nats = auth.Nats;
        if (!string.IsNullOrEmpty(auth.Username))
        {
            return $"user '{auth.Username}'";
        }

        if (Redaction.UrlUser(options.Url) is { Length: > 0 } urlUser)
        {
            return $"user '{urlUser}' (from TypedTasks:Url)";
        }

        if (!string.IsNullOrEmpty(auth.Token))
        {
            return "the token in TypedTasks:Auth:Token";
        }

        if (Redaction.UrlHasCredentials(options.Url))
        {
            return "the token in TypedTasks:Url";
        }

        if (!string.IsNullOrEmpty(auth.NKeyFile))
        {
            return $"the NKey of TypedTasks:Auth:NKeyFile ('{auth.NKeyFile}')";
        }

        if (!string.IsNullOrEmpty(auth.CredsFile))
        {
            return $"the user of TypedTasks:Auth:CredsFile ('{auth.CredsFile}')";
        }

        if (!string.IsNullOrEmpty(auth.Jwt))
        {
            return "the user of TypedTasks:Auth:Jwt";
        }

        return nats?.AuthCredCallback is not null ? "the credentials of the AuthCredCallback" : "a connection without credentials (TypedTasks:Auth is not set)";
    }
}
