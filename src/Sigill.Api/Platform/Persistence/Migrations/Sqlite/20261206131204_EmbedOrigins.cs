using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Sigill.Api.Platform.Persistence.Migrations.Sqlite
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
                type: "TEXT",
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
