using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Sigill.Api.Platform.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class EmbedOrigins : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "EmbedOrigins",
                table: "organizations",
                type: "text",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "EmbedOrigins",
                table: "organizations");
        }
    }
}
