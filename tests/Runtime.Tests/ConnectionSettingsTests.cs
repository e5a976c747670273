using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using TypedTasks.Topology;

namespace TypedTasks.Runtime.Tests;

/// <summary>Issue 11: connection settings from configuration reach NATS.Net, and unusable ones fail start-up naming the key.</summary>
public class ConnectionSettingsTests
{
    [Fact]
    public void AuthAndTls_FromConfiguration_ReachNatsNet()
    {
        var ca = Path.GetTempFileName();
        try
        {
            var options = Bind(new()
            {
                ["TypedTasks:Url"] = "nats://a:4222,nats://b:4222",
                ["TypedTasks:Auth:Username"] = "producer",
                ["TypedTasks:Auth:Password"] = "secret",
                ["TypedTasks:Tls:Mode"] = "Require",
                ["TypedTasks:Tls:CaFile"] = ca,
                ["TypedTasks:InboxPrefix"] = "_INBOX_producer",
            });

            var nats = NatsConnectionOptions.ToNatsOpts(options, NullLoggerFactory.Instance);

            Assert.Equal("nats://a:4222,nats://b:4222", nats.Url);
            Assert.Equal("producer", nats.AuthOpts.Username);
            Assert.Equal("secret", nats.AuthOpts.Password);
            Assert.Equal(TlsMode.Require, nats.TlsOpts.Mode);
            Assert.Equal(ca, nats.TlsOpts.CaFile);
            Assert.Equal("_INBOX_producer", nats.InboxPrefix);
        }
        finally
        {
            File.Delete(ca);
        }
    }

    [Fact]
    public void NatsAuthOptsAndNatsTlsOpts_SetInCode_StillWork()
    {
        var callback = (Func<Uri, CancellationToken, ValueTask<NatsAuthCred>>)((_, _) => ValueTask.FromResult(NatsAuthCred.FromToken("t")));
        var options = new TypedTasksOptions
        {
            Auth = new NatsAuthOpts { Token = "from-code", AuthCredCallback = callback },
            Tls = new NatsTlsOpts { Mode = TlsMode.Implicit, InsecureSkipVerify = true },
        };

        var nats = NatsConnectionOptions.ToNatsOpts(options, NullLoggerFactory.Instance);

        Assert.Equal("from-code", nats.AuthOpts.Token);
        Assert.Same(callback, nats.AuthOpts.AuthCredCallback);
        Assert.Equal(TlsMode.Implicit, nats.TlsOpts.Mode);
        Assert.True(nats.TlsOpts.InsecureSkipVerify);
        Assert.True(Validate(options).Succeeded);
    }

