using AxWorkbench.Core.Inference;
using AxWorkbench.Core.Inference.Remote;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Tests.Inference;

/// <summary>The remote provider's registration, its node queue (fair, with positions) and its token estimate.</summary>
public sealed class RemoteInferenceTests
{
    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], EnvironmentName = "Test" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddInference();
        return builder.Build();
    }

    private static Dictionary<string, string?> Remote(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Inference:Provider"] = "OpenAICompatible",
            ["Inference:Remote:Endpoint"] = "http://127.0.0.1:9/v1",
            ["Inference:Remote:Model"] = "ax-light",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    [Fact]
    public void OpenAICompatible_RegistersTheRemoteClientStatusAndEstimate_AndNoModelLoader()
    {
        using var host = Build(Remote());

        var chat = host.Services.GetRequiredService<IChatClient>();
        Assert.IsType<RemoteChatClient>(chat);
        Assert.Equal("ax-light", chat.GetService<ChatClientMetadata>()?.DefaultModelId);
        var status = Assert.IsType<RemoteInferenceStatus>(host.Services.GetRequiredService<IModelStatus>());
        Assert.Equal("http://127.0.0.1:9/v1", status.Endpoint);
        Assert.Equal(ModelState.Loading, status.State);
        Assert.False(host.Services.GetRequiredService<ITokenCounter>().IsExact);
        Assert.DoesNotContain(host.Services.GetServices<IHostedService>(), s => s.GetType().Name == "ModelLoaderService");
    }

    [Theory]
    [InlineData("Inference:Remote:Endpoint", "", "Inference:Remote:Endpoint is required")]
    [InlineData("Inference:Remote:Endpoint", "gpu-node:5080/v1", "Inference:Remote:Endpoint 'gpu-node:5080/v1' is not an absolute http")]
    [InlineData("Inference:Remote:Model", "", "Inference:Remote:Model is required")]
    [InlineData("Inference:Remote:ApiKeyFile", "/nonexistent/inference.key", "Inference:Remote:ApiKeyFile '/nonexistent/inference.key' does not exist")]
    [InlineData("Inference:Remote:TimeoutSeconds", "0", "Inference:Remote:TimeoutSeconds must be between 1 and 3600")]
    public async Task BadRemoteSetting_StopsTheStart_NamingIt(string key, string value, string message)
    {
        using var host = Build(Remote((key, value)));

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(ex.Failures, f => f.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnreachableServer_FailsWithAMessageNamingIt_AndStatusSaysSo()
    {
        using var host = Build(Remote(("Inference:Remote:Retries", "0")));
        var chat = host.Services.GetRequiredService<IChatClient>();

        var ex = await Assert.ThrowsAsync<RemoteInferenceException>(() => chat.GetResponseAsync([new(ChatRole.User, "hi")]));

        Assert.Contains("http://127.0.0.1:9/v1", ex.Message, StringComparison.Ordinal);
        var status = (RemoteInferenceStatus)host.Services.GetRequiredService<IModelStatus>();
        Assert.Equal(ModelState.Failed, status.State);
        Assert.Equal(ex.Message, status.Error);
    }

    [Fact]
    public async Task Slots_QueueBeyondTheLimit_AnalystsBeforeApiBeforeBackground_WithPositions()
    {
        var slots = new RemoteSlots(1, 10);
        var running = slots.Enter("kim", RequestPriority.Interactive);
        Assert.True(running.Admitted);

        var background = slots.Enter("summary", RequestPriority.Background);
        var api = slots.Enter("apikey:tool", RequestPriority.Api);
        var analyst = slots.Enter("lee", RequestPriority.Interactive);

        Assert.Equal(3, slots.Waiting);
        Assert.Equal(1, await LastPositionAsync(analyst));
        Assert.Equal(2, await LastPositionAsync(api));
        Assert.Equal(3, await LastPositionAsync(background));

        slots.Leave(running);
        Assert.True(analyst.Admitted);
        Assert.Equal(1, await LastPositionAsync(api));
        slots.Leave(api); // a waiter that gives up leaves the line
        Assert.False(api.Admitted);
        Assert.Equal(1, await LastPositionAsync(background));
        slots.Leave(analyst);
        Assert.True(background.Admitted);
        Assert.Equal(0, slots.Waiting);
    }

    [Fact]
    public void Slots_FullQueue_IsBusy()
    {
        var slots = new RemoteSlots(1, 1);
        slots.Enter("a", RequestPriority.Interactive);
        slots.Enter("b", RequestPriority.Interactive);

        Assert.Throws<EngineBusyException>(() => slots.Enter("c", RequestPriority.Interactive));
        Assert.Equal(1, slots.Rejected);
    }

    [Fact]
    public void TokenEstimate_IsNeverBelowTheUtf8Bytes()
    {
        var counter = new RemoteTokenCounter(new RemoteInferenceOptions { ContextSize = 8192 });

        Assert.False(counter.IsExact);
        Assert.Equal(8192, counter.ContextSize);
        Assert.True(counter.CountTokens("보고서 요약") >= System.Text.Encoding.UTF8.GetByteCount("보고서 요약"));
        Assert.True(counter.CountChatTokens([new(ChatRole.User, "hello")]) > counter.CountTokens("hello"));
    }

    private static async Task<int> LastPositionAsync(RemoteSlots.Waiter waiter)
    {
        var last = 0;
        while (waiter.Positions.Reader.TryRead(out var position))
        {
            last = position;
        }

        await Task.CompletedTask;
        return last;
    }
}
