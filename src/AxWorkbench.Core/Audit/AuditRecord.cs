namespace AxWorkbench.Core.Audit;

/// <summary>
/// One row of the append-only audit table. <see cref="Hash"/> chains it to the previous row:
/// see <see cref="AuditCanonicalForm"/> for exactly what is hashed.
/// </summary>
public sealed class AuditRecord
{
    /// <summary>1, 2, 3, ... without gaps; assigned by the single writer.</summary>
    public long Sequence { get; set; }

    /// <summary>UTC time as stored and hashed: "yyyy-MM-ddTHH:mm:ss.fffffffZ".</summary>
    public required string TimestampUtc { get; set; }

    public required string Actor { get; set; }

    public required string Action { get; set; }

    public string? Target { get; set; }

    public required string Outcome { get; set; }

    public string? ClientAddress { get; set; }

    /// <summary>The record's own marking as a banner line in the site's scheme.</summary>
    public required string Marking { get; set; }

    public string? Details { get; set; }

    /// <summary>Lower-case hex SHA-256 of the previous hash and this record's canonical form.</summary>
    public required string Hash { get; set; }

    public DateTime Time => DateTime.ParseExact(TimestampUtc, AuditCanonicalForm.TimestampFormat,
        System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal);
}
