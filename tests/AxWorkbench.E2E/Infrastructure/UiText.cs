using System.Globalization;
using System.Resources;
using AxWorkbench.Web;

namespace AxWorkbench.E2E.Infrastructure;

/// <summary>The app's own UI strings (Resources/SharedResource*.resx), so tests follow wording changes.</summary>
public static class UiText
{
    private static readonly ResourceManager Resources = new("AxWorkbench.Web.Resources.SharedResource", typeof(SharedResource).Assembly);

    public static string En(string key) => Get(key, "en-US");

    public static string Ko(string key) => Get(key, "ko-KR");

    private static string Get(string key, string culture) =>
        Resources.GetString(key, CultureInfo.GetCultureInfo(culture)) ?? throw new KeyNotFoundException($"No UI string '{key}' for {culture}.");
}
