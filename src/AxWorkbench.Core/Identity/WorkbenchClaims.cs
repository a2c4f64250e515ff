namespace AxWorkbench.Core.Identity;

/// <summary>Claim types the workbench adds to a signed-in user's principal.</summary>
public static class WorkbenchClaims
{
    public const string Clearance = "ax:clearance";
    public const string Caveats = "ax:caveats";
    public const string Unit = "ax:unit";
    public const string Nationality = "ax:nationality";
    public const string DisplayName = "ax:name";
}
