using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AxWorkbench.Core.Data.Migrations
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
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Description = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Progress = table.Column<double>(type: "REAL", nullable: false),
                    Message = table.Column<string>(type: "TEXT", nullable: true),
                    RequestedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Node = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    SourcePath = table.Column<string>(type: "TEXT", nullable: false),
                    TargetPath = table.Column<string>(type: "TEXT", nullable: true),
                    TargetType = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    Text = table.Column<string>(type: "TEXT", nullable: true),
                    TextName = table.Column<string>(type: "TEXT", maxLength: 512, nullable: true),
                    Windows = table.Column<int>(type: "INTEGER", nullable: true),
                    WindowTokens = table.Column<int>(type: "INTEGER", nullable: true),
                    ResultId = table.Column<long>(type: "INTEGER", nullable: true),
                    CreatedUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    FinishedUtc = table.Column<DateTime>(type: "TEXT", nullable: true)
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
