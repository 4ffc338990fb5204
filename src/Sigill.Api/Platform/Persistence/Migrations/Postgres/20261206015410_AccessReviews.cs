using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Sigill.Api.Platform.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AccessReviews : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "access_reviews",
                columns: table => new
                {
                    Id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    OrganizationId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    OpenFor = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    StartedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    StartedBy = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    AttestedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    AttestedBy = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_access_reviews", x => x.Id);
                    table.ForeignKey(
                        name: "FK_access_reviews_organizations_OrganizationId",
                        column: x => x.OrganizationId,
                        principalTable: "organizations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "access_review_items",
                columns: table => new
                {
                    Id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    ReviewId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    OrganizationId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    SubjectId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    RoleAtStart = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    Decision = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    NewRole = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    DecidedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    DecidedBy = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_access_review_items", x => x.Id);
                    table.ForeignKey(
                        name: "FK_access_review_items_access_reviews_ReviewId",
                        column: x => x.ReviewId,
                        principalTable: "access_reviews",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_access_review_items_ReviewId",
                table: "access_review_items",
                column: "ReviewId");

            migrationBuilder.CreateIndex(
                name: "IX_access_reviews_OpenFor",
                table: "access_reviews",
                column: "OpenFor",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_access_reviews_OrganizationId_StartedAt",
                table: "access_reviews",
                columns: new[] { "OrganizationId", "StartedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "access_review_items");

            migrationBuilder.DropTable(
                name: "access_reviews");
        }
    }
}
