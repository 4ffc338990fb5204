using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Sigill.Api.Platform.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class RetentionPolicies : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "RetentionCompletedYears",
                table: "organizations",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "RetentionDraftDays",
                table: "organizations",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "RetentionEndedDays",
                table: "organizations",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "RetentionViewDetailsDays",
                table: "organizations",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "RetentionCompletedYears",
                table: "organizations");

            migrationBuilder.DropColumn(
                name: "RetentionDraftDays",
                table: "organizations");

            migrationBuilder.DropColumn(
                name: "RetentionEndedDays",
                table: "organizations");

            migrationBuilder.DropColumn(
                name: "RetentionViewDetailsDays",
                table: "organizations");
        }
    }
}
