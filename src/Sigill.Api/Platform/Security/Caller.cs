using System.Security.Claims;
using Microsoft.Extensions.DependencyInjection;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Persistence;

namespace Sigill.Api.Platform.Security;

/// <summary>
/// The authenticated caller, bound once per request from the claims the authentication handler (<c>Features/Accounts/CredentialAuthentication</c>) set
/// (as TodoApi binds its <c>CurrentUser</c>): handlers take a <see cref="Caller"/> parameter and, for data, a
/// <see cref="CellDbContext"/> parameter, which is a context on the caller's own cell (<see cref="RequestCell"/>).
/// </summary>
public sealed class Caller
{
    private readonly string? _organizationId;

    private Caller(ClaimsPrincipal user, CellRegistry cells)
    {
        var region = user.FindFirstValue(SigillClaims.Region) ?? throw new InvalidOperationException("No region claim: the endpoint must require authorization.");
        Cell = cells.Get(region);
        _organizationId = user.FindFirstValue(SigillClaims.OrganizationId);
        UserId = user.FindFirstValue(SigillClaims.UserId);
        Role = user.FindFirstValue(SigillClaims.Role);
        SessionId = user.FindFirstValue(SigillClaims.SessionId);
        OperatorId = user.FindFirstValue(SigillClaims.OperatorId);
        GrantId = user.FindFirstValue(SigillClaims.GrantId);
        User = user;
    }

    /// <summary>The cell of the region the credential names; the request's data lives there and nowhere else.</summary>
    public Cell Cell { get; }
    public string Region => Cell.Region;

    /// <summary>The organization acted for. Every caller but an operator without a grant has one.</summary>
    public string OrganizationId => _organizationId ?? throw new InvalidOperationException("This caller acts for no organization (an operator without a grant).");

    public string? UserId { get; }
    public string? Role { get; }
    public string? SessionId { get; }
    public string? OperatorId { get; }
    public string? GrantId { get; }
    public ClaimsPrincipal User { get; }

    /// <summary>Who acts, as audit events record it: the operator, else the API token, else the signed-in user.</summary>
    public string Actor => SigillClaims.ActorOf(User);

    /// <summary>Whether the credential carries <paramref name="scope"/> (after narrowing to the person's current role).</summary>
    public bool Has(string scope) => User.HasClaim(SigillClaims.Scope, scope);

    /// <summary>Registers the per-request <see cref="Caller"/>; its data comes through <see cref="CellDbContext"/> (<see cref="RequestCell"/>).</summary>
    internal static void Register(IServiceCollection services)
    {
        RequestCell.Register(services);
        services.AddScoped(sp => new Caller(
            sp.GetRequiredService<IHttpContextAccessor>().HttpContext?.User ?? throw new InvalidOperationException("A caller exists inside requests only."),
            sp.GetRequiredService<CellRegistry>()));
    }
}
