using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Sigill.Api.Platform.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class PrivacyErasure : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "privacy_erasures_applied",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    AppliedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_privacy_erasures_applied", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "privacy_legal_holds",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    OrganizationId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Scope = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    DocumentId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    EmailIndex = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    ReasonToken = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    SetBy = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ReleasedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    ReleasedBy = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_privacy_legal_holds", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_privacy_legal_holds_OrganizationId_ReleasedAt",
                table: "privacy_legal_holds",
                columns: new[] { "OrganizationId", "ReleasedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "privacy_erasures_applied");

            migrationBuilder.DropTable(
                name: "privacy_legal_holds");
        }
    }
}
