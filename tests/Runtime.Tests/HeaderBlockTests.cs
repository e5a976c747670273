using System.Text;
using TypedTasks.Client;

namespace TypedTasks.Runtime.Tests;

/// <summary>
/// The header block of a task due later, read back by <c>STREAM.MSG.GET</c> before <c>tt scheduled run</c> or the dashboard's
/// "Run now" sends it on: every value kept, and anything that is not a header block refused rather than guessed at.
/// </summary>
public class HeaderBlockTests
{
    [Fact]
    public void Block_KeepsEveryValueOfEveryName_AndTrimsAroundTheColon()
    {
        var headers = DeploymentActions.HeaderBlock.Read(Base64("NATS/1.0\r\nTT-Id: abc\r\nTT-Eta:2026-01-31T12:00:00Z\r\nX-Many: 1\r\nX-Many: 2\r\n\r\n"));

        Assert.NotNull(headers);
        Assert.Equal("abc", headers["TT-Id"].ToString());
        Assert.Equal("2026-01-31T12:00:00Z", headers["TT-Eta"].ToString());
        Assert.Equal(["1", "2"], headers["X-Many"].ToArray());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void NoBlock_IsNoHeaders(string? base64)
        => Assert.Empty(DeploymentActions.HeaderBlock.Read(base64)!);

    [Theory]
    [InlineData("BAD/1.0\r\nTT-Id: x\r\n\r\n")]
    [InlineData("NATS/1.0\r\nno colon here\r\n\r\n")]
    [InlineData("NATS/1.0\r\n: no name\r\n\r\n")]
    [InlineData("NATS/1.0\r\n  : blank name\r\n\r\n")]
    public void NotAHeaderBlock_IsRefused(string block)
        => Assert.Null(DeploymentActions.HeaderBlock.Read(Base64(block)));

    [Fact]
    public void NotBase64_OrMoreThanAMegabyte_IsRefused()
    {
        Assert.Null(DeploymentActions.HeaderBlock.Read("not base64!"));
        Assert.Null(DeploymentActions.HeaderBlock.Read(Base64("NATS/1.0\r\nX: " + new string('a', 1024 * 1024) + "\r\n\r\n")));
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}
