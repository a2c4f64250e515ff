using System.ComponentModel.DataAnnotations;

namespace AxWorkbench.Core.Identity;

/// <summary>
/// Lockout and password rules for local accounts (defaults from common STIG practice: 3 failures lock the account
/// for 15 minutes; 15 characters with upper case, lower case, a digit and a symbol).
/// </summary>
public sealed class AccountPolicyOptions
{
    public const string SectionName = "Security:Accounts";

    /// <summary>Consecutive failed sign-ins that lock the account (a success resets the count).</summary>
    [Range(1, 100, ErrorMessage = "Security:Accounts:LockoutFailures must be between 1 and 100.")]
    public int LockoutFailures { get; set; } = 3;

    /// <summary>How long a locked account stays locked (minutes); an administrator's password reset unlocks it at once.</summary>
    [Range(1, 24 * 60, ErrorMessage = "Security:Accounts:LockoutMinutes must be between 1 and 1440.")]
    public int LockoutMinutes { get; set; } = 15;

    [Range(8, 128, ErrorMessage = "Security:Accounts:PasswordMinLength must be between 8 and 128.")]
    public int PasswordMinLength { get; set; } = 15;

    public bool PasswordRequiresUpper { get; set; } = true;

    public bool PasswordRequiresLower { get; set; } = true;

    public bool PasswordRequiresDigit { get; set; } = true;

    public bool PasswordRequiresSymbol { get; set; } = true;
}
