using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Sigill.Api.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class OrganizationKeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Name",
                table: "organizations");

            migrationBuilder.AddColumn<string>(
                name: "NameToken",
                table: "organizations",
                type: "TEXT",
                maxLength: 2048,
                nullable: false,
                defaultValue: "");

            migrationBuilder.CreateTable(
                name: "org_key_usage",
                columns: table => new
                {
                    OrganizationId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    Uses = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_org_key_usage", x => new { x.OrganizationId, x.Version });
                });

            migrationBuilder.CreateTable(
                name: "org_keys",
                columns: table => new
                {
                    OrganizationId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Kind = table.Column<int>(type: "INTEGER", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    RootKeyId = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    ErasureKeyId = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    WrappedKey = table.Column<byte[]>(type: "BLOB", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_org_keys", x => new { x.OrganizationId, x.Kind, x.Version });
                });

            migrationBuilder.CreateTable(
                name: "shred_requests",
                columns: table => new
                {
                    OrganizationId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    RequestedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    DueAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ExecutedAt = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_shred_requests", x => x.OrganizationId);
                });

            migrationBuilder.CreateIndex(
                name: "IX_shred_requests_DueAt",
                table: "shred_requests",
                column: "DueAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "org_key_usage");

            migrationBuilder.DropTable(
                name: "org_keys");

            migrationBuilder.DropTable(
                name: "shred_requests");

            migrationBuilder.DropColumn(
                name: "NameToken",
                table: "organizations");

            migrationBuilder.AddColumn<string>(
                name: "Name",
                table: "organizations",
                type: "TEXT",
                maxLength: 1024,
                nullable: false,
                defaultValue: "");
        }
    }
}
