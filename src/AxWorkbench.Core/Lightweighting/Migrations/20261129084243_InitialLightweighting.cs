using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AxWorkbench.Core.Lightweighting.Migrations
{
    /// <inheritdoc />
    public partial class InitialLightweighting : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "LabEvaluations",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    BasePath = table.Column<string>(type: "TEXT", nullable: false),
                    VariantPath = table.Column<string>(type: "TEXT", nullable: false),
                    VariantFileType = table.Column<string>(type: "TEXT", nullable: false),
                    TextName = table.Column<string>(type: "TEXT", nullable: false),
                    TextSha256 = table.Column<string>(type: "TEXT", nullable: false),
                    Windows = table.Column<int>(type: "INTEGER", nullable: false),
                    WindowTokens = table.Column<int>(type: "INTEGER", nullable: false),
                    TextTokens = table.Column<int>(type: "INTEGER", nullable: false),
                    ScoredTokens = table.Column<int>(type: "INTEGER", nullable: false),
                    BasePerplexity = table.Column<double>(type: "REAL", nullable: false),
                    VariantPerplexity = table.Column<double>(type: "REAL", nullable: false),
                    MeanKl = table.Column<double>(type: "REAL", nullable: false),
                    P99Kl = table.Column<double>(type: "REAL", nullable: false),
                    MaxKl = table.Column<double>(type: "REAL", nullable: false),
                    Top1Agreement = table.Column<double>(type: "REAL", nullable: false),
                    BaseTokensPerSecond = table.Column<double>(type: "REAL", nullable: false),
                    VariantTokensPerSecond = table.Column<double>(type: "REAL", nullable: false),
                    BaseMemoryBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    VariantMemoryBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    BaseFileBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    VariantFileBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    RequestedBy = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LabEvaluations", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "LabPromotions",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    FromPath = table.Column<string>(type: "TEXT", nullable: true),
                    ToPath = table.Column<string>(type: "TEXT", nullable: false),
                    PromotedBy = table.Column<string>(type: "TEXT", nullable: false),
                    Outcome = table.Column<string>(type: "TEXT", nullable: false),
                    Message = table.Column<string>(type: "TEXT", nullable: true),
                    CreatedUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LabPromotions", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "LabQuantizations",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    SourcePath = table.Column<string>(type: "TEXT", nullable: false),
                    SourceSha256 = table.Column<string>(type: "TEXT", nullable: false),
                    SourceBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    TargetType = table.Column<string>(type: "TEXT", nullable: false),
                    OutputPath = table.Column<string>(type: "TEXT", nullable: false),
                    OutputBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    DurationMs = table.Column<double>(type: "REAL", nullable: false),
                    RequestedBy = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LabQuantizations", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_LabEvaluations_BasePath_VariantPath",
                table: "LabEvaluations",
                columns: new[] { "BasePath", "VariantPath" });

            migrationBuilder.CreateIndex(
                name: "IX_LabQuantizations_SourcePath",
                table: "LabQuantizations",
                column: "SourcePath");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "LabEvaluations");

            migrationBuilder.DropTable(
                name: "LabPromotions");

            migrationBuilder.DropTable(
                name: "LabQuantizations");
        }
    }
}
