using System.ComponentModel.DataAnnotations;
using AxWorkbench.Core.Identity;
using AxWorkbench.Web.Security;
using Microsoft.Extensions.Configuration;

namespace AxWorkbench.Web.Tests.Security;

/// <summary>The production profile turns the site's security on, with settings that pass the start-up validation.</summary>
public sealed class ProductionTemplateSecurityTests
{
    private static IConfiguration Production() => new ConfigurationBuilder()
        .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.templates", "production.json"), optional: false).Build();

    [Fact]
    public void ProductionTemplate_UsesHttpsCertificatesAndTheSessionRules_AndEverySectionValidates()
    {
        var configuration = Production();
        var https = configuration.GetSection(HttpsOptions.SectionName).Get<HttpsOptions>()!;
        var certificates = configuration.GetSection(CertificateLoginOptions.SectionName).Get<CertificateLoginOptions>()!;
        var session = configuration.GetSection(SessionRulesOptions.SectionName).Get<SessionRulesOptions>()!;
        var accounts = configuration.GetSection(AccountPolicyOptions.SectionName).Get<AccountPolicyOptions>()!;
        var consent = configuration.GetSection(ConsentOptions.SectionName).Get<ConsentOptions>()!;

        Assert.True(https.Enabled);
        Assert.EndsWith(".pfx", https.DataProtectionCertificatePath, StringComparison.Ordinal);
        Assert.Equal(LoginMode.CertificateOrPassword, certificates.Mode);
        Assert.False(string.IsNullOrWhiteSpace(certificates.CaBundlePath));
        Assert.False(string.IsNullOrWhiteSpace(certificates.CrlDirectory));
        Assert.True(certificates.RequireCrl);
        Assert.True(consent.Enabled);
        Assert.Equal(900, session.IdleLockSeconds);
        Assert.Equal(3, accounts.LockoutFailures);
        foreach (var options in new object[] { https, session, accounts, consent })
        {
            var results = new List<ValidationResult>();
            Assert.True(Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true),
                $"{options.GetType().Name}: {string.Join("; ", results.Select(r => r.ErrorMessage))}");
        }
    }
}
