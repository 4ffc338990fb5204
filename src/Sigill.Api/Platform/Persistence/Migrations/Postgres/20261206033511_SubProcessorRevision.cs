using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Sigill.Api.Platform.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class SubProcessorRevision : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The notices are jobs now (sub_processors.notify / .notice): the count of owners told is not known at publication.
            migrationBuilder.DropColumn(
                name: "OwnersNotified",
                table: "sub_processor_versions");

            // Versions published before revisions were recorded: revision 0, so the configured revision (at least 1) is newer.
            migrationBuilder.AddColumn<int>(
                name: "Revision",
                table: "sub_processor_versions",
                type: "integer",
                nullable: false,
                defaultValue: 0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Revision",
                table: "sub_processor_versions");

            migrationBuilder.AddColumn<int>(
                name: "OwnersNotified",
                table: "sub_processor_versions",
                type: "integer",
                nullable: false,
                defaultValue: 0);
        }
    }
}
