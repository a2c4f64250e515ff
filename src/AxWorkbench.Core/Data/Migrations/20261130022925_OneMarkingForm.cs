using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AxWorkbench.Core.Data.Migrations
{
    /// <inheritdoc />
    /// <summary>
    /// One marking form in storage: Conversations' three marking columns (level int, space-separated caveats, REL TO
    /// list) become one <c>MarkingStorage</c> column in the <c>Markings.MarkingStorage</c> form, converting every row:
    /// level 3 → "Secret", "NOFORN SI" → "NOFORN,SI", REL TO "KOR USA" → "REL:KOR,USA", no REL TO → "".
    /// A level outside 0-4 yields NULL, which the NOT NULL column refuses: the migration fails and changes nothing.
    /// </summary>
    public partial class OneMarkingForm : Migration
    {
        private const string ToStorage =
            "(CASE MarkingLevel WHEN 0 THEN 'Unclassified' WHEN 1 THEN 'Controlled' WHEN 2 THEN 'Confidential' " +
            "WHEN 3 THEN 'Secret' WHEN 4 THEN 'TopSecret' END) || '|' || replace(MarkingCaveats, ' ', ',') || '|' || " +
            "(CASE WHEN MarkingRelTo IS NULL THEN '' ELSE 'REL:' || replace(MarkingRelTo, ' ', ',') END)";

        // Down: "Level|caveats|relto" split at its two bars.
        private const string Level = "substr(MarkingStorage, 1, instr(MarkingStorage, '|') - 1)";
        private const string Rest = "substr(MarkingStorage, instr(MarkingStorage, '|') + 1)";
        private const string Caveats = "substr(" + Rest + ", 1, instr(" + Rest + ", '|') - 1)";
        private const string RelTo = "substr(" + Rest + ", instr(" + Rest + ", '|') + 1)";

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            foreach (var table in new[] { "ChatSessions", "ChatMessages" })
            {
                migrationBuilder.AddColumn<string>(
                    name: "MarkingStorage",
                    table: table,
                    type: "TEXT",
                    maxLength: 500,
                    nullable: false,
                    defaultValue: "Unclassified||");
                migrationBuilder.Sql($"UPDATE \"{table}\" SET MarkingStorage = {ToStorage};");
                migrationBuilder.DropColumn(name: "MarkingCaveats", table: table);
                migrationBuilder.DropColumn(name: "MarkingLevel", table: table);
                migrationBuilder.DropColumn(name: "MarkingRelTo", table: table);
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var table in new[] { "ChatSessions", "ChatMessages" })
            {
                migrationBuilder.AddColumn<string>(name: "MarkingCaveats", table: table, type: "TEXT", nullable: false, defaultValue: "");
                migrationBuilder.AddColumn<int>(name: "MarkingLevel", table: table, type: "INTEGER", nullable: false, defaultValue: 0);
                migrationBuilder.AddColumn<string>(name: "MarkingRelTo", table: table, type: "TEXT", nullable: true);
                migrationBuilder.Sql(
                    $"UPDATE \"{table}\" SET " +
                    $"MarkingLevel = (CASE {Level} WHEN 'Unclassified' THEN 0 WHEN 'Controlled' THEN 1 WHEN 'Confidential' THEN 2 WHEN 'Secret' THEN 3 WHEN 'TopSecret' THEN 4 END), " +
                    $"MarkingCaveats = replace({Caveats}, ',', ' '), " +
                    $"MarkingRelTo = (CASE WHEN {RelTo} LIKE 'REL:%' THEN replace(substr({RelTo}, 5), ',', ' ') ELSE NULL END);");
                migrationBuilder.DropColumn(name: "MarkingStorage", table: table);
            }
        }
    }
}
