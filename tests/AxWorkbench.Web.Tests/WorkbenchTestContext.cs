using System.Globalization;
using AxWorkbench.Core.Markings;
using AxWorkbench.Web.Shell;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace AxWorkbench.Web.Tests;

/// <summary>
/// One shared setup for component tests: MudBlazor services with loose JS interop, the UI strings,
/// per-circuit state and a marking scheme. MudBlazor's services are async-disposable only, so the
/// context is disposed asynchronously.
/// </summary>
public abstract class WorkbenchTestContext : BunitContext, IAsyncLifetime
{
    private readonly CultureInfo _culture = CultureInfo.CurrentCulture;
    private readonly CultureInfo _uiCulture = CultureInfo.CurrentUICulture;

    protected WorkbenchTestContext(MarkingSchemeKind scheme = MarkingSchemeKind.Us)
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddSingleton<AxWorkbench.Core.Cluster.IClusterEvents>(new AxWorkbench.Core.Cluster.LocalClusterEvents(
            new AxWorkbench.Core.Data.NodeIdentity(new AxWorkbench.Core.Data.DataOptions()), Microsoft.Extensions.Logging.Abstractions.NullLogger<AxWorkbench.Core.Cluster.LocalClusterEvents>.Instance));
        Services.AddLocalization(options => options.ResourcesPath = "Resources");
        Services.AddScoped<BannerState>();
        Services.AddScoped<ThemeState>();
        Services.AddSingleton(MarkingSchemes.For(scheme));
        UseCulture("en-US");
    }

    protected static void UseCulture(string name)
    {
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo(name);
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(name);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        CultureInfo.CurrentCulture = _culture;
        CultureInfo.CurrentUICulture = _uiCulture;
        await base.DisposeAsync();
    }
}
