using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Directory = Sigill.Api.Features.Accounts.Directory;
using Sigill.Api.Features.Accounts;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Organizations;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Jobs;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Security;
using Sigill.Contracts;

namespace Sigill.Api.Features.Privacy;

/// <summary>
/// Data-subject exports (Articles 15 and 20; docs/privacy.md). An organization's admins (scope <c>privacy</c>) export one
/// person's records as an encrypted package kept for a few days; anyone signed in exports their own account data.
/// Another organization's package, or one of another region, answers 404 like one that does not exist.
/// </summary>
public static class ExportEndpoints
{
    public const string IdKind = "pex";

    public static void MapPrivacyExports(this IEndpointRouteBuilder app)
    {
        var exports = app.MapGroup("/api/v1/privacy/exports").WithTags("Privacy").RequireAuthorization(Policies.Privacy);
        exports.MapPost("/", Create);
        exports.MapGet("/{id}", Download);
        app.MapGet("/api/v1/account/export", ExportAccount).WithTags("Account").RequireAuthorization(Policies.Account);
    }

    private static async Task<Results<Created<PrivacyExportView>, ProblemHttpResult>> Create(PrivacyExportRequest request, Caller caller, CellDbContext db,
        HttpContext http, ExportOptions options, TimeProvider time, CancellationToken ct)
    {
        var email = request.Email?.Trim();
        if (email is not { Length: > 0 and <= 320 } || !Directory.IsPlausibleEmail(email)) return Problems.Validation("email is required: the person's e-mail address.");
        var cell = caller.Cell;
        var id = SigillId.New(IdKind, cell.Region);
        var now = time.GetUtcNow().UtcDateTime;
        var expires = now.AddDays(options.ExpiryDays);
        await using var spool = new FileStream(Path.GetTempFileName(), FileMode.Open, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        var written = await ExportPackage.WriteAsync(db, cell, caller.OrganizationId, id, email, now, options.MaxDocuments, spool, ct);
        if (written is null)
        {
            return Problems.Create(StatusCodes.Status422UnprocessableEntity, ErrorCodes.PrivacyExportTooLarge, "The export is too large.",
                $"The person is on more than {options.MaxDocuments} documents, the most one export holds (Privacy:Export:MaxDocuments).");
        }
        var export = new PrivacyExport
        {
            Id = id, OrganizationId = caller.OrganizationId, RequestedBy = caller.Actor, CreatedAt = now, ExpiresAt = expires,
            RecipientEntries = written.RecipientEntries, Pdfs = written.Pdfs, Bytes = spool.Length,
        };
        spool.Position = 0;
        var stored = ExportFeature.ObjectOf(cell, caller.OrganizationId, id);
        await cell.Objects.PutAsync(stored, spool, ct);
        try
        {
            db.PrivacyExports.Add(export);
            await JobQueue.EnqueueAsync(db, cell, JobRequest.Text(ExpireExportJob.JobKind, id, runAfter: new DateTimeOffset(expires, TimeSpan.Zero)), time, ct: ct);
            // Who the export is about stays inside the package: the event says how much, never who.
            await AuditRecorder.RecordAsync(db, cell, new AuditEventData("privacy.export_created", caller.OrganizationId, AuditActor.From(http, caller.Actor), id,
                new Dictionary<string, string>
                {
                    ["recipientEntries"] = export.RecipientEntries.ToString(CultureInfo.InvariantCulture),
                    ["pdfs"] = export.Pdfs.ToString(CultureInfo.InvariantCulture),
                    ["expiresAt"] = expires.ToString("O", CultureInfo.InvariantCulture),
                }), now, ct);
            await db.SaveChangesAsync(ct);
        }
        catch
        {
            await cell.Objects.DeleteAsync(stored, CancellationToken.None); // no package without its row and expiry job
            throw;
        }
        return TypedResults.Created($"/api/v1/privacy/exports/{id}", View(export));
    }

    private static async Task<Results<FileStreamHttpResult, NotFound>> Download(string id, Caller caller, CellDbContext db, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        // An id of another region is not looked up anywhere: this caller's data lives in its own cell only.
        if (!SigillId.TryParse(id, IdKind, out var region) || region != caller.Region) return TypedResults.NotFound();
        var export = await db.PrivacyExports.AsNoTracking().SingleOrDefaultAsync(e => e.Id == id && e.OrganizationId == caller.OrganizationId, ct);
        if (export is null || export.ExpiresAt <= now) return TypedResults.NotFound();
        var spool = new FileStream(Path.GetTempFileName(), FileMode.Open, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        if (!await caller.Cell.Objects.CopyToAsync(ExportFeature.ObjectOf(caller.Cell, export.OrganizationId, export.Id), spool, ct))
        {
            await spool.DisposeAsync();
            return TypedResults.NotFound();
        }
        spool.Position = 0;
        await AuditRecorder.RecordAsync(db, caller.Cell, new AuditEventData("privacy.export_downloaded", caller.OrganizationId, AuditActor.From(http, caller.Actor), id), now, ct);
        await db.SaveChangesAsync(ct);
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.File(spool, "application/zip", $"privacy-export-{id}.zip"); // the result disposes the spool
    }

    private static PrivacyExportView View(PrivacyExport e) => new(e.Id, e.CreatedAt, e.ExpiresAt, e.RecipientEntries, e.Pdfs, e.Bytes);

    /// <summary>
    /// The signed-in person's own account (Sigill is its controller): profile, memberships and every sign-in session still
    /// stored. Organization names only for the organization the session acts in, as <c>GET /account</c>: a session's key
    /// scope is its own organization.
    /// </summary>
    private static async Task<Ok<AccountExport>> ExportAccount(Caller caller, CellDbContext db, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        var cell = caller.Cell;
        var now = time.GetUtcNow().UtcDateTime;
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Id == caller.UserId, ct);
        var memberships = new List<AccountExportMembership>();
        foreach (var m in await db.Memberships.AsNoTracking().Where(m => m.UserId == user.Id).OrderBy(m => m.CreatedAt).ToListAsync(ct))
        {
            string? name = null;
            if (m.OrganizationId == caller.OrganizationId)
            {
                var org = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == m.OrganizationId, ct);
                name = await cell.Keys.DecryptFieldAsync(org.Id, Organization.NamePurpose, org.NameToken, org.Id, ct);
            }
            memberships.Add(new(m.OrganizationId, name, m.Role, m.CreatedAt));
        }
        var sessions = new List<AccountExportSession>();
        foreach (var s in await db.Sessions.AsNoTracking().Where(s => s.UserId == user.Id).OrderByDescending(s => s.CreatedAt).ToListAsync(ct))
        {
            sessions.Add(new(s.Id, s.OrganizationId, s.Method, await cell.Keys.DecryptFieldAsync(s.UserId, Session.ClientPurpose, s.ClientToken, s.Id, ct),
                s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.RevokedAt));
        }
        var export = new AccountExport("sigill.account-export/1", now,
            new AccountExportUser(user.Id, cell.Region,
                (await cell.Keys.DecryptFieldAsync(user.Id, User.EmailPurpose, user.EmailToken, user.Id, ct))!,
                (await cell.Keys.DecryptFieldAsync(user.Id, User.NamePurpose, user.NameToken, user.Id, ct))!,
                user.CreatedAt, user.TotpEnabledAt),
            memberships, sessions);
        await AuditRecorder.RecordAsync(db, cell, new AuditEventData("account.exported", caller.OrganizationId, AuditActor.From(http, user.Id), user.Id), now, ct);
        await db.SaveChangesAsync(ct);
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(export);
    }
}
