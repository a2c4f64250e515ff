using AxWorkbench.Core.Markings;
using AxWorkbench.Web.Shell;
using Microsoft.Extensions.DependencyInjection;

namespace AxWorkbench.Web.Tests.Shell;

public sealed class ClassificationBannerTests : WorkbenchTestContext
{
    private static readonly Marking Confidential = new(ClassificationLevel.Confidential);
    private static readonly Marking SecretNoforn = new(ClassificationLevel.Secret, ["NOFORN"]);

    [Fact]
    public void Banner_NothingDeclared_ShowsUnclassifiedInGreen()
    {
        var cut = Render<BannerHost>();

        var top = cut.Find("[data-testid=banner-top]");
        Assert.Equal("UNCLASSIFIED", top.TextContent.Trim());
        Assert.Contains("background-color:#007A33", top.GetAttribute("style"), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Banner_ConfidentialAndSecretDeclared_ShowsSecretTopAndBottom()
    {
        var cut = Render<BannerHost>(p => p.Add(h => h.Markings, [Confidential, SecretNoforn]));

        foreach (var position in new[] { "top", "bottom" })
        {
            var banner = cut.Find($"[data-testid=banner-{position}]");
            Assert.Equal("SECRET//NOFORN", banner.TextContent.Trim());
            Assert.Contains("background-color:#C8102E", banner.GetAttribute("style"), StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void Banner_SecretPartRemoved_DropsToConfidential()
    {
        var cut = Render<BannerHost>(p => p.Add(h => h.Markings, [Confidential, SecretNoforn]));

        cut.Render(p => p.Add(h => h.Markings, [Confidential]));

        Assert.Equal("CONFIDENTIAL", cut.Find("[data-testid=banner-top]").TextContent.Trim());
        Assert.Equal("CONFIDENTIAL", cut.Find("[data-testid=banner-bottom]").TextContent.Trim());
    }

    [Fact]
    public void Banner_TopSecretWithSciCompartment_IsYellowWithBlackText()
    {
        var cut = Render<BannerHost>(p => p.Add(h => h.Markings, [new Marking(ClassificationLevel.TopSecret, ["SI", "NOFORN"])]));

        var style = cut.Find("[data-testid=banner-top]").GetAttribute("style")!;
        Assert.Contains("background-color:#FCE83A", style, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("color:#000000", style.Replace("background-color", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Banner_DeclarationFromAnotherComponent_UpdatesRenderedBanner()
    {
        var cut = Render<BannerHost>();
        var state = Services.GetRequiredService<BannerState>();

        cut.InvokeAsync(() => state.Declare(new object(), SecretNoforn));

        cut.WaitForAssertion(() => Assert.Equal("SECRET//NOFORN", cut.Find("[data-testid=banner-top]").TextContent.Trim()));
    }
}

public sealed class RokClassificationBannerTests() : WorkbenchTestContext(MarkingSchemeKind.Rok)
{
    [Fact]
    public void Banner_RokScheme_ShowsKoreanLevelName()
    {
        var cut = Render<BannerHost>(p => p.Add(h => h.Markings, [new Marking(ClassificationLevel.Secret), new Marking(ClassificationLevel.Controlled)]));

        Assert.Equal("Ⅱ급비밀", cut.Find("[data-testid=banner-top]").TextContent.Trim());
    }
}
