using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Features.Organizations;
using Sigill.Api.Features.Accounts;

namespace Sigill.Api.Features.Setup;

/// <summary>First-run setup: the one-time link creates the first organization, its owner's account and a first API token.</summary>
public static class SetupEndpoints
{
    public sealed record SetupRequest(string? SetupToken, string? OrganizationName, string? Region, string? Email, string? Name, string? Password, string? AcceptDpaVersion = null);



    public static RouteGroupBuilder MapSetup(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/setup").WithTags("Setup").AllowAnonymous();
        group.MapGet("/", (SetupToken setup, CellRegistry cells) =>
            TypedResults.Ok(new SetupStatus(setup.IsPending, [.. cells.Regions.Order(StringComparer.Ordinal)])));
        group.MapPost("/", Complete);
        return group;
    }

    private static async Task<Results<Created<SetupResult>, ProblemHttpResult>> Complete(
        SetupRequest request, SetupToken setup, CellRegistry cells, Features.Accounts.Accounts accounts, TimeProvider time, Platform.Telemetry.SigillMetrics metrics, ILoggerFactory loggers,
        Features.TrustCenter.TrustOptions trust, HttpContext http, CancellationToken ct)
    {
        var name = request.OrganizationName?.Trim() ?? "";
        if (name.Length is 0 or > 200)
        {
            return Problems.Validation("organizationName is required (1-200 characters).");
        }
        if (Features.Accounts.AuthEndpoints.ValidateNewAccount(request.Email, request.Password, request.Name) is { } problem)
        {
            return Problems.Validation(problem);
        }
        if (Features.Privacy.Dpa.Refusal(trust, request.AcceptDpaVersion) is { } notAccepted)
        {
            return notAccepted;
        }
        if (!cells.TryGet(request.Region, out var cell))
        {
            return Problems.Validation($"region must be one of: {string.Join(", ", cells.Regions.Order(StringComparer.Ordinal))}.");
        }
        var claim = setup.TryClaim(request.SetupToken ?? "");
        if (claim is null)
        {
            return Problems.Create(StatusCodes.Status403Forbidden, ErrorCodes.SetupTokenInvalid,
                "The setup link is not valid.", "It may have been used already. Restart `sigill serve` to print a new one while setup is pending.");
        }
        try
        {
            var email = request.Email!.Trim();
            await using (var db = cell.CreateDbContext())
            {
                // Sign-up is open before setup, so the address may have an account already. Setup makes new owners only
                // (it issues an API token, never a session): it never adopts an account, whose second factor it could not ask.
                var emailHash = accounts.Directory.EmailHash(email);
                if (await db.Users.AnyAsync(u => u.EmailHash == emailHash, ct))
                {
                    claim.Release();
                    return Problems.Validation("An account with this e-mail address exists in this region: give the new owner another address.");
                }
            }
            var owner = await accounts.NewUserAsync(cell, email, request.Name!.Trim(), request.Password, ct);
            var (organization, token, presented) = await OrganizationFactory.CreateAsync(cell, name, "Owner token", time, ct, Features.Audit.AuditActor.From(http, "setup"),
                new OrganizationOwner(owner, true, email, request.Name!.Trim()), Features.Privacy.Dpa.Accepted(trust));
            claim.Commit();
            metrics.OrganizationsCreated.Add(1, new KeyValuePair<string, object?>("region", cell.Region));
            SetupLog.Completed(loggers.CreateLogger("Sigill.Setup"), organization.Id, cell.Region);
            return TypedResults.Created($"/api/v1/organizations/{organization.Id}",
                new SetupResult(organization.Id, cell.Region, owner.Id, presented, token.ExpiresAt));
        }
        catch
        {
            claim.Release();
            throw;
        }
    }
}

internal static partial class SetupLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Setup completed: organization {OrganizationId} created in region {Region}")]
    public static partial void Completed(ILogger logger, string organizationId, string region);
}
