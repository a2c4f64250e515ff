namespace AxWorkbench.Web.Tests.Api;

/// <summary>`keys add|list|revoke` on a real data folder (no web server).</summary>
public sealed class KeysCommandsTests : IAsyncDisposable
{
    private readonly ApiNode _node = ApiNode.Create();

    [Fact]
    public async Task AddListRevoke_ShowsTheSecretOnce_AndNeverInTheList()
    {
        var secret = await _node.AddKeyAsync("report-tool", "--clearance", "SECRET//NOFORN", "--unit", "J2", "--expires", "2099-06-30");

        var listed = await _node.KeysAsync("list");
        var revoked = await _node.KeysAsync("revoke", "report-tool");
        var after = await _node.KeysAsync("list");

        Assert.Equal(0, listed.Exit);
        Assert.Contains("report-tool", listed.Output, StringComparison.Ordinal);
        Assert.Contains("SECRET//NOFORN", listed.Output, StringComparison.Ordinal);
        Assert.Contains("2099-06-30", listed.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, listed.Output, StringComparison.Ordinal);
        Assert.Contains(secret[..12], listed.Output, StringComparison.Ordinal);
        Assert.Equal(0, revoked.Exit);
        Assert.Contains("revoked", after.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--clearance", "TOP SEKRET", "TOP SEKRET")]
    [InlineData("--expires", "someday", "--expires 'someday' is not a date")]
    public async Task Add_BadValue_Exits1NamingIt(string option, string value, string message)
    {
        string[] args = option == "--clearance"
            ? ["add", "x", "--clearance", value, "--unit", "J2"]
            : ["add", "x", "--clearance", "SECRET", "--unit", "J2", option, value];

        var (exit, _, error) = await _node.KeysAsync(args);

        Assert.Equal(1, exit);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revoke_UnknownKey_Exits1()
    {
        var (exit, _, error) = await _node.KeysAsync("revoke", "nobody");

        Assert.Equal(1, exit);
        Assert.Contains("no key named 'nobody'", error, StringComparison.Ordinal);
    }

    public ValueTask DisposeAsync() => _node.DisposeAsync();
}
