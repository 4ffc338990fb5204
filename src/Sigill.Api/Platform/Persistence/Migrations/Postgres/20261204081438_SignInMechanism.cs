using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Sigill.Api.Platform.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class SignInMechanism : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Counters of the old scheme (windows and blocks) mean nothing under growing delays: start afresh.
            migrationBuilder.Sql("DELETE FROM throttles;");

            migrationBuilder.DropColumn(
                name: "BlockedUntil",
                table: "throttles");

            migrationBuilder.RenameColumn(
                name: "WindowStart",
                table: "throttles",
                newName: "NextAt");

            migrationBuilder.RenameColumn(
                name: "Failures",
                table: "throttles",
                newName: "Count");

            migrationBuilder.AddColumn<DateTime>(
                name: "LastAt",
                table: "throttles",
                type: "timestamp with time zone",
                nullable: false,
                defaultValue: new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified));

            migrationBuilder.AddColumn<string>(
                name: "InvitationId",
                table: "sign_in_challenges",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Method",
                table: "sign_in_challenges",
                type: "character varying(32)",
                maxLength: 32,
                nullable: false,
                defaultValue: "password");

            migrationBuilder.CreateTable(
                name: "known_sign_in_sources",
                columns: table => new
                {
                    Key = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    SeenAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_known_sign_in_sources", x => x.Key);
                });

            migrationBuilder.CreateTable(
                name: "pending_sign_ups",
                columns: table => new
                {
                    Id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    UserId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    EmailHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    EmailToken = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: false),
                    NameToken = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: false),
                    OrganizationNameToken = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: false),
                    PasswordHash = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    SecretHash = table.Column<byte[]>(type: "bytea", maxLength: 32, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ExpiresAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_pending_sign_ups", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_throttles_LastAt",
                table: "throttles",
                column: "LastAt");

            migrationBuilder.CreateIndex(
                name: "IX_pending_sign_ups_EmailHash",
                table: "pending_sign_ups",
                column: "EmailHash");

            migrationBuilder.CreateIndex(
                name: "IX_pending_sign_ups_ExpiresAt",
                table: "pending_sign_ups",
                column: "ExpiresAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "known_sign_in_sources");

            migrationBuilder.DropTable(
                name: "pending_sign_ups");

            migrationBuilder.DropIndex(
                name: "IX_throttles_LastAt",
                table: "throttles");

            migrationBuilder.DropColumn(
                name: "LastAt",
                table: "throttles");

            migrationBuilder.DropColumn(
                name: "InvitationId",
                table: "sign_in_challenges");

            migrationBuilder.DropColumn(
                name: "Method",
                table: "sign_in_challenges");

            migrationBuilder.RenameColumn(
                name: "NextAt",
                table: "throttles",
                newName: "WindowStart");

            migrationBuilder.RenameColumn(
                name: "Count",
                table: "throttles",
                newName: "Failures");

            migrationBuilder.AddColumn<DateTime>(
                name: "BlockedUntil",
                table: "throttles",
                type: "timestamp with time zone",
                nullable: true);
        }
    }
}
