using System.ComponentModel.DataAnnotations;

namespace AxWorkbench.Core.Data;

/// <summary>Where the workbench keeps its data. SQLite is the embedded default; PostgreSQL serves several nodes.</summary>
public sealed class DataOptions
{
    public const string SectionName = "Data";

    /// <summary>The connection string's name under "ConnectionStrings" (<c>ConnectionStrings:Workbench</c>).</summary>
    public const string ConnectionStringName = "Workbench";

    /// <summary>The setting that holds the connection string, as an operator writes it.</summary>
    public const string ConnectionStringSetting = "ConnectionStrings:" + ConnectionStringName;

    public const string Sqlite = "Sqlite";

    public const string Postgres = "Postgres";

    /// <summary>Folder for the database, indexes and the fixture model; created at start. Relative paths are relative to the content root.</summary>
    [Required(AllowEmptyStrings = false)]
    public string DataDirectory { get; set; } = "data";

    /// <summary>The setting that places document originals, as an operator writes it.</summary>
    public const string DocumentsDirectorySetting = SectionName + ":" + nameof(DocumentsDirectory);

    /// <summary>
    /// Folder of document originals (<c>originals/</c>, content-addressed, and <c>incoming/</c> for uploads being
    /// received); empty: <c>{DataDirectory}/documents</c>, a folder of this node only. Several nodes on one PostgreSQL
    /// need one folder every node reads and writes (NFS or equal): a document uploaded on one node is parsed, read and
    /// backed up on any. Relative paths are relative to the content root.
    /// </summary>
    public string? DocumentsDirectory { get; set; }

    /// <summary>Database provider: "Sqlite" (one node, the default) or "Postgres" (needs <c>ConnectionStrings:Workbench</c>).</summary>
    [Required, RegularExpression("^(Sqlite|Postgres)$", ErrorMessage = "Data:Provider must be 'Sqlite' or 'Postgres'.")]
    public string Provider { get; set; } = Sqlite;

    /// <summary>
    /// Full connection string. Set from <c>ConnectionStrings:Workbench</c> (which wins) or <c>Data:ConnectionString</c>;
    /// required for Postgres. For SQLite the default is {DataDirectory}/axworkbench.db.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>How long a write waits for a locked database before failing, in seconds.</summary>
    [Range(1, 600)]
    public int BusyTimeoutSeconds { get; set; } = 30;

    /// <summary>This node's name among several on one database (letters, digits, '.', '_', '-'); empty: host name + a random suffix per process.</summary>
    [RegularExpression("^[A-Za-z0-9._-]{0,64}$", ErrorMessage = "Data:NodeId may hold only letters, digits, '.', '_' and '-' (at most 64).")]
    public string? NodeId { get; set; }

    /// <summary>SQLite only: how often the write-ahead log is checkpointed and truncated, in seconds (0: only SQLite's own automatic checkpoints).</summary>
    [Range(0, 86_400, ErrorMessage = "Data:WalCheckpointSeconds must be between 0 and 86400.")]
    public int WalCheckpointSeconds { get; set; } = 300;

    /// <summary>
    /// SQLite only: this process's writers queue for the database's write lock, first come first served, instead of
    /// each polling SQLite's busy handler (see <see cref="SqliteWriteGate"/>). On by default; off only to compare.
    /// </summary>
    public bool SqliteWriteQueue { get; set; } = true;

    /// <summary>SQLite only: the most bytes the write-ahead log keeps on disk after a checkpoint.</summary>
    [Range(0, long.MaxValue, ErrorMessage = "Data:WalSizeLimitBytes must not be negative.")]
    public long WalSizeLimitBytes { get; set; } = 64L * 1024 * 1024;

    public bool IsPostgres => string.Equals(Provider, Postgres, StringComparison.Ordinal);

    public string ResolveDataDirectory(string contentRoot) =>
        Path.GetFullPath(Path.IsPathRooted(DataDirectory) ? DataDirectory : Path.Combine(contentRoot, DataDirectory));

    /// <summary>True when <see cref="DocumentsDirectory"/> is not set: originals stay in this node's data folder.</summary>
    public bool DocumentsInDataDirectory => string.IsNullOrWhiteSpace(DocumentsDirectory);

    public string ResolveDocumentsDirectory(string contentRoot) =>
        DocumentsInDataDirectory
            ? Path.Combine(ResolveDataDirectory(contentRoot), "documents")
            : Path.GetFullPath(Path.IsPathRooted(DocumentsDirectory!) ? DocumentsDirectory! : Path.Combine(contentRoot, DocumentsDirectory!));

    public string ResolveConnectionString(string contentRoot) =>
        string.IsNullOrWhiteSpace(ConnectionString)
            ? IsPostgres
                ? throw new DatabaseConfigurationException($"{ConnectionStringSetting} must be set when Data:Provider is Postgres.")
                : $"Data Source={Path.Combine(ResolveDataDirectory(contentRoot), "axworkbench.db")};Pooling=True"
            : ConnectionString;
}
