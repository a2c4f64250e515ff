namespace AxWorkbench.Core.Audit;

/// <summary>
/// The actions the audit log records (issue 7). Dotted, lower case, stable: they are part of
/// every record's hashed canonical form, so a constant's value never changes once shipped.
/// </summary>
public static class AuditActions
{
    public const string Login = "auth.login";
    public const string LoginFailed = "auth.login-failed";
    public const string Lockout = "auth.lockout";
    public const string Logout = "auth.logout";
    public const string AccessDenied = "auth.access-denied";
    public const string Consent = "auth.consent";
    public const string SessionLocked = "auth.session-locked";
    public const string SessionUnlocked = "auth.session-unlocked";
    public const string SessionEnded = "auth.session-ended";
    public const string CertificateRefused = "auth.certificate-refused";
    public const string DirectoryRefused = "auth.directory-refused";

    public const string UserCreated = "user.created";
    public const string UserDisabled = "user.disabled";
    public const string UserEnabled = "user.enabled";
    public const string RolesChanged = "user.roles-changed";
    public const string ClearanceChanged = "user.clearance-changed";
    public const string UnitChanged = "user.unit-changed";
    public const string PasswordReset = "user.password-reset";
    public const string CertificateAdded = "user.certificate-added";
    public const string CertificateRemoved = "user.certificate-removed";

    public const string Prompt = "chat.prompt";
    public const string Generation = "chat.generation";
    public const string Retrieval = "retrieval.query";
    public const string Upload = "document.upload";
    public const string Summary = "document.summary";
    public const string DocumentDeleted = "document.delete";
    public const string Export = "session.export";
    public const string SessionViewed = "review.session-viewed";
    public const string Comment = "review.comment";
    public const string SignOff = "review.sign-off";
    public const string Flag = "review.flag";

    public const string SettingsChanged = "settings.changed";
    public const string ModelQuantized = "model.quantize";
    public const string ModelEvaluated = "model.evaluate";
    public const string ModelPromoted = "model.promote";
    public const string AuditVerified = "audit.verified";
    public const string Backup = "data.backup";
    public const string Restore = "data.restore";

    public static IReadOnlyList<string> All { get; } =
    [
        Login, LoginFailed, Lockout, Logout, AccessDenied, Consent, SessionLocked, SessionUnlocked, SessionEnded, CertificateRefused, DirectoryRefused,
        UserCreated, UserDisabled, UserEnabled, RolesChanged, ClearanceChanged, UnitChanged, PasswordReset, CertificateAdded, CertificateRemoved,
        Prompt, Generation, Retrieval, Upload, Summary, DocumentDeleted, Export, SessionViewed, Comment, SignOff, Flag,
        SettingsChanged, AuditVerified, Backup, Restore,
    ];
}

/// <summary>How an audited action ended.</summary>
public static class AuditOutcomes
{
    public const string Success = "success";
    public const string Failure = "failure";
    public const string Denied = "denied";

    public static IReadOnlyList<string> All { get; } = [Success, Failure, Denied];
}
