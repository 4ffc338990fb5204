using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Sigill.Api.Platform.Persistence.Migrations.Sqlite
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
                type: "TEXT",
                maxLength: 8,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "TranslationsToken",
                table: "templates",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Language",
                table: "documents",
                type: "TEXT",
                maxLength: 8,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "AttachmentBytes",
                table: "document_fields",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "AttachmentContentType",
                table: "document_fields",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "AttachmentNameToken",
                table: "document_fields",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "AttachmentObjectId",
                table: "document_fields",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "AttachmentSha256",
                table: "document_fields",
                type: "TEXT",
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
