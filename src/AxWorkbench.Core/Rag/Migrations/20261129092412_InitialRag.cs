using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AxWorkbench.Core.Rag.Migrations
{
    /// <inheritdoc />
    public partial class InitialRag : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "RagGroundedAnswers",
                columns: table => new
                {
                    AnswerId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SessionId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SourcesJson = table.Column<string>(type: "TEXT", nullable: false),
                    CitationsJson = table.Column<string>(type: "TEXT", nullable: true),
                    ReproducibilityJson = table.Column<string>(type: "TEXT", nullable: false),
                    NothingFound = table.Column<bool>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RagGroundedAnswers", x => x.AnswerId);
                });

            migrationBuilder.CreateTable(
                name: "RagSessionLibraries",
                columns: table => new
                {
                    SessionId = table.Column<Guid>(type: "TEXT", nullable: false),
                    LibraryId = table.Column<Guid>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RagSessionLibraries", x => new { x.SessionId, x.LibraryId });
                });

            migrationBuilder.CreateIndex(
                name: "IX_RagGroundedAnswers_SessionId",
                table: "RagGroundedAnswers",
                column: "SessionId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "RagGroundedAnswers");

            migrationBuilder.DropTable(
                name: "RagSessionLibraries");
        }
    }
}
