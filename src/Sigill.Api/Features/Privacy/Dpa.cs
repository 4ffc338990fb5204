using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Members;
using Sigill.Api.Features.TrustCenter;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Security;
using Sigill.Contracts;

namespace Sigill.Api.Features.Privacy;

/// <summary>
/// One acceptance of the installation's data processing agreement (<c>Trust:Dpa</c>) by an organization: the version, when
/// and by which owner's account. Rows are kept (one per version accepted): the latest is the one in force, the rest are
/// the history an auditor asks for. The agreement itself is configuration, not stored.
/// </summary>
public sealed class DpaAcceptance
{
    public required string OrganizationId { get; init; }
    public required string Version { get; init; }
    public DateTime AcceptedAt { get; init; }
    /// <summary>The owner who accepted (their account id).</summary>
    public string? UserId { get; init; }
}

internal sealed class DpaAcceptanceConfiguration : IEntityTypeConfiguration<DpaAcceptance>
{
    public void Configure(EntityTypeBuilder<DpaAcceptance> builder)
    {
        builder.ToTable("dpa_acceptances");
        builder.HasKey(a => new { a.OrganizationId, a.Version });
        builder.Property(a => a.OrganizationId).HasMaxLength(64);
        builder.Property(a => a.Version).HasMaxLength(40);
        builder.Property(a => a.UserId).HasMaxLength(64);
    }
}

/// <summary>
/// The agreement's acceptance: at organization creation (sign-up, a signed-in person's new organization, setup — each
/// request must carry the configured version, else 400 <c>dpa_not_accepted</c> and nothing is created), and again by an
/// owner whenever the configured version differs from the accepted one (<c>POST /api/v1/privacy/dpa/accept</c>).
/// </summary>
public static class Dpa
{
    public static void MapDpa(this RouteGroupBuilder privacy)
    {
        privacy.MapGet("/dpa", Status).RequireAuthorization(Policies.Privacy);
        privacy.MapPost("/dpa/accept", Accept).RequireAuthorization(Policies.Privacy);
    }

    /// <summary>
    /// The refusal for a creation request that does not accept the configured agreement; null when it does, or when none is
    /// configured (then there is nothing to accept and <paramref name="accepted"/> is ignored).
    /// </summary>
    public static ProblemHttpResult? Refusal(TrustOptions trust, string? accepted)
    {
        ArgumentNullException.ThrowIfNull(trust);
        if (trust.Dpa.Version is not { } version || accepted?.Trim() == version) return null;
        return Problems.Create(StatusCodes.Status400BadRequest, ErrorCodes.DpaNotAccepted, "The data processing agreement must be accepted.",
            $"Accept version {version} of this installation's data processing agreement (acceptDpaVersion: \"{version}\"); nothing was created.");
    }

    /// <summary>The version a creation request accepted, for <see cref="RecordAsync"/>: the configured one, or null when none is configured.</summary>
    public static string? Accepted(TrustOptions trust) => trust?.Dpa.Version;

    /// <summary>Records an acceptance in the caller's transaction, with its audit event <c>organization.dpa_accepted</c>.</summary>
    public static async Task RecordAsync(CellDbContext db, Cell cell, string organizationId, string version, string? userId, AuditActor actor, DateTime now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        db.Set<DpaAcceptance>().Add(new DpaAcceptance { OrganizationId = organizationId, Version = version, AcceptedAt = now, UserId = userId });
        await AuditRecorder.RecordAsync(db, cell, new AuditEventData("organization.dpa_accepted", organizationId, actor, organizationId,
            new Dictionary<string, string> { ["version"] = version }), now, ct);
    }

    /// <summary>The organization's latest acceptance, or null when it never accepted one.</summary>
    public static async Task<DpaAcceptanceView?> LatestAsync(CellDbContext db, string organizationId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var latest = await db.Set<DpaAcceptance>().AsNoTracking().Where(a => a.OrganizationId == organizationId)
            .OrderByDescending(a => a.AcceptedAt).ThenByDescending(a => a.Version).FirstOrDefaultAsync(ct);
        return latest is null ? null : new DpaAcceptanceView(latest.Version, new DateTimeOffset(DateTime.SpecifyKind(latest.AcceptedAt, DateTimeKind.Utc)), latest.UserId);
    }

    public static async Task<DpaStatusView> StatusAsync(CellDbContext db, string organizationId, TrustOptions trust, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(trust);
        var accepted = await LatestAsync(db, organizationId, ct);
        var configured = trust.Dpa.Version is { } version ? new DpaView(version, trust.Dpa.Url, trust.Dpa.Text) : null;
        return new DpaStatusView(configured, accepted, configured is not null && accepted?.Version != configured.Version);
    }

    private static async Task<Ok<DpaStatusView>> Status(Caller caller, CellDbContext db, TrustOptions trust, CancellationToken ct) =>
        TypedResults.Ok(await StatusAsync(db, caller.OrganizationId, trust, ct));

    /// <summary>An owner accepts the configured version; admins and members are refused (the agreement binds the organization).</summary>
    private static async Task<Results<Ok<DpaStatusView>, ProblemHttpResult>> Accept(DpaAcceptRequest request, Caller caller, CellDbContext db, TrustOptions trust,
        HttpContext http, TimeProvider time, CancellationToken ct)
    {
        if (caller.UserId is null || caller.Role != Roles.Owner)
        {
            return Problems.Create(StatusCodes.Status403Forbidden, ErrorCodes.DpaOwnerOnly, "Only an owner can accept the data processing agreement.",
                "Ask an owner of the organization to accept it.");
        }
        if (trust.Dpa.Version is null)
        {
            return Problems.Conflict(ErrorCodes.DpaNotConfigured, "This installation has no data processing agreement to accept (Trust:Dpa:Version).");
        }
        if (Refusal(trust, request.Version) is { } refused) return refused;
        var version = trust.Dpa.Version;
        if (!await db.Set<DpaAcceptance>().AnyAsync(a => a.OrganizationId == caller.OrganizationId && a.Version == version, ct))
        {
            await RecordAsync(db, caller.Cell, caller.OrganizationId, version, caller.UserId, AuditActor.From(http, caller.Actor), time.GetUtcNow().UtcDateTime, ct);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException e) when (UniqueKey.IsViolation(e))
            {
                // Two owners at once: the other one's acceptance stands, which is the same outcome.
            }
        }
        return TypedResults.Ok(await StatusAsync(db, caller.OrganizationId, trust, ct));
    }

    internal static string Describe(DpaAcceptanceView? accepted) =>
        accepted is null ? "none recorded" : $"version {accepted.Version} on {accepted.AcceptedAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC";
}
