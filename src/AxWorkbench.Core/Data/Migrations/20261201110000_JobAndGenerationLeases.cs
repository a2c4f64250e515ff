using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AxWorkbench.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class JobAndGenerationLeases : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "GeneratingNode",
                table: "ChatMessages",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "LeaseExpiresAt",
                table: "ChatMessages",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "BackgroundJobs",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    SubjectId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    RequestedById = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    RequestedByName = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    OwnerNode = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    LeaseExpiresAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    HeartbeatAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    CancelRequested = table.Column<bool>(type: "INTEGER", nullable: false),
                    CancelledBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    FinishedAt = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_BackgroundJobs", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ChatMessages_LeaseExpiresAt",
                table: "ChatMessages",
                column: "LeaseExpiresAt");

            migrationBuilder.CreateIndex(
                name: "IX_BackgroundJobs_Kind_Status_CreatedAt",
                table: "BackgroundJobs",
                columns: new[] { "Kind", "Status", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_BackgroundJobs_Kind_SubjectId",
                table: "BackgroundJobs",
                columns: new[] { "Kind", "SubjectId" },
                unique: true,
                filter: "\"FinishedAt\" IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "BackgroundJobs");

            migrationBuilder.DropIndex(
                name: "IX_ChatMessages_LeaseExpiresAt",
                table: "ChatMessages");

            migrationBuilder.DropColumn(
                name: "GeneratingNode",
                table: "ChatMessages");

            migrationBuilder.DropColumn(
                name: "LeaseExpiresAt",
                table: "ChatMessages");
        }
    }
}
