using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Security;

namespace Sigill.Api.Features.Organizations;

public static class OrganizationEndpoints
{
    public sealed record OrganizationView(string Id, string Name, string Region, DateTime CreatedAt)
    {
        public static async Task<OrganizationView> FromAsync(Organization o, Cell cell, CancellationToken ct) =>
            new(o.Id, (await cell.Keys.DecryptFieldAsync(o.Id, Organization.NamePurpose, o.NameToken, o.Id, ct))!, o.Region, o.CreatedAt);
    }

    public static RouteGroupBuilder MapOrganizations(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/organizations").WithTags("Organizations")
            .RequireAuthorization(Policies.OrganizationRead);
        group.MapGet("/current", GetCurrent);
        group.MapGet("/{id}", Get);
        return group;
    }

    private static async Task<Results<Ok<OrganizationView>, NotFound>> GetCurrent(Caller caller, CellDbContext db, CancellationToken ct)
    {
        var org = await db.Organizations.SingleOrDefaultAsync(o => o.Id == caller.OrganizationId, ct);
        return org is null ? TypedResults.NotFound() : TypedResults.Ok(await OrganizationView.FromAsync(org, caller.Cell, ct));
    }

    // Another organization's id — in this region or another — answers 404, never 403.
    private static async Task<Results<Ok<OrganizationView>, NotFound>> Get(string id, Caller caller, CellDbContext db, CancellationToken ct)
    {
        if (id != caller.OrganizationId)
        {
            return TypedResults.NotFound();
        }
        var org = await db.Organizations.SingleOrDefaultAsync(o => o.Id == id, ct);
        return org is null ? TypedResults.NotFound() : TypedResults.Ok(await OrganizationView.FromAsync(org, caller.Cell, ct));
    }
}
