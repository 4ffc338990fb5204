using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Sigill.Api.Platform.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class EverydaySending : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "AttachSealedPdf",
                table: "organizations",
                type: "boolean",
                nullable: false,
                defaultValue: true);

            migrationBuilder.AddColumn<string>(
                name: "BrandColor",
                table: "organizations",
                type: "character varying(7)",
                maxLength: 7,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "DeliveryLinkDays",
                table: "organizations",
                type: "integer",
                nullable: false,
                defaultValue: 30);

            migrationBuilder.AddColumn<string>(
                name: "MutedNotices",
                table: "memberships",
                type: "character varying(128)",
                maxLength: 128,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<DateTime>(
                name: "DeliveryExpiresAt",
                table: "documents",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SentByUserId",
                table: "documents",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "DeliveryHash",
                table: "document_recipients",
                type: "bytea",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_document_recipients_DeliveryHash",
                table: "document_recipients",
                column: "DeliveryHash",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_document_recipients_DeliveryHash",
                table: "document_recipients");

            migrationBuilder.DropColumn(
                name: "AttachSealedPdf",
                table: "organizations");

            migrationBuilder.DropColumn(
                name: "BrandColor",
                table: "organizations");

            migrationBuilder.DropColumn(
                name: "DeliveryLinkDays",
                table: "organizations");

            migrationBuilder.DropColumn(
                name: "MutedNotices",
                table: "memberships");

            migrationBuilder.DropColumn(
                name: "DeliveryExpiresAt",
                table: "documents");

            migrationBuilder.DropColumn(
                name: "SentByUserId",
                table: "documents");

            migrationBuilder.DropColumn(
                name: "DeliveryHash",
                table: "document_recipients");
        }
    }
}
