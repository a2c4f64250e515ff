namespace AxWorkbench.Core.Actors;

public static class Roles
{
    public const string Analyst = "Analyst";
    public const string Supervisor = "Supervisor";
    public const string Admin = "Admin";

    public static IReadOnlyList<string> All { get; } = [Analyst, Supervisor, Admin];

    public static string? Normalize(string role) =>
        All.FirstOrDefault(r => string.Equals(r, role.Trim(), StringComparison.OrdinalIgnoreCase));
}
