using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AxWorkbench.Migrations.Postgres.Data.Migrations
{
    /// <inheritdoc />
    public partial class LabJobs : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "LabJobs",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Description = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: false),
                    Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Progress = table.Column<double>(type: "double precision", nullable: false),
                    Message = table.Column<string>(type: "text", nullable: true),
                    RequestedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Node = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    SourcePath = table.Column<string>(type: "text", nullable: false),
                    TargetPath = table.Column<string>(type: "text", nullable: true),
                    TargetType = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    Text = table.Column<string>(type: "text", nullable: true),
                    TextName = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: true),
                    Windows = table.Column<int>(type: "integer", nullable: true),
                    WindowTokens = table.Column<int>(type: "integer", nullable: true),
                    ResultId = table.Column<long>(type: "bigint", nullable: true),
                    CreatedUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    FinishedUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LabJobs", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_LabJobs_CreatedUtc",
                table: "LabJobs",
                column: "CreatedUtc");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "LabJobs");
        }
    }
}
