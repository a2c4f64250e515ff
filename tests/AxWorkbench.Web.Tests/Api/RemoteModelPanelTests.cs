using AxWorkbench.Core.Inference;
using AxWorkbench.Core.Inference.Remote;
using AxWorkbench.Web.Inference;

namespace AxWorkbench.Web.Tests.Api;

/// <summary>The model page's panel for a remote model: endpoint, model id, reachability (with the reason) and latency.</summary>
public sealed class RemoteModelPanelTests : WorkbenchTestContext
{
    private static RemoteInferenceStatus Status() =>
        new(new RemoteInferenceOptions { Endpoint = "http://gpu-node:5080/v1/", Model = "ax-light.gguf" }, new RemoteSlots(2, 4));

    [Fact]
    public void Reachable_ShowsEndpointModelAndLatency()
    {
        var status = Status();
        status.RecordProbe(TimeSpan.FromMilliseconds(42), null);

        var panel = Render<RemoteModelPanel>(p => p.Add(c => c.Status, status));

        Assert.Contains("http://gpu-node:5080/v1", panel.Markup, StringComparison.Ordinal);
        Assert.Contains("ax-light.gguf", panel.Markup, StringComparison.Ordinal);
        Assert.Contains("42 ms", panel.Markup, StringComparison.Ordinal);
        Assert.Equal(ModelState.Ready, status.State);
    }

    [Fact]
    public void Unreachable_ShowsTheReason_UntilAProbeAnswers()
    {
        var status = Status();
        status.RecordProbe(null, "The inference server http://gpu-node:5080/v1 cannot be reached: Connection refused");

        var panel = Render<RemoteModelPanel>(p => p.Add(c => c.Status, status));

        Assert.Contains("Connection refused", panel.Markup, StringComparison.Ordinal);
        Assert.Equal(ModelState.Failed, status.State);
        status.RecordProbe(TimeSpan.FromMilliseconds(5), null);
        Assert.Equal(ModelState.Ready, status.State);
        Assert.Null(status.Error);
    }
}
