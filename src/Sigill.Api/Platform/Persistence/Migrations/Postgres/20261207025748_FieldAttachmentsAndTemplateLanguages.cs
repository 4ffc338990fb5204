using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Sigill.Api.Platform.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class FieldAttachmentsAndTemplateLanguages : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Language",
                table: "templates",
                type: "character varying(8)",
                maxLength: 8,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "TranslationsToken",
                table: "templates",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Language",
                table: "documents",
                type: "character varying(8)",
                maxLength: 8,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "AttachmentBytes",
                table: "document_fields",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "AttachmentContentType",
                table: "document_fields",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "AttachmentNameToken",
                table: "document_fields",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "AttachmentObjectId",
                table: "document_fields",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "AttachmentSha256",
                table: "document_fields",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Language",
                table: "templates");

            migrationBuilder.DropColumn(
                name: "TranslationsToken",
                table: "templates");

            migrationBuilder.DropColumn(
                name: "Language",
                table: "documents");

            migrationBuilder.DropColumn(
                name: "AttachmentBytes",
                table: "document_fields");

            migrationBuilder.DropColumn(
                name: "AttachmentContentType",
                table: "document_fields");

            migrationBuilder.DropColumn(
                name: "AttachmentNameToken",
                table: "document_fields");

            migrationBuilder.DropColumn(
                name: "AttachmentObjectId",
                table: "document_fields");

            migrationBuilder.DropColumn(
                name: "AttachmentSha256",
                table: "document_fields");
        }
    }
}
