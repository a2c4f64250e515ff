using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AxWorkbench.Core.Data.Migrations
{
    /// <inheritdoc />
    /// <summary>
    /// Where each page's text came from: <c>Source</c> (Text, Ocr, Pdftotext or Unread; every page stored before this
    /// migration came from the text layer) and <c>Confidence</c>, OCR's mean word confidence (0-1) for OCR pages.
    /// </summary>
    public partial class PageTextSource : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<double>(
                name: "Confidence",
                table: "DocumentPages",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Source",
                table: "DocumentPages",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                defaultValue: "Text");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(name: "Confidence", table: "DocumentPages");
            migrationBuilder.DropColumn(name: "Source", table: "DocumentPages");
        }
    }
}
