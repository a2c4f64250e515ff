using AxWorkbench.Core.Inference;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Tests.Inference;

/// <summary>One loaded small fixture model shared by the Inference tests (loading is the slow part).</summary>
public sealed class ModelFixture : IAsyncLifetime
{
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "ax-inference-tests-" + Guid.NewGuid().ToString("N"));

    public InferenceEngine Engine { get; private set; } = null!;

    /// <summary>The engine's step gate: tests hold the loop at a known step through it.</summary>
    internal HeldStepGate Gate { get; } = new();

    public InferenceOptions Options { get; } = new()
    {
        FixtureSize = "small",
        FixtureSeed = 7,
        ContextSize = 512,
        MaxParallelSequences = 4,
        MaxQueueLength = 3,
        Threads = 2,
        BatchSize = 256,
        UBatchSize = 256,
        DefaultMaxTokens = 16,
        NativeLibraryPath = SiteBuiltLibraryTests.Path, // AXWB_NATIVE_LIBLLAMA: the whole model suite on a site-built libllama
    };

    public async Task InitializeAsync()
    {
        Options.FixtureDirectory = Directory;
        Engine = new InferenceEngine(Microsoft.Extensions.Options.Options.Create(Options), null, Gate);
        await Engine.LoadAsync();
        if (Engine.State != ModelState.Ready)
        {
            throw new InvalidOperationException("Fixture model failed to load: " + Engine.Error);
        }
    }

    public Task DisposeAsync()
    {
        Engine.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }
}

// Model tests run alone, after the parallel ones: llama.cpp's threads spin, and other tests on the
// same 2 cores would turn their waits into timeouts.
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ModelCollection : ICollectionFixture<ModelFixture>
{
    public const string Name = "Loaded fixture model";
}
