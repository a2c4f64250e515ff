using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AxWorkbench.Migrations.Postgres.Data.Migrations
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
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "LeaseExpiresAt",
                table: "ChatMessages",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "BackgroundJobs",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    SubjectId = table.Column<Guid>(type: "uuid", nullable: false),
                    Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    RequestedById = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: false),
                    RequestedByName = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    OwnerNode = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    LeaseExpiresAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    HeartbeatAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    CancelRequested = table.Column<bool>(type: "boolean", nullable: false),
                    CancelledBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    Attempts = table.Column<int>(type: "integer", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    FinishedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
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
