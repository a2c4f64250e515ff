using AxWorkbench.Core.Identity;
using AxWorkbench.Web.Security;

namespace AxWorkbench.Web.Tests.Security;

/// <summary>The admin's certificate panel lists a user's registrations and asks the page to remove the one clicked.</summary>
public sealed class CertificateRegistrationTests : WorkbenchTestContext
{
    [Fact]
    public void CertificatePanel_ListsTheRegistrations_AndRemoveRaisesTheClickedOne()
    {
        RegisteredCertificate? removed = null;
        var thumbprint = new RegisteredCertificate(CertificateMatch.Thumbprint, "AB12CD34");
        var upn = new RegisteredCertificate(CertificateMatch.Upn, "KIM@SITE.TEST");

        var cut = Render<CertificateRegistration>(p => p
            .Add(c => c.UserName, "kim")
            .Add(c => c.Registered, [thumbprint, upn])
            .Add(c => c.OnRemove, (RegisteredCertificate c) => removed = c));
        var rows = cut.FindAll("[data-testid=certificate-row]");
        cut.FindAll("[data-testid=certificate-remove]")[1].Click();

        Assert.Equal(2, rows.Count);
        Assert.Contains("AB12CD34", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("Upn", rows[1].TextContent, StringComparison.Ordinal);
        Assert.Equal(upn, removed);
        Assert.Empty(cut.FindAll("[data-testid=certificates-none]"));
    }

    [Fact]
    public void CertificatePanel_WithNoRegistration_SaysSo()
    {
        var cut = Render<CertificateRegistration>(p => p.Add(c => c.UserName, "kim"));

        Assert.NotNull(cut.Find("[data-testid=certificates-none]"));
        Assert.Empty(cut.FindAll("[data-testid=certificate-row]"));
    }
}
