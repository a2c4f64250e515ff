using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Identity;
using AxWorkbench.Web.Shell;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace AxWorkbench.Web.Tests.Shell;

public sealed class LanguageSwitchTests : WorkbenchTestContext
{
    public LanguageSwitchTests()
    {
        AddAuthorization().SetAuthorized("analyst").SetRoles(Roles.Analyst);
    }

    [Fact]
    public void NavMenu_EnglishCulture_ShowsEnglishText()
    {
        var cut = Render<NavMenu>();

        Assert.Equal("Chat", cut.Find("[data-testid=nav-chat]").TextContent.Trim());
        Assert.Equal("Documents", cut.Find("[data-testid=nav-documents]").TextContent.Trim());
    }

    [Fact]
    public void NavMenu_KoreanCulture_ShowsKoreanText()
    {
        UseCulture("ko-KR");

        var cut = Render<NavMenu>();

        Assert.Equal("채팅", cut.Find("[data-testid=nav-chat]").TextContent.Trim());
        Assert.Equal("문서", cut.Find("[data-testid=nav-documents]").TextContent.Trim());
    }

    [Fact]
    public void LanguageSwitch_KoreanLink_SetsCultureAndReturnsToCurrentPage()
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo("/documents?x=1");

        var cut = Render<LanguageSwitch>();

        var korean = cut.Find("[data-testid=lang-ko-KR]");
        Assert.Equal("/culture/set?culture=ko-KR&redirectUri=%2Fdocuments%3Fx%3D1", korean.GetAttribute("href"));
        Assert.Equal("_top", korean.GetAttribute("target"));
        Assert.Equal("true", cut.Find("[data-testid=lang-en-US]").GetAttribute("aria-current"));
    }

    [Fact]
    public void LanguageSwitch_AfterSwitchToKorean_MarksKoreanCurrentAndNavTextChanges()
    {
        var before = Render<NavMenu>().Find("[data-testid=nav-libraries]").TextContent.Trim();
        UseCulture("ko-KR");

        var switcher = Render<LanguageSwitch>();
        var after = Render<NavMenu>().Find("[data-testid=nav-libraries]").TextContent.Trim();

        Assert.Equal("Libraries", before);
        Assert.Equal("자료실", after);
        Assert.Equal("true", switcher.Find("[data-testid=lang-ko-KR]").GetAttribute("aria-current"));
    }

    [Fact]
    public void NavMenu_Analyst_HasNoReviewOrAdminLinks()
    {
        var cut = Render<NavMenu>();

        Assert.Empty(cut.FindAll("[data-testid=nav-review]"));
        Assert.Empty(cut.FindAll("[data-testid=nav-admin]"));
    }
}

public sealed class AdminNavMenuTests : WorkbenchTestContext
{
    public AdminNavMenuTests()
    {
        AddAuthorization().SetAuthorized("admin").SetRoles(Roles.Admin).SetPolicies(Roles.Admin, Roles.Supervisor);
    }

    [Fact]
    public void NavMenu_Admin_ShowsReviewAndAdminLinks()
    {
        var cut = Render<NavMenu>();

        Assert.Single(cut.FindAll("[data-testid=nav-review]"));
        Assert.Single(cut.FindAll("[data-testid=nav-admin]"));
    }
}
