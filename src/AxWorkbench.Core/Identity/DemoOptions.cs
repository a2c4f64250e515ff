namespace AxWorkbench.Core.Identity;

/// <summary>Demo data for a fresh install. Production profiles set Enabled=false.</summary>
public sealed class DemoOptions
{
    public const string SectionName = "Demo";

    /// <summary>Seed the demo users (analyst, supervisor, admin) when the database has no users.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Import the fictional demo briefs (documents and a "Demo briefs" library) on a fresh install.</summary>
    public bool Briefs { get; set; } = true;

    /// <summary>Password for every demo user. Empty: a random password per user is generated and printed once, at first start.</summary>
    public string? Password { get; set; }
}
