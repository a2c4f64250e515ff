using AxWorkbench.Core.Inference;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Tests.Inference;

public sealed class AddInferenceTests
{
    /// <summary>The smallest IHostApplicationBuilder: configuration and services, as the web host provides them.</summary>
    private sealed class TestHostBuilder : IHostApplicationBuilder
    {
        public IDictionary<object, object> Properties { get; } = new Dictionary<object, object>();
        public IConfigurationManager Configuration { get; } = new ConfigurationManager();
        public IHostEnvironment Environment { get; } = new TestEnvironment();
        public ILoggingBuilder Logging => throw new NotSupportedException();
        public IMetricsBuilder Metrics => throw new NotSupportedException();
        public IServiceCollection Services { get; } = new ServiceCollection();

        public void ConfigureContainer<TContainerBuilder>(IServiceProviderFactory<TContainerBuilder> factory, Action<TContainerBuilder>? configure = null)
            where TContainerBuilder : notnull => throw new NotSupportedException();
    }

    private sealed class TestEnvironment : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Test";
        public string ApplicationName { get; set; } = "AxWorkbench.Tests";
        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var builder = new TestHostBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddLogging();
        builder.AddInference();
        return builder.Services.BuildServiceProvider();
    }

    [Fact]
    public void AddInference_RegistersEngineStatusChatClientTokenCounterAndLoader()
    {
        using var sp = Build(new() { ["Inference:FixtureSize"] = "small", ["Inference:MaxParallelSequences"] = "2" });
        Assert.Equal(2, sp.GetRequiredService<IOptions<InferenceOptions>>().Value.MaxParallelSequences);
        Assert.Same(sp.GetRequiredService<InferenceEngine>(), sp.GetRequiredService<IModelStatus>());
        Assert.IsType<LocalChatClient>(sp.GetRequiredService<IChatClient>());
        Assert.IsType<ModelTokenCounter>(sp.GetRequiredService<ITokenCounter>());
        Assert.Same(sp.GetRequiredService<ITokenCounter>(), sp.GetRequiredService<ITokenCounter>());
        Assert.Contains(sp.GetServices<IHostedService>(), s => s.GetType().Name == "ModelLoaderService");
        Assert.Equal(ModelState.NotLoaded, sp.GetRequiredService<IModelStatus>().State);
    }

    [Theory]
    [InlineData("Inference:KvCacheType", "q5_1", "KvCacheType")]
    [InlineData("Inference:FixtureSize", "huge", "FixtureSize")]
    [InlineData("Inference:MaxParallelSequences", "0", "MaxParallelSequences")]
    [InlineData("Inference:UBatchSize", "4096", "UBatchSize")]
    public void WrongSetting_FailsValidation_NamingTheSetting(string key, string value, string name)
    {
        using var sp = Build(new() { [key] = value });
        var ex = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IOptions<InferenceOptions>>().Value);
        Assert.Contains(name, ex.Message, StringComparison.Ordinal);
    }
}
