using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Documents;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Mail;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Security;
using Sigill.Contracts;
using Sigill.Crypto;

namespace Sigill.Api.Features.Privacy;

/// <summary>
/// The organization's privacy requests (scope <c>privacy</c>): the list with the requester's address (decrypted here, in
/// the API tier), the deadline and the actions taken; an action that moves the status on (open → in progress →
/// completed or refused, with a note); and a request entered by hand (received by post or by phone). Every change writes
/// its audit event in the same transaction, with identifiers only.
/// </summary>
public static class PrivacyRequests
{
    public const int MaxNote = 4000;
    public const int MaxListed = 500;

    public static void MapPrivacyRequests(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/privacy/requests").WithTags("Privacy").RequireAuthorization(Policies.Privacy);
        group.MapGet("/", List);
        group.MapPost("/", Create);
        group.MapPost("/{id}/actions", Act);
    }

    /// <summary>Adds a request (not saved): the address encrypted and blind-indexed under the organization's key.</summary>
    internal static async Task<PrivacyRequest> AddAsync(CellDbContext db, Cell cell, string org, string type, string source, string email, string emailIndex,
        string? message, DateTime now, CancellationToken ct)
    {
        var id = SigillId.New("prq", cell.Region);
        var row = new PrivacyRequest
        {
            Id = id, OrganizationId = org, Type = type, Status = "open", Source = source, EmailIndex = emailIndex, ReceivedAt = now,
            DueAt = now + PrivacyRequest.StatutoryPeriod,
            EmailToken = (await cell.Keys.EncryptFieldAsync(org, PrivacyRequest.EmailPurpose, email, id, ct))!,
            MessageToken = await cell.Keys.EncryptFieldAsync(org, PrivacyRequest.MessagePurpose, message, id, ct),
        };
        db.Add(row);
        return row;
    }

    private static async Task<Ok<PrivacyRequestList>> List(Caller caller, CellDbContext db, CancellationToken ct)
    {
        var org = caller.OrganizationId;
        var keys = caller.Cell.Keys;
        var rows = await db.PrivacyRequests.AsNoTracking().Where(r => r.OrganizationId == org)
            .OrderByDescending(r => r.ReceivedAt).ThenBy(r => r.Id).Take(MaxListed).ToListAsync(ct);
        var ids = rows.Select(r => r.Id).ToList();
        var actions = (await db.PrivacyRequestActions.AsNoTracking().Where(a => a.OrganizationId == org && ids.Contains(a.RequestId)).ToListAsync(ct))
            .OrderBy(a => a.At).ThenBy(a => a.Id, StringComparer.Ordinal).ToLookup(a => a.RequestId, StringComparer.Ordinal);
        var views = new List<PrivacyRequestView>(rows.Count);
        foreach (var r in rows)
        {
            var done = new List<PrivacyRequestActionView>();
            foreach (var a in actions[r.Id])
            {
                done.Add(new PrivacyRequestActionView(a.Id, a.Status, await keys.DecryptFieldAsync(org, PrivacyRequestAction.NotePurpose, a.NoteToken, a.Id, ct), a.ActorId, a.At));
            }
            views.Add(new PrivacyRequestView(r.Id, r.Type,
                (await keys.DecryptFieldAsync(org, PrivacyRequest.EmailPurpose, r.EmailToken, r.Id, ct))!,
                await keys.DecryptFieldAsync(org, PrivacyRequest.MessagePurpose, r.MessageToken, r.Id, ct),
                r.Status, r.Source, r.ReceivedAt, r.DueAt, done));
        }
        return TypedResults.Ok(new PrivacyRequestList(views));
    }

    private static async Task<Results<Created<PrivacyRequestView>, ProblemHttpResult>> Create(PrivacyRequestCreateRequest request, Caller caller, CellDbContext db, HttpContext http,
        MailOptions mail, TimeProvider time, CancellationToken ct)
    {
        if (PrivacyRequestForm.Problem(request.Email, request.Type, request.Message) is { } problem)
        {
            return Problems.Validation(problem);
        }
        var org = caller.OrganizationId;
        var cell = caller.Cell;
        var email = request.Email!.Trim();
        var message = request.Message?.Trim() is { Length: > 0 } m ? m : null;
        var now = time.GetUtcNow().UtcDateTime;
        var index = await cell.Keys.BlindIndexAsync(org, Recipient.EmailIndexPurpose, CellKeyManager.NormalizeEmail(email), ct);
        var row = await AddAsync(db, cell, org, request.Type!, "manual", email, index, message, now, ct);
        await AuditRecorder.RecordAsync(db, cell, new AuditEventData("privacy_request.received", org, AuditActor.From(http, caller.Actor), row.Id,
            new Dictionary<string, string> { ["type"] = row.Type, ["source"] = "manual" }), now, ct);
        await PrivacyRequestForm.NotifyAdminsAsync(db, cell, row, mail, time, ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/privacy/requests/{row.Id}",
            new PrivacyRequestView(row.Id, row.Type, email, message, row.Status, row.Source, row.ReceivedAt, row.DueAt, []));
    }

    private static async Task<Results<Created<PrivacyRequestActionView>, NotFound, ProblemHttpResult>> Act(string id, PrivacyRequestActionRequest request, Caller caller, CellDbContext db,
        HttpContext http, TimeProvider time, CancellationToken ct)
    {
        var org = caller.OrganizationId;
        var row = await db.PrivacyRequests.SingleOrDefaultAsync(r => r.Id == id && r.OrganizationId == org, ct);
        if (row is null)
        {
            return TypedResults.NotFound();
        }
        if (!PrivacyRequestAction.Statuses.Contains(request.Status))
        {
            return Problems.Validation("status must be open, in_progress, completed or refused.");
        }
        var note = request.Note?.Trim() is { Length: > 0 } n ? n : null;
        if (note?.Length > MaxNote)
        {
            return Problems.Validation($"note is at most {MaxNote} characters.");
        }
        if (request.Status is "completed" or "refused" && note is null)
        {
            return Problems.Validation("A completed or refused request needs a note saying what was done, or why not.");
        }
        if (row.Status is "completed" or "refused")
        {
            return Problems.Conflict(ErrorCodes.PrivacyRequestClosed, $"The request is {row.Status}; make a new one if the person asks again.");
        }
        var now = time.GetUtcNow().UtcDateTime;
        var actionId = SigillId.New("pra", caller.Region);
        var action = new PrivacyRequestAction
        {
            Id = actionId, RequestId = row.Id, OrganizationId = org, Status = request.Status!, ActorId = caller.Actor, At = now,
            NoteToken = await caller.Cell.Keys.EncryptFieldAsync(org, PrivacyRequestAction.NotePurpose, note, actionId, ct),
        };
        db.Add(action);
        var from = row.Status;
        row.Status = action.Status;
        await AuditRecorder.RecordAsync(db, caller.Cell, new AuditEventData("privacy_request.actioned", org, AuditActor.From(http, caller.Actor), row.Id,
            new Dictionary<string, string> { ["action"] = actionId, ["from"] = from, ["to"] = action.Status }), now, ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/privacy/requests/{row.Id}/actions/{actionId}", new PrivacyRequestActionView(actionId, action.Status, note, action.ActorId, now));
    }
}
