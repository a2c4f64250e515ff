using System.ComponentModel.DataAnnotations;

namespace AxWorkbench.Web.Security;

/// <summary>Session rules: idle lock and concurrent sessions (defaults from common STIG practice).</summary>
public sealed class SessionRulesOptions
{
    public const string SectionName = "Security:Session";

    /// <summary>Seconds without input after which the screen locks until the password is given again (900 = 15 minutes).</summary>
    [Range(2, 24 * 3600, ErrorMessage = "Security:Session:IdleLockSeconds must be between 2 and 86400.")]
    public int IdleLockSeconds { get; set; } = 900;

    /// <summary>Sign-in sessions one user may hold at once; a new sign-in beyond it ends the oldest.</summary>
    [Range(1, 100, ErrorMessage = "Security:Session:MaxConcurrentSessions must be between 1 and 100.")]
    public int MaxConcurrentSessions { get; set; } = 3;
}

/// <summary>The notice-and-consent banner shown before the login form (site text in both languages).</summary>
public sealed class ConsentOptions
{
    public const string SectionName = "Security:Consent";

    /// <summary>Off only for a demo; an accredited site keeps the banner.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The site's English notice; empty: the standard notice in the app's strings.</summary>
    [StringLength(8000, ErrorMessage = "Security:Consent:TextEnglish is longer than 8000 characters.")]
    public string? TextEnglish { get; set; }

    /// <summary>The site's Korean notice; empty: the standard notice in the app's strings.</summary>
    [StringLength(8000, ErrorMessage = "Security:Consent:TextKorean is longer than 8000 characters.")]
    public string? TextKorean { get; set; }
}
