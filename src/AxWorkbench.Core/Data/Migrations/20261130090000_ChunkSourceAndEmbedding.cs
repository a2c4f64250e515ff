using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AxWorkbench.Core.Data.Migrations
{
    /// <inheritdoc />
    /// <summary>
    /// Chunks say whether their page was read by OCR (<c>Ocr</c>, with OCR's mean word confidence <c>OcrConfidence</c>),
    /// so a grounded answer can say its source was a scan; every chunk stored before this came from a text layer.
    /// Indexed documents carry a <c>Status</c>: <c>Indexing</c> until the embedding worker has given their chunks vectors,
    /// then <c>Ready</c> (documents indexed before this were embedded when they were added).
    /// </summary>
    public partial class ChunkSourceAndEmbedding : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "Ocr",
                table: "RetrievalChunks",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<double>(
                name: "OcrConfidence",
                table: "RetrievalChunks",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Status",
                table: "RetrievalDocuments",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                defaultValue: "Ready");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(name: "Ocr", table: "RetrievalChunks");
            migrationBuilder.DropColumn(name: "OcrConfidence", table: "RetrievalChunks");
            migrationBuilder.DropColumn(name: "Status", table: "RetrievalDocuments");
        }
    }
}
