using System.Diagnostics;

namespace AxWorkbench.Web.Tests.Hosting;

/// <summary>The real executable, started as an operator would, with a wrong setting.</summary>
public sealed class StartupValidationTests
{
    private static async Task<(int Exit, string Output)> StartAppAsync(params string[] settings)
    {
        var dll = typeof(Program).Assembly.Location;
        var data = Path.Combine(Path.GetTempPath(), "axwb-start-tests", Guid.NewGuid().ToString("N"));
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["ASPNETCORE_ENVIRONMENT"] = "Production", ["Urls"] = "http://127.0.0.1:0" },
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add($"--Data:DataDirectory={data}");
        foreach (var setting in settings)
        {
            start.ArgumentList.Add(setting);
        }
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    [Fact]
    public async Task WrongProvider_StopsStartupWithMessageNamingTheSetting()
    {
        var (exit, output) = await StartAppAsync("--Data:Provider=Oracle");

        Assert.Equal(2, exit);
        Assert.Contains("Data:Provider", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--Circuits:DisconnectedCircuitMaxRetained=-1", "Circuits:DisconnectedCircuitMaxRetained")]
    [InlineData("--Circuits:MaxReceiveMessageKb=1", "Circuits:MaxReceiveMessageKb")]
    [InlineData("--Conversations:MaxPromptsPerMinute=-3", "Conversations:MaxPromptsPerMinute")]
    [InlineData("--Data:WalCheckpointSeconds=-5", "Data:WalCheckpointSeconds")]
    public async Task WrongLimit_StopsStartupWithMessageNamingTheSetting(string setting, string name)
    {
        var (exit, output) = await StartAppAsync(setting);

        Assert.Equal(2, exit);
        Assert.Contains(name, output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownMarkingScheme_StopsStartupWithMessageNamingTheSetting()
    {
        var (exit, output) = await StartAppAsync("--Markings:Scheme=Nato");

        Assert.Equal(2, exit);
        Assert.Contains("Markings:Scheme", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RevalidationIntervalAboveOneMinute_StopsStartup()
    {
        var (exit, output) = await StartAppAsync("--Security:RevalidationIntervalSeconds=600");

        Assert.Equal(2, exit);
        Assert.Contains("Security:RevalidationIntervalSeconds", output, StringComparison.Ordinal);
    }
}