    [Theory]
    [InlineData("TypedTasks:Auth:Usernme", "producer", "TypedTasks:Auth:Usernme binds to no setting")]
    [InlineData("TypedTasks:Worker:Concurency", "4", "TypedTasks:Worker:Concurency binds to no setting")]
    [InlineData("TypedTasks:Prefx", "app", "TypedTasks:Prefx binds to no setting")]
    [InlineData("TypedTasks:Worker:RemoteControl", "false", "TypedTasks:Worker:RemoteControl is a group of settings, not a value: set its keys instead (TypedTasks:Worker:RemoteControl:AllowShutdown, TypedTasks:Worker:RemoteControl:Enabled, TypedTasks:Worker:RemoteControl:IncludeRunningTasks)")]
    [InlineData("TypedTasks:Worker:RemoteControl:AllowShutdwn", "true", "TypedTasks:Worker:RemoteControl:AllowShutdwn binds to no setting")]
    [InlineData("TypedTasks:Worker:ErrorDetails:InRecord", "TypeOnly", "TypedTasks:Worker:ErrorDetails:InRecord binds to no setting")]
    [InlineData("TypedTasks:Auth:Username", "producer", "TypedTasks:Auth:Password is not set")]
    [InlineData("TypedTasks:Auth:Password", "secret", "TypedTasks:Auth:Username is not set")]
    [InlineData("TypedTasks:Auth:CredsFile", "/no/such/user.creds", "TypedTasks:Auth:CredsFile: the file '/no/such/user.creds' does not exist")]
    [InlineData("TypedTasks:Auth:NKeyFile", "/no/such/user.nk", "TypedTasks:Auth:NKeyFile: the file '/no/such/user.nk' does not exist")]
    [InlineData("TypedTasks:Auth:Jwt", "eyJ0eXAi", "TypedTasks:Auth:Seed is not set")]
    [InlineData("TypedTasks:Tls:CertFile", "/no/such/client.pem", "TypedTasks:Tls:KeyFile is not set")]
    [InlineData("TypedTasks:Url", "http://host:4222", "TypedTasks:Url 'http://host:4222' is not a NATS server URL")]
    [InlineData("TypedTasks:Prefix", "my.app", "TypedTasks:Prefix 'my.app' is not valid")]
    public void UnusableSetting_FailsStartUp_NamingTheKey(string key, string value, string expected)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind(new() { [key] = value }));

        Assert.Contains(error.Failures, f => f.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void TwoAuthenticationMethods_FailStartUp_NamingBoth_WithoutTheSecrets()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind(new()
        {
            ["TypedTasks:Url"] = "nats://user:url-secret@host:4222",
            ["TypedTasks:Auth:Token"] = "token-secret",
        }));

        var failure = Assert.Single(error.Failures);
        Assert.Contains("Two authentication methods at once: TypedTasks:Auth:Token, credentials in TypedTasks:Url", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownKey_FailsWhenTheHostStarts()
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new Microsoft.Extensions.Hosting.HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["TypedTasks:Auth:Passwrd"] = "x" });
        builder.Services.AddTypedTasks(builder.Configuration);
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("TypedTasks:Auth:Passwrd binds to no setting", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigurationWithoutATypedTasksSection_IsNotCheckedForUnknownKeys()
    {
        var options = Bind(new() { ["Logging:LogLevel:Default"] = "Information" });

        Assert.Equal("nats://127.0.0.1:4222", options.Url);
    }

    [Theory]
    [InlineData("nats://user:pa55@host:4222", "nats://user:***@host:4222")]
    [InlineData("nats://s3cr3t-token@host:4222", "nats://***@host:4222")]
    [InlineData("nats://a:1@h1:4222,tls://b:p@ss@h2:4222", "nats://a:***@h1:4222,tls://b:***@h2:4222")]
    [InlineData("nats://host:4222", "nats://host:4222")]
    [InlineData("user:pw@host:4222", "user:***@host:4222")]
    public void Redaction_Url_KeepsTheUser_MasksPasswordsAndTokens(string url, string expected)
        => Assert.Equal(expected, Redaction.Url(url));

    [Fact]
    public void Redaction_Text_MasksEveryConfiguredSecret()
    {
        var options = new TypedTasksOptions { Url = "nats://u:url-pass@h:4222", Auth = new AuthOptions { Jwt = "eyJ-jwt-value", Seed = "SUAAseed" } };

        var text = Redaction.Text("url-pass, eyJ-jwt-value and SUAAseed", options);

        Assert.Equal("***, *** and ***", text);
    }

    [Fact]
    public void RemoteControlAndErrorDetails_FromConfiguration_BindWithSafeDefaults()
    {
        var defaults = new WorkerOptions();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TypedTasks:Worker:RemoteControl:AllowShutdown"] = "true",
            ["TypedTasks:Worker:RemoteControl:IncludeRunningTasks"] = "true",
            ["TypedTasks:Worker:ErrorDetails:InRecords"] = "TypeOnly",
            ["TypedTasks:Worker:ErrorDetails:InEvents"] = "Full",
        }).Build();
        var services = new ServiceCollection();
        services.AddTypedTasks(configuration).AddWorker();
        using var provider = services.BuildServiceProvider();

        var worker = provider.GetRequiredService<IOptions<WorkerOptions>>().Value;

        Assert.True(defaults.RemoteControl.Enabled);
        Assert.False(defaults.RemoteControl.AllowShutdown);
        Assert.False(defaults.RemoteControl.IncludeRunningTasks);
        Assert.Equal(ErrorDetail.Full, defaults.ErrorDetails.InRecords);
        Assert.Equal(ErrorDetail.TypeAndMessage, defaults.ErrorDetails.InEvents);
        Assert.True(worker.RemoteControl.Enabled);
        Assert.True(worker.RemoteControl.AllowShutdown);
        Assert.True(worker.RemoteControl.IncludeRunningTasks);
        Assert.Equal(ErrorDetail.TypeOnly, worker.ErrorDetails.InRecords);
        Assert.Equal(ErrorDetail.Full, worker.ErrorDetails.InEvents);
    }

    private static TypedTasksOptions Bind(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddTypedTasks(configuration).AddWorker();
        using var provider = services.BuildServiceProvider();
        _ = provider.GetRequiredService<IOptions<WorkerOptions>>().Value;
        return provider.GetRequiredService<IOptions<TypedTasksOptions>>().Value;
    }

    private static ValidateOptionsResult Validate(TypedTasksOptions options) => new TypedTasksOptionsValidator().Validate(null, options);
}
