using MudBlazor;

namespace AxWorkbench.Web.Shell;

/// <summary>Material look with locally served Roboto and Noto Sans KR.</summary>
public static class WorkbenchTheme
{
    private static readonly string[] Fonts = ["Roboto", "Noto Sans KR", "Helvetica", "Arial", "sans-serif"];

    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#1F3A5F",
            Secondary = "#3D7A8C",
            AppbarBackground = "#1F3A5F",
            Background = "#F4F6F8",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#8AB4F8",
            Secondary = "#7FC8D8",
            AppbarBackground = "#1B2330",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = Fonts },
            H1 = new H1Typography { FontFamily = Fonts },
            H2 = new H2Typography { FontFamily = Fonts },
            H3 = new H3Typography { FontFamily = Fonts },
            H4 = new H4Typography { FontFamily = Fonts },
            H5 = new H5Typography { FontFamily = Fonts },
            H6 = new H6Typography { FontFamily = Fonts },
            Body1 = new Body1Typography { FontFamily = Fonts },
            Body2 = new Body2Typography { FontFamily = Fonts },
            Button = new ButtonTypography { FontFamily = Fonts },
        },
    };
}
