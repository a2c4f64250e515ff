using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AxWorkbench.Core.Retrieval.Migrations
{
    /// <inheritdoc />
    public partial class InitialRetrieval : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "RetrievalChunks",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    DocumentId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    Ordinal = table.Column<int>(type: "INTEGER", nullable: false),
                    Page = table.Column<int>(type: "INTEGER", nullable: false),
                    Start = table.Column<int>(type: "INTEGER", nullable: false),
                    Length = table.Column<int>(type: "INTEGER", nullable: false),
                    Text = table.Column<string>(type: "TEXT", nullable: false),
                    Marking = table.Column<string>(type: "TEXT", maxLength: 400, nullable: false),
                    Language = table.Column<string>(type: "TEXT", maxLength: 8, nullable: false),
                    Tokens = table.Column<int>(type: "INTEGER", nullable: false),
                    Vector = table.Column<byte[]>(type: "BLOB", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RetrievalChunks", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "RetrievalDocuments",
                columns: table => new
                {
                    DocumentId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    Title = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    Marking = table.Column<string>(type: "TEXT", maxLength: 400, nullable: false),
                    IndexedUtc = table.Column<DateTimeOffset>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RetrievalDocuments", x => x.DocumentId);
                });

            migrationBuilder.CreateTable(
                name: "RetrievalLibraries",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    OwnerId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    Ceiling = table.Column<string>(type: "TEXT", maxLength: 400, nullable: false),
                    CreatedUtc = table.Column<DateTimeOffset>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RetrievalLibraries", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "RetrievalSettings",
                columns: table => new
                {
                    Key = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Value = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RetrievalSettings", x => x.Key);
                });

            migrationBuilder.CreateTable(
                name: "RetrievalLibraryDocuments",
                columns: table => new
                {
                    LibraryId = table.Column<Guid>(type: "TEXT", nullable: false),
                    DocumentId = table.Column<Guid>(type: "TEXT", nullable: false),
                    AddedBy = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    AddedUtc = table.Column<DateTimeOffset>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RetrievalLibraryDocuments", x => new { x.LibraryId, x.DocumentId });
                    table.ForeignKey(
                        name: "FK_RetrievalLibraryDocuments_RetrievalLibraries_LibraryId",
                        column: x => x.LibraryId,
                        principalTable: "RetrievalLibraries",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "RetrievalLibraryUnits",
                columns: table => new
                {
                    LibraryId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Unit = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RetrievalLibraryUnits", x => new { x.LibraryId, x.Unit });
                    table.ForeignKey(
                        name: "FK_RetrievalLibraryUnits_RetrievalLibraries_LibraryId",
                        column: x => x.LibraryId,
                        principalTable: "RetrievalLibraries",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_RetrievalChunks_DocumentId_Version_Ordinal",
                table: "RetrievalChunks",
                columns: new[] { "DocumentId", "Version", "Ordinal" });

            migrationBuilder.CreateIndex(
                name: "IX_RetrievalLibraries_Name",
                table: "RetrievalLibraries",
                column: "Name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_RetrievalLibraryDocuments_DocumentId",
                table: "RetrievalLibraryDocuments",
                column: "DocumentId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "RetrievalChunks");

            migrationBuilder.DropTable(
                name: "RetrievalDocuments");

            migrationBuilder.DropTable(
                name: "RetrievalLibraryDocuments");

            migrationBuilder.DropTable(
                name: "RetrievalLibraryUnits");

            migrationBuilder.DropTable(
                name: "RetrievalSettings");

            migrationBuilder.DropTable(
                name: "RetrievalLibraries");
        }
    }
}
