using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AxWorkbench.Migrations.Postgres.Data.Migrations
{
    /// <inheritdoc />
    public partial class ChunkSourceAndEmbedding : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Status",
                table: "RetrievalDocuments",
                type: "character varying(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "Ready"); // rows filed before this migration were embedded inline: ready (as on SQLite)

            migrationBuilder.AddColumn<bool>(
                name: "Ocr",
                table: "RetrievalChunks",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<double>(
                name: "OcrConfidence",
                table: "RetrievalChunks",
                type: "double precision",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Status",
                table: "RetrievalDocuments");

            migrationBuilder.DropColumn(
                name: "Ocr",
                table: "RetrievalChunks");

            migrationBuilder.DropColumn(
                name: "OcrConfidence",
                table: "RetrievalChunks");
        }
    }
}
