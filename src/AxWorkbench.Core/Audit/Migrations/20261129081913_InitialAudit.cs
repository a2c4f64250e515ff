using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AxWorkbench.Core.Audit.Migrations
{
    /// <inheritdoc />
    public partial class InitialAudit : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "AuditRecords",
                columns: table => new
                {
                    Sequence = table.Column<long>(type: "INTEGER", nullable: false),
                    TimestampUtc = table.Column<string>(type: "TEXT", maxLength: 28, nullable: false),
                    Actor = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Action = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Target = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: true),
                    Outcome = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    ClientAddress = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Marking = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Details = table.Column<string>(type: "TEXT", nullable: true),
                    Hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AuditRecords", x => x.Sequence);
                });

            migrationBuilder.CreateIndex(
                name: "IX_AuditRecords_Action",
                table: "AuditRecords",
                column: "Action");

            migrationBuilder.CreateIndex(
                name: "IX_AuditRecords_Actor",
                table: "AuditRecords",
                column: "Actor");

            migrationBuilder.CreateIndex(
                name: "IX_AuditRecords_TimestampUtc",
                table: "AuditRecords",
                column: "TimestampUtc");

            // Append-only in the database too: any UPDATE or DELETE of an audit row is refused.
            migrationBuilder.Sql(
                "CREATE TRIGGER AuditRecords_NoUpdate BEFORE UPDATE ON AuditRecords " +
                "BEGIN SELECT RAISE(ABORT, 'audit records are append-only: UPDATE refused'); END;");
            migrationBuilder.Sql(
                "CREATE TRIGGER AuditRecords_NoDelete BEFORE DELETE ON AuditRecords " +
                "BEGIN SELECT RAISE(ABORT, 'audit records are append-only: DELETE refused'); END;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS AuditRecords_NoUpdate;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS AuditRecords_NoDelete;");
            migrationBuilder.DropTable(
                name: "AuditRecords");
        }
    }
}
