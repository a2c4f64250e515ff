using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

#pragma warning disable CA1814 // Prefer jagged arrays over multidimensional

namespace AxWorkbench.Core.Conversations.Migrations
{
    /// <inheritdoc />
    public partial class InitialConversations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ChatPersonas",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    SystemPrompt = table.Column<string>(type: "TEXT", nullable: false),
                    Retired = table.Column<bool>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ChatPersonas", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ChatRoleLimits",
                columns: table => new
                {
                    Role = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    MaxTemperature = table.Column<float>(type: "REAL", nullable: false),
                    MaxTopP = table.Column<float>(type: "REAL", nullable: false),
                    MaxOutputTokens = table.Column<int>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ChatRoleLimits", x => x.Role);
                });

            migrationBuilder.CreateTable(
                name: "ChatSessions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    OwnerId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    Title = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    PersonaId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Pinned = table.Column<bool>(type: "INTEGER", nullable: false),
                    Archived = table.Column<bool>(type: "INTEGER", nullable: false),
                    DeletedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    SelectedLeafId = table.Column<Guid>(type: "TEXT", nullable: true),
                    MarkingLevel = table.Column<int>(type: "INTEGER", nullable: false),
                    MarkingCaveats = table.Column<string>(type: "TEXT", nullable: false),
                    MarkingRelTo = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ChatSessions", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ChatMessages",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    SessionId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ParentId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Sequence = table.Column<long>(type: "INTEGER", nullable: false),
                    Role = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Content = table.Column<string>(type: "TEXT", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    MarkingLevel = table.Column<int>(type: "INTEGER", nullable: false),
                    MarkingCaveats = table.Column<string>(type: "TEXT", nullable: false),
                    MarkingRelTo = table.Column<string>(type: "TEXT", nullable: true),
                    AuthorId = table.Column<string>(type: "TEXT", nullable: true),
                    ModelName = table.Column<string>(type: "TEXT", nullable: true),
                    ModelSha256 = table.Column<string>(type: "TEXT", nullable: true),
                    Temperature = table.Column<float>(type: "REAL", nullable: true),
                    TopP = table.Column<float>(type: "REAL", nullable: true),
                    MaxTokens = table.Column<int>(type: "INTEGER", nullable: true),
                    Seed = table.Column<long>(type: "INTEGER", nullable: true),
                    PromptTokens = table.Column<int>(type: "INTEGER", nullable: true),
                    CompletionTokens = table.Column<int>(type: "INTEGER", nullable: true),
                    FinishReason = table.Column<string>(type: "TEXT", nullable: true),
                    Error = table.Column<string>(type: "TEXT", nullable: true),
                    DroppedMessages = table.Column<int>(type: "INTEGER", nullable: false),
                    PersonaId = table.Column<Guid>(type: "TEXT", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CompletedAt = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ChatMessages", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ChatMessages_ChatMessages_ParentId",
                        column: x => x.ParentId,
                        principalTable: "ChatMessages",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_ChatMessages_ChatSessions_SessionId",
                        column: x => x.SessionId,
                        principalTable: "ChatSessions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.InsertData(
                table: "ChatPersonas",
                columns: new[] { "Id", "CreatedAt", "Name", "Retired", "SystemPrompt", "UpdatedAt" },
                values: new object[,]
                {
                    { new Guid("6f1c2a51-0b1e-4c55-9a57-1a0000000001"), new DateTime(2026, 1, 1, 0, 0, 0, 0, DateTimeKind.Utc), "BLUF brief writer", false, "You write briefs for busy commanders. Start with the bottom line up front (BLUF) in one or two sentences, then the key facts as short bullets, then what is unknown. Never invent sources.", new DateTime(2026, 1, 1, 0, 0, 0, 0, DateTimeKind.Utc) },
                    { new Guid("6f1c2a51-0b1e-4c55-9a57-1a0000000002"), new DateTime(2026, 1, 1, 0, 0, 0, 0, DateTimeKind.Utc), "Korean↔English translator", false, "You translate between Korean and English. Translate the user's text into the other language faithfully, keep military terms, ranks and unit names precise, and keep portion marks unchanged. Output only the translation.", new DateTime(2026, 1, 1, 0, 0, 0, 0, DateTimeKind.Utc) },
                    { new Guid("6f1c2a51-0b1e-4c55-9a57-1a0000000003"), new DateTime(2026, 1, 1, 0, 0, 0, 0, DateTimeKind.Utc), "Intelligence summary", false, "You write intelligence summaries: who, what, where, when, and assessed significance, with confidence levels (low, moderate, high) stated for each judgement. Separate facts from assessments.", new DateTime(2026, 1, 1, 0, 0, 0, 0, DateTimeKind.Utc) }
                });

            migrationBuilder.InsertData(
                table: "ChatRoleLimits",
                columns: new[] { "Role", "MaxOutputTokens", "MaxTemperature", "MaxTopP", "UpdatedAt" },
                values: new object[,]
                {
                    { "Admin", 4096, 2f, 1f, new DateTime(2026, 1, 1, 0, 0, 0, 0, DateTimeKind.Utc) },
                    { "Analyst", 1024, 1f, 1f, new DateTime(2026, 1, 1, 0, 0, 0, 0, DateTimeKind.Utc) },
                    { "Supervisor", 2048, 1.5f, 1f, new DateTime(2026, 1, 1, 0, 0, 0, 0, DateTimeKind.Utc) }
                });

            migrationBuilder.CreateIndex(
                name: "IX_ChatMessages_ParentId",
                table: "ChatMessages",
                column: "ParentId");

            migrationBuilder.CreateIndex(
                name: "IX_ChatMessages_SessionId_Sequence",
                table: "ChatMessages",
                columns: new[] { "SessionId", "Sequence" });

            migrationBuilder.CreateIndex(
                name: "IX_ChatMessages_Status",
                table: "ChatMessages",
                column: "Status");

            migrationBuilder.CreateIndex(
                name: "IX_ChatPersonas_Name",
                table: "ChatPersonas",
                column: "Name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ChatSessions_OwnerId_UpdatedAt",
                table: "ChatSessions",
                columns: new[] { "OwnerId", "UpdatedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ChatMessages");

            migrationBuilder.DropTable(
                name: "ChatPersonas");

            migrationBuilder.DropTable(
                name: "ChatRoleLimits");

            migrationBuilder.DropTable(
                name: "ChatSessions");
        }
    }
}
