using System.ComponentModel.DataAnnotations;

namespace AxWorkbench.Core.Data;

/// <summary>Where the workbench keeps its data. SQLite is the embedded default.</summary>
public sealed class DataOptions
{
    public const string SectionName = "Data";

    /// <summary>Folder for the database, indexes and the fixture model; created at start. Relative paths are relative to the content root.</summary>
    [Required(AllowEmptyStrings = false)]
    public string DataDirectory { get; set; } = "data";

    /// <summary>Database provider. Only "Sqlite" ships today.</summary>
    [Required, RegularExpression("^Sqlite$", ErrorMessage = "Data:Provider must be 'Sqlite' (the only provider this build ships).")]
    public string Provider { get; set; } = "Sqlite";

    /// <summary>Optional full connection string; by default the database is {DataDirectory}/axworkbench.db.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>How long a write waits for a locked database before failing, in seconds.</summary>
    [Range(1, 600)]
    public int BusyTimeoutSeconds { get; set; } = 30;

    public string ResolveDataDirectory(string contentRoot) =>
        Path.GetFullPath(Path.IsPathRooted(DataDirectory) ? DataDirectory : Path.Combine(contentRoot, DataDirectory));

    public string ResolveConnectionString(string contentRoot) =>
        string.IsNullOrWhiteSpace(ConnectionString)
            ? $"Data Source={Path.Combine(ResolveDataDirectory(contentRoot), "axworkbench.db")};Pooling=True"
            : ConnectionString;
}
