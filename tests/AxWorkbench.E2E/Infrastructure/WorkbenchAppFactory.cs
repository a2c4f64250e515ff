using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using AxWorkbench.Core.Inference;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AxWorkbench.E2E.Infrastructure;

/// <summary>
/// The real app (same Program, same middleware, Kestrel) on 127.0.0.1 and a free port, in the
/// "Testing" environment, with a fresh data folder and a known demo password.
/// </summary>
public sealed class WorkbenchAppFactory : WebApplicationFactory<Program>
{
    public const string DemoPassword = "E2e-Demo-Password-2026!";

    private readonly IReadOnlyDictionary<string, string?> _settings;

    /// <param name="dataDirectory">An existing data folder to start on (a restored backup). Deleted on dispose either way.</param>
    public WorkbenchAppFactory(string dataDirectory)
        : this(null, false, dataDirectory)
    {
    }

    /// <param name="settings">Settings on top of the test profile's (e.g. a short idle lock, HTTPS files).</param>
    /// <param name="https">Listen with TLS, using the certificate the app's own HTTPS settings name.</param>
    /// <param name="dataDirectory">An existing data folder to start on; a fresh one when null. Deleted on dispose either way.</param>
    public WorkbenchAppFactory(IReadOnlyDictionary<string, string?>? settings = null, bool https = false, string? dataDirectory = null)
    {
        _settings = settings ?? new Dictionary<string, string?>();
        DataDirectory = dataDirectory ?? Path.Combine(Path.GetTempPath(), "axworkbench-e2e-" + Guid.NewGuid().ToString("N"));
        UseKestrel(options =>
        {
            options.Listen(IPAddress.Loopback, 0);
            if (https)
            {
                // Beside the plain port, which the app redirects to this one.
                options.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps());
            }
        });
    }

    /// <summary>The engine's step gate: full speed unless a test paces it (see <see cref="PacedStepGate.Pace"/>).</summary>
    internal PacedStepGate StepGate { get; } = new();

    public string DataDirectory { get; }

    /// <summary>The origin the app listens on, e.g. http://127.0.0.1:41234 (https:// when it listens with TLS; starts the server on first use).</summary>
    public Uri ServerAddress => Addresses.SingleOrDefault(a => a.Scheme == Uri.UriSchemeHttps) ?? Addresses.Single();

    /// <summary>The plain-HTTP origin.</summary>
    public Uri HttpAddress => Addresses.Single(a => a.Scheme == Uri.UriSchemeHttp);

    private IReadOnlyList<Uri> Addresses
    {
        get
        {
            StartServer();
            return [.. Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Select(a => new Uri(a))];
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Data:DataDirectory", DataDirectory);
        builder.UseSetting("Demo:Enabled", "true");
        builder.UseSetting("Demo:Password", DemoPassword);
        // Tests make their own documents; the demo briefs would change what each page shows.
        builder.UseSetting("Demo:Briefs", "false");
        builder.UseSetting("Security:RevalidationIntervalSeconds", "2");
        builder.UseSetting("Markings:Scheme", "Us");
        // The parser's wall clock up to a scan's first OCR page (reading the PDF, finding its image-only pages) ran past the
        // 8 s default twice on the shared machine at load 30-80; the worker still bounds each OCR page itself (60 s).
        builder.UseSetting("Documents:Worker:TimeoutSeconds", "60");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
        // The same engine, with a gate a test can pace; everything else about inference is the app's own.
        builder.ConfigureTestServices(services => services.Replace(ServiceDescriptor.Singleton(sp => new InferenceEngine(
            sp.GetRequiredService<IOptions<InferenceOptions>>(), sp.GetService<ILogger<InferenceEngine>>(), StepGate))));
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }
}
