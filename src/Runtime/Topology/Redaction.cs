namespace TypedTasks.Topology;

/// <summary>
/// Keeps secrets out of messages, logs and health reports (issue 11): a URL keeps its user but not its password
/// (<c>nats://user:***@host</c>), a token in a URL becomes <c>***</c>, and any configured secret value found in a text
/// is masked. Tokens, seeds and JWTs are never printed.
/// </summary>
internal static class Redaction
{
    public const string Mask = "***";

    /// <summary>The URL, or comma-separated URLs, with passwords and tokens masked.</summary>
    public static string Url(string? urls)
    {
        if (string.IsNullOrEmpty(urls) || !urls.Contains('@', StringComparison.Ordinal))
        {
            return urls ?? string.Empty;
        }

        return string.Join(',', urls.Split(',').Select(RedactOne));

        static string RedactOne(string url)
        {
            if (!TrySplitUserInfo(url, out var start, out var userInfo))
            {
                return url;
            }

            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            // "user:password@" keeps the user; a lone "token@" is a secret as a whole.
            var shown = colon >= 0 ? userInfo[..colon] + ":" + Mask : Mask;
            return url[..start] + shown + url[(start + userInfo.Length)..];
        }
    }

    /// <summary>The user named in the first URL that carries credentials (<c>nats://user:password@host</c>), if any.</summary>
    public static string? UrlUser(string? urls)
    {
        foreach (var url in (urls ?? string.Empty).Split(','))
        {
            if (TrySplitUserInfo(url, out _, out var userInfo))
            {
                var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
                return colon >= 0 ? Uri.UnescapeDataString(userInfo[..colon]) : null;
            }
        }

        return null;
    }

    /// <summary>Whether any of the URLs carries credentials (a user and password, or a token).</summary>
    public static bool UrlHasCredentials(string? urls)
        => (urls ?? string.Empty).Split(',').Any(url => TrySplitUserInfo(url, out _, out _));

    /// <summary>The text with every secret of <paramref name="options"/> masked: a last guard for texts we did not write.</summary>
    public static string Text(string text, TypedTasksOptions? options)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (options is null)
        {
            return text;
        }

        var redacted = text;
        foreach (var secret in Secrets(options))
        {
            redacted = redacted.Replace(secret, Mask, StringComparison.Ordinal);
        }

        return redacted;
    }

    /// <summary>Every secret value set in the options (never shorter than 3 characters, so a mask stays readable).</summary>
    public static IEnumerable<string> Secrets(TypedTasksOptions options)
    {
        var auth = options.Auth;
        var values = new List<string?>
        {
            auth?.Password, auth?.Token, auth?.Jwt, auth?.Seed,
            auth?.Nats?.Password, auth?.Nats?.Token, auth?.Nats?.Jwt, auth?.Nats?.Seed, auth?.Nats?.Creds,
            options.Tls?.KeyFilePassword,
        };
        foreach (var url in (options.Url ?? string.Empty).Split(','))
        {
            if (TrySplitUserInfo(url, out _, out var userInfo))
            {
                var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
                var secret = colon >= 0 ? userInfo[(colon + 1)..] : userInfo;
                values.Add(secret);
                values.Add(Uri.UnescapeDataString(secret));
            }
        }

        return values.Where(v => v is { Length: >= 3 }).Select(v => v!).Distinct(StringComparer.Ordinal).OrderByDescending(v => v.Length);
    }

    private static bool TrySplitUserInfo(string url, out int start, out string userInfo)
    {
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        start = scheme < 0 ? 0 : scheme + 3;
        // The last '@' ends the user info: a password may hold an unescaped '@'.
        var at = url.LastIndexOf('@');
        if (at < start)
        {
            userInfo = string.Empty;
            return false;
        }

        userInfo = url[start..at];
        return userInfo.Length > 0;
    }
}
