using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

#pragma warning disable CA1814 // Prefer jagged arrays over multidimensional

namespace AxWorkbench.Migrations.Postgres.Data.Migrations
{
    /// <inheritdoc />
    public partial class Baseline : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ApiKeys",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    KeyHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    KeyPrefix = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Clearance = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    Unit = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    CreatedBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    ExpiresAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    RevokedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    MaxTokens = table.Column<int>(type: "integer", nullable: true),
                    RequestsPerMinute = table.Column<int>(type: "integer", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ApiKeys", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "AuditRecords",
                columns: table => new
                {
                    Sequence = table.Column<long>(type: "bigint", nullable: false),
                    TimestampUtc = table.Column<string>(type: "character varying(28)", maxLength: 28, nullable: false),
                    Actor = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Action = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Target = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    Outcome = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    ClientAddress = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    Marking = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Details = table.Column<string>(type: "text", nullable: true),
                    Hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AuditRecords", x => x.Sequence);
                });

            migrationBuilder.CreateTable(
                name: "ChatPersonas",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    SystemPrompt = table.Column<string>(type: "text", nullable: false),
                    Retired = table.Column<bool>(type: "boolean", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ChatPersonas", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ChatRoleLimits",
                columns: table => new
                {
                    Role = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    MaxTemperature = table.Column<float>(type: "real", nullable: false),
                    MaxTopP = table.Column<float>(type: "real", nullable: false),
                    MaxOutputTokens = table.Column<int>(type: "integer", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ChatRoleLimits", x => x.Role);
                });

            migrationBuilder.CreateTable(
                name: "ChatSessions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    OwnerId = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: false),
                    Title = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    PersonaId = table.Column<Guid>(type: "uuid", nullable: true),
                    Pinned = table.Column<bool>(type: "boolean", nullable: false),
                    Archived = table.Column<bool>(type: "boolean", nullable: false),
                    DeletedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    SelectedLeafId = table.Column<Guid>(type: "uuid", nullable: true),
                    MarkingStorage = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ChatSessions", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Documents",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    FileName = table.Column<string>(type: "character varying(260)", maxLength: 260, nullable: false),
                    Sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    SizeBytes = table.Column<long>(type: "bigint", nullable: false),
                    Kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    Marking = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    FailureReason = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    Uploader = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Library = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    PageCount = table.Column<int>(type: "integer", nullable: false),
                    CreatedAt = table.Column<long>(type: "bigint", nullable: false),
                    ParsedAt = table.Column<long>(type: "bigint", nullable: true),
                    DeletedAt = table.Column<long>(type: "bigint", nullable: true),
                    DeletedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Documents", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "LabEvaluations",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    BasePath = table.Column<string>(type: "text", nullable: false),
                    VariantPath = table.Column<string>(type: "text", nullable: false),
                    VariantFileType = table.Column<string>(type: "text", nullable: false),
                    TextName = table.Column<string>(type: "text", nullable: false),
                    TextSha256 = table.Column<string>(type: "text", nullable: false),
                    Windows = table.Column<int>(type: "integer", nullable: false),
                    WindowTokens = table.Column<int>(type: "integer", nullable: false),
                    TextTokens = table.Column<int>(type: "integer", nullable: false),
                    ScoredTokens = table.Column<int>(type: "integer", nullable: false),
                    BasePerplexity = table.Column<double>(type: "double precision", nullable: false),
                    VariantPerplexity = table.Column<double>(type: "double precision", nullable: false),
                    MeanKl = table.Column<double>(type: "double precision", nullable: false),
                    P99Kl = table.Column<double>(type: "double precision", nullable: false),
                    MaxKl = table.Column<double>(type: "double precision", nullable: false),
                    Top1Agreement = table.Column<double>(type: "double precision", nullable: false),
                    BaseTokensPerSecond = table.Column<double>(type: "double precision", nullable: false),
                    VariantTokensPerSecond = table.Column<double>(type: "double precision", nullable: false),
                    BaseMemoryBytes = table.Column<long>(type: "bigint", nullable: false),
                    VariantMemoryBytes = table.Column<long>(type: "bigint", nullable: false),
                    BaseFileBytes = table.Column<long>(type: "bigint", nullable: false),
                    VariantFileBytes = table.Column<long>(type: "bigint", nullable: false),
                    RequestedBy = table.Column<string>(type: "text", nullable: false),
                    CreatedUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LabEvaluations", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "LabPromotions",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    FromPath = table.Column<string>(type: "text", nullable: true),
                    ToPath = table.Column<string>(type: "text", nullable: false),
                    PromotedBy = table.Column<string>(type: "text", nullable: false),
                    Outcome = table.Column<string>(type: "text", nullable: false),
                    Message = table.Column<string>(type: "text", nullable: true),
                    CreatedUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LabPromotions", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "LabQuantizations",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    SourcePath = table.Column<string>(type: "text", nullable: false),
                    SourceSha256 = table.Column<string>(type: "text", nullable: false),
                    SourceBytes = table.Column<long>(type: "bigint", nullable: false),
                    TargetType = table.Column<string>(type: "text", nullable: false),
                    OutputPath = table.Column<string>(type: "text", nullable: false),
                    OutputBytes = table.Column<long>(type: "bigint", nullable: false),
                    DurationMs = table.Column<double>(type: "double precision", nullable: false),
                    RequestedBy = table.Column<string>(type: "text", nullable: false),
                    CreatedUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LabQuantizations", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "OrgUnits",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    ParentId = table.Column<int>(type: "integer", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_OrgUnits", x => x.Id);
                    table.ForeignKey(
                        name: "FK_OrgUnits_OrgUnits_ParentId",
                        column: x => x.ParentId,
                        principalTable: "OrgUnits",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "RagGroundedAnswers",
                columns: table => new
                {
                    AnswerId = table.Column<Guid>(type: "uuid", nullable: false),
                    SessionId = table.Column<Guid>(type: "uuid", nullable: false),
                    SourcesJson = table.Column<string>(type: "text", nullable: false),
                    CitationsJson = table.Column<string>(type: "text", nullable: true),
                    ReproducibilityJson = table.Column<string>(type: "text", nullable: false),
                    NothingFound = table.Column<bool>(type: "boolean", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RagGroundedAnswers", x => x.AnswerId);
                });

            migrationBuilder.CreateTable(
                name: "RagSessionLibraries",
                columns: table => new
                {
                    SessionId = table.Column<Guid>(type: "uuid", nullable: false),
                    LibraryId = table.Column<Guid>(type: "uuid", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RagSessionLibraries", x => new { x.SessionId, x.LibraryId });
                });

            migrationBuilder.CreateTable(
                name: "RetrievalChunks",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    DocumentId = table.Column<Guid>(type: "uuid", nullable: false),
                    Version = table.Column<int>(type: "integer", nullable: false),
                    Ordinal = table.Column<int>(type: "integer", nullable: false),
                    Page = table.Column<int>(type: "integer", nullable: false),
                    Start = table.Column<int>(type: "integer", nullable: false),
                    Length = table.Column<int>(type: "integer", nullable: false),
                    Text = table.Column<string>(type: "text", nullable: false),
                    Marking = table.Column<string>(type: "character varying(400)", maxLength: 400, nullable: false),
                    Language = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    Tokens = table.Column<int>(type: "integer", nullable: false),
                    Vector = table.Column<byte[]>(type: "bytea", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RetrievalChunks", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "RetrievalDocuments",
                columns: table => new
                {
                    DocumentId = table.Column<Guid>(type: "uuid", nullable: false),
                    Version = table.Column<int>(type: "integer", nullable: false),
                    Title = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    Marking = table.Column<string>(type: "character varying(400)", maxLength: 400, nullable: false),
                    IndexedUtc = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RetrievalDocuments", x => x.DocumentId);
                });

            migrationBuilder.CreateTable(
                name: "RetrievalLibraries",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    OwnerId = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: false),
                    Ceiling = table.Column<string>(type: "character varying(400)", maxLength: 400, nullable: false),
                    CreatedUtc = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RetrievalLibraries", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "RetrievalSettings",
                columns: table => new
                {
                    Key = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Value = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RetrievalSettings", x => x.Key);
                });

            migrationBuilder.CreateTable(
                name: "ReviewComments",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    SessionId = table.Column<Guid>(type: "uuid", nullable: false),
                    MessageId = table.Column<Guid>(type: "uuid", nullable: false),
                    AuthorName = table.Column<string>(type: "text", nullable: false),
                    Text = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReviewComments", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "SessionReviews",
                columns: table => new
                {
                    SessionId = table.Column<Guid>(type: "uuid", nullable: false),
                    Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    FlagReason = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    FlaggedBy = table.Column<string>(type: "text", nullable: true),
                    FlaggedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    SignedOffBy = table.Column<string>(type: "text", nullable: true),
                    SignedOffAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    UpdatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SessionReviews", x => x.SessionId);
                });

            migrationBuilder.CreateTable(
                name: "SessionViews",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    SessionId = table.Column<Guid>(type: "uuid", nullable: false),
                    ViewerName = table.Column<string>(type: "text", nullable: false),
                    ViewedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SessionViews", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ChatMessages",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    SessionId = table.Column<Guid>(type: "uuid", nullable: false),
                    ParentId = table.Column<Guid>(type: "uuid", nullable: true),
                    Sequence = table.Column<long>(type: "bigint", nullable: false),
                    Role = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Content = table.Column<string>(type: "text", nullable: false),
                    Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    MarkingStorage = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    AuthorId = table.Column<string>(type: "text", nullable: true),
                    ModelName = table.Column<string>(type: "text", nullable: true),
                    ModelSha256 = table.Column<string>(type: "text", nullable: true),
                    Temperature = table.Column<float>(type: "real", nullable: true),
                    TopP = table.Column<float>(type: "real", nullable: true),
                    MaxTokens = table.Column<int>(type: "integer", nullable: true),
                    Seed = table.Column<long>(type: "bigint", nullable: true),
                    PromptTokens = table.Column<int>(type: "integer", nullable: true),
                    CompletionTokens = table.Column<int>(type: "integer", nullable: true),
                    FinishReason = table.Column<string>(type: "text", nullable: true),
                    Error = table.Column<string>(type: "text", nullable: true),
                    DroppedMessages = table.Column<int>(type: "integer", nullable: false),
                    PersonaId = table.Column<Guid>(type: "uuid", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    CompletedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
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

            migrationBuilder.CreateTable(
                name: "DocumentPages",
                columns: table => new
                {
                    DocumentId = table.Column<Guid>(type: "uuid", nullable: false),
                    Number = table.Column<int>(type: "integer", nullable: false),
                    Text = table.Column<string>(type: "text", nullable: false),
                    Source = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Confidence = table.Column<double>(type: "double precision", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DocumentPages", x => new { x.DocumentId, x.Number });
                    table.ForeignKey(
                        name: "FK_DocumentPages_Documents_DocumentId",
                        column: x => x.DocumentId,
                        principalTable: "Documents",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "DocumentSummaries",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    DocumentId = table.Column<Guid>(type: "uuid", nullable: false),
                    Mode = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Marking = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    RequestedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Text = table.Column<string>(type: "text", nullable: true),
                    ChunksDone = table.Column<int>(type: "integer", nullable: false),
                    ChunksTotal = table.Column<int>(type: "integer", nullable: false),
                    Error = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    StartedAt = table.Column<long>(type: "bigint", nullable: false),
                    FinishedAt = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DocumentSummaries", x => x.Id);
                    table.ForeignKey(
                        name: "FK_DocumentSummaries_Documents_DocumentId",
                        column: x => x.DocumentId,
                        principalTable: "Documents",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "RetrievalLibraryDocuments",
                columns: table => new
                {
                    LibraryId = table.Column<Guid>(type: "uuid", nullable: false),
                    DocumentId = table.Column<Guid>(type: "uuid", nullable: false),
                    AddedBy = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: false),
                    AddedUtc = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
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
                    LibraryId = table.Column<Guid>(type: "uuid", nullable: false),
                    Unit = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false)
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

            migrationBuilder.CreateTable(
                name: "DocumentSummaryChunks",
                columns: table => new
                {
                    SummaryId = table.Column<Guid>(type: "uuid", nullable: false),
                    Index = table.Column<int>(type: "integer", nullable: false),
                    FirstPage = table.Column<int>(type: "integer", nullable: false),
                    LastPage = table.Column<int>(type: "integer", nullable: false),
                    Text = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DocumentSummaryChunks", x => new { x.SummaryId, x.Index });
                    table.ForeignKey(
                        name: "FK_DocumentSummaryChunks_DocumentSummaries_SummaryId",
                        column: x => x.SummaryId,
                        principalTable: "DocumentSummaries",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
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

            migrationBuilder.InsertData(
                table: "OrgUnits",
                columns: new[] { "Id", "CreatedAt", "Name", "ParentId" },
                values: new object[,]
                {
                    { 1, new DateTime(2026, 1, 1, 0, 0, 0, 0, DateTimeKind.Utc), "Headquarters", null },
                    { 2, new DateTime(2026, 1, 1, 0, 0, 0, 0, DateTimeKind.Utc), "1st Intelligence Battalion", 1 }
                });

            migrationBuilder.CreateIndex(
                name: "IX_ApiKeys_KeyHash",
                table: "ApiKeys",
                column: "KeyHash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ApiKeys_Name",
                table: "ApiKeys",
                column: "Name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_AuditRecords_Action",
                table: "AuditRecords",
                column: "Action");

            migrationBuilder.CreateIndex(
                name: "IX_AuditRecords_Actor",
                table: "AuditRecords",
                column: "Actor");

            migrationBuilder.CreateIndex(
                name: "IX_AuditRecords_TimestampUtc",
                table: "AuditRecords",
                column: "TimestampUtc");

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

            migrationBuilder.CreateIndex(
                name: "IX_Documents_Sha256",
                table: "Documents",
                column: "Sha256");

            migrationBuilder.CreateIndex(
                name: "IX_Documents_Uploader",
                table: "Documents",
                column: "Uploader");

            migrationBuilder.CreateIndex(
                name: "IX_DocumentSummaries_DocumentId_StartedAt",
                table: "DocumentSummaries",
                columns: new[] { "DocumentId", "StartedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_DocumentSummaries_Status",
                table: "DocumentSummaries",
                column: "Status");

            migrationBuilder.CreateIndex(
                name: "IX_LabEvaluations_BasePath_VariantPath",
                table: "LabEvaluations",
                columns: new[] { "BasePath", "VariantPath" });

            migrationBuilder.CreateIndex(
                name: "IX_LabQuantizations_SourcePath",
                table: "LabQuantizations",
                column: "SourcePath");

            migrationBuilder.CreateIndex(
                name: "IX_OrgUnits_Name",
                table: "OrgUnits",
                column: "Name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_OrgUnits_ParentId",
                table: "OrgUnits",
                column: "ParentId");

            migrationBuilder.CreateIndex(
                name: "IX_RagGroundedAnswers_SessionId",
                table: "RagGroundedAnswers",
                column: "SessionId");

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

            migrationBuilder.CreateIndex(
                name: "IX_ReviewComments_SessionId_CreatedAt",
                table: "ReviewComments",
                columns: new[] { "SessionId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_SessionReviews_Status",
                table: "SessionReviews",
                column: "Status");

            migrationBuilder.CreateIndex(
                name: "IX_SessionViews_SessionId_ViewedAt",
                table: "SessionViews",
                columns: new[] { "SessionId", "ViewedAt" });

            // The audit table is append-only in the database itself, not only in the writer (as the SQLite triggers).
            // Written by hand after generation: the model cannot express it.
            migrationBuilder.Sql(
                "CREATE FUNCTION audit_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ " +
                "BEGIN RAISE EXCEPTION 'audit records are append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege'; END $$;");
            migrationBuilder.Sql(
                "CREATE TRIGGER \"AuditRecords_NoUpdate\" BEFORE UPDATE ON \"AuditRecords\" " +
                "FOR EACH ROW EXECUTE FUNCTION audit_records_append_only();");
            migrationBuilder.Sql(
                "CREATE TRIGGER \"AuditRecords_NoDelete\" BEFORE DELETE ON \"AuditRecords\" " +
                "FOR EACH ROW EXECUTE FUNCTION audit_records_append_only();");
            migrationBuilder.Sql(
                "CREATE TRIGGER \"AuditRecords_NoTruncate\" BEFORE TRUNCATE ON \"AuditRecords\" " +
                "FOR EACH STATEMENT EXECUTE FUNCTION audit_records_append_only();");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS \"AuditRecords_NoUpdate\" ON \"AuditRecords\";");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS \"AuditRecords_NoDelete\" ON \"AuditRecords\";");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS \"AuditRecords_NoTruncate\" ON \"AuditRecords\";");
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS audit_records_append_only();");
            migrationBuilder.DropTable(
                name: "ApiKeys");

            migrationBuilder.DropTable(
                name: "AuditRecords");

            migrationBuilder.DropTable(
                name: "ChatMessages");

            migrationBuilder.DropTable(
                name: "ChatPersonas");

            migrationBuilder.DropTable(
                name: "ChatRoleLimits");

            migrationBuilder.DropTable(
                name: "DocumentPages");

            migrationBuilder.DropTable(
                name: "DocumentSummaryChunks");

            migrationBuilder.DropTable(
                name: "LabEvaluations");

            migrationBuilder.DropTable(
                name: "LabPromotions");

            migrationBuilder.DropTable(
                name: "LabQuantizations");

            migrationBuilder.DropTable(
                name: "OrgUnits");

            migrationBuilder.DropTable(
                name: "RagGroundedAnswers");

            migrationBuilder.DropTable(
                name: "RagSessionLibraries");

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
                name: "ReviewComments");

            migrationBuilder.DropTable(
                name: "SessionReviews");

            migrationBuilder.DropTable(
                name: "SessionViews");

            migrationBuilder.DropTable(
                name: "ChatSessions");

            migrationBuilder.DropTable(
                name: "DocumentSummaries");

            migrationBuilder.DropTable(
                name: "RetrievalLibraries");

            migrationBuilder.DropTable(
                name: "Documents");
        }
    }
}
