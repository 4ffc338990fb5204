using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Sigill.Api.Platform.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class EmbedSending : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "DocumentId",
                table: "sessions",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "RecipientId",
                table: "embed_grants",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "character varying(64)",
                oldMaxLength: 64);

            migrationBuilder.AddColumn<string>(
                name: "Kind",
                table: "embed_grants",
                type: "character varying(8)",
                maxLength: 8,
                nullable: false,
                defaultValue: "sign");

            migrationBuilder.AddColumn<string>(
                name: "UserId",
                table: "embed_grants",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "DocumentId",
                table: "sessions");

            migrationBuilder.DropColumn(
                name: "Kind",
                table: "embed_grants");

            migrationBuilder.DropColumn(
                name: "UserId",
                table: "embed_grants");

            migrationBuilder.AlterColumn<string>(
                name: "RecipientId",
                table: "embed_grants",
                type: "character varying(64)",
                maxLength: 64,
                nullable: false,
                defaultValue: "",
                oldClrType: typeof(string),
                oldType: "character varying(64)",
                oldMaxLength: 64,
                oldNullable: true);
        }
    }
}
