using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Templates;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Jobs;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Security;
using Sigill.Crypto;
using Sigill.Contracts;
using Sigill.Http;

namespace Sigill.Api.Features.BulkSend;

/// <summary>
/// Bulk send (docs/bulk-send.md): preview a CSV or .xlsx against a template (nothing stored), start a bulk send (the file checked
/// whole, then kept encrypted and handed to the <c>bulk.send</c> job), follow it, list its rows, export its report, cancel it.
/// </summary>
public static class BulkSendEndpoints
{
    /// <summary>What every document of the bulk send gets unless its row says otherwise (a field token on the bulk send).</summary>
    internal sealed record Settings(string? Title, string? Message, int ExpiresInDays, int? RemindEveryDays);

    private const int SampleRows = 20, ErrorRows = 100;

    public static void MapBulkSends(this IEndpointRouteBuilder app)
    {
        var upload = new UploadEndpointAttribute { TooLargeCode = ErrorCodes.BulkFileTooLarge, TooLargeTitle = "The file is too large." };
        var write = app.MapGroup("/api/v1/bulk-sends").WithTags("Bulk send").RequireAuthorization(Policies.DocumentsWrite);
        write.MapPost("/preview", Preview).RequireAuthorization(Policies.TemplatesRead).WithMetadata(upload);
        write.MapPost("/", Create).RequireAuthorization(Policies.TemplatesRead).WithMetadata(upload);
        write.MapPost("/{id}/cancel", Cancel);
        var read = app.MapGroup("/api/v1/bulk-sends").WithTags("Bulk send").RequireAuthorization(Policies.DocumentsRead);
        read.MapGet("/", List);
        read.MapGet("/{id}", Get);
        read.MapGet("/{id}/rows", Rows);
        read.MapGet("/{id}/report.csv", Report);
    }

    /// <summary>The form's template, file and limits, or the problem with them.</summary>
    private sealed record Upload(Template Template, IFormFile File, IFormCollection Form);

    private static async Task<(Upload?, IResult?)> ReadUploadAsync(HttpContext http, Caller caller, CellDbContext db, BulkSendOptions options, CancellationToken ct)
    {
        if (!http.Request.HasFormContentType) return (null, Problems.Validation("Send multipart/form-data with a 'templateId' and a 'file' (CSV or .xlsx)."));
        var form = await http.Request.ReadFormAsync(ct);
        var templateId = form["templateId"].ToString();
        if (templateId.Length == 0) return (null, Problems.Validation("templateId is required."));
        if (form.Files["file"] is not { } file) return (null, Problems.Validation("file is required: a CSV or .xlsx, one document per row."));
        if (file.Length > options.MaxFileBytes)
        {
            return (null, Problems.Create(StatusCodes.Status413PayloadTooLarge, ErrorCodes.BulkFileTooLarge, "The file is too large.",
                $"At most {options.MaxFileBytes} bytes are accepted (BulkSend:MaxFileBytes); split the rows into several bulk sends."));
        }
        var template = await db.Templates.AsNoTracking().SingleOrDefaultAsync(t => t.Id == templateId && t.OrganizationId == caller.OrganizationId, ct);
        return template is null ? (null, TypedResults.NotFound()) : (new Upload(template, file, form), null);
    }

    /// <summary>The whole file read and every row checked, keeping only a sample and the first rows with problems.</summary>
    private sealed record Checked(BulkFileFormat Format, BulkColumns Columns, int Rows, int Valid, List<RowReport> Sample, List<RowReport> Errors);

    private static async Task<(Checked?, IResult?)> CheckAsync(Stream file, Template template, Caller caller, CellDbContext db, BulkSendOptions options, CancellationToken ct)
    {
        var cell = caller.Cell;
        var variables = await TemplateVariablesAsync(cell, template, ct);
        var templates = await OrganizationTemplatesAsync(db, caller.OrganizationId, ct);
        IRecordReader? reader = null;
        try
        {
            var format = BulkFiles.Sniff(file);
            reader = format == BulkFileFormat.Xlsx ? new XlsxRecordReader(file, options.Limits, options.Xlsx) : new CsvRecordReader(file, options.Limits);
            if (await reader.ReadAsync(ct) is not { } header)
            {
                return (null, format == BulkFileFormat.Xlsx
                    ? SpreadsheetProblem("The first sheet is empty: its first row must name the columns.")
                    : CsvProblem("The file is empty: the first line must name the columns."));
            }
            var columns = BulkColumns.Read(header, variables, out var problems);
            if (problems.Count > 0)
            {
                return (null, Problems.Create(StatusCodes.Status400BadRequest, ErrorCodes.BulkColumnsInvalid, "The columns do not fit the template.",
                    string.Join("; ", problems) + ". See docs/bulk-send.md for the column names."));
            }
            var seen = new Dictionary<Int128, int>();
            var result = new Checked(format, columns, 0, 0, [], []);
            var (rows, valid) = (0, 0);
            var errors = new List<CellError>();
            while (await reader.ReadAsync(ct) is { } record)
            {
                rows++;
                errors.Clear();
                if (columns.Row(rows, record, template.Id, templates, seen, errors) is not null) valid++;
                if (result.Sample.Count < SampleRows) result.Sample.Add(new RowReport(rows, record, [.. errors]));
                if (errors.Count > 0 && result.Errors.Count < ErrorRows) result.Errors.Add(new RowReport(rows, null, [.. errors]));
            }
            return (result with { Rows = rows, Valid = valid }, null);
        }
        catch (SpreadsheetRejectedException e)
        {
            return (null, SpreadsheetProblem(e.Message));
        }
        catch (CsvRejectedException e)
        {
            return (null, CsvProblem(e.Message));
        }
        finally
        {
            reader?.Dispose();
        }
    }

    private static ProblemHttpResult CsvProblem(string detail) => Problems.Create(StatusCodes.Status400BadRequest, ErrorCodes.CsvInvalid, "The file cannot be read as CSV.", detail);

    private static ProblemHttpResult SpreadsheetProblem(string detail) =>
        Problems.Create(StatusCodes.Status400BadRequest, ErrorCodes.SpreadsheetInvalid, "The file cannot be read as an Excel workbook (.xlsx).", detail);

    internal static async Task<string[]> TemplateVariablesAsync(Cell cell, Template template, CancellationToken ct) =>
        JsonSerializer.Deserialize<string[]>((await cell.Keys.DecryptFieldAsync(template.OrganizationId, Template.VariablesPurpose, template.VariablesToken, template.Id, ct))!)!;

    internal static async Task<HashSet<string>> OrganizationTemplatesAsync(CellDbContext db, string organizationId, CancellationToken ct) =>
        (await db.Templates.AsNoTracking().Where(t => t.OrganizationId == organizationId).Select(t => t.Id).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);

    /// <summary>POST /api/v1/bulk-sends/preview: how the file's columns map and what is wrong with which row; nothing is stored.</summary>
    private static async Task<IResult> Preview(HttpContext http, Caller caller, CellDbContext db, BulkSendOptions options, CancellationToken ct)
    {
        var (upload, problem) = await ReadUploadAsync(http, caller, db, options, ct);
        if (upload is null) return problem!;
        await using var stream = upload.File.OpenReadStream();
        var (result, refused) = await CheckAsync(stream, upload.Template, caller, db, options, ct);
        if (result is null) return refused!;
        var targets = result.Columns.Targets;
        return TypedResults.Ok(new PreviewView([.. result.Columns.Names.Select((n, i) => new ColumnView(n, targets[i]))], result.Rows, result.Valid,
            result.Rows - result.Valid, [.. result.Sample], [.. result.Errors]));
    }

    /// <summary>
    /// POST /api/v1/bulk-sends: checks the whole file first (a file that cannot be read, columns that do not fit, or no
    /// valid row store nothing), then keeps it encrypted, records the one audit event of the batch and queues the job.
    /// 202 with the bulk send; follow it at <c>GET /api/v1/bulk-sends/{id}</c>.
    /// </summary>
    private static async Task<IResult> Create(HttpContext http, Caller caller, CellDbContext db, BulkSendOptions options, Documents.DocumentOptions documents,
        TimeProvider time, CancellationToken ct)
    {
        var (upload, problem) = await ReadUploadAsync(http, caller, db, options, ct);
        if (upload is null) return problem!;
        var form = upload.Form;
        var title = form["title"].ToString().Trim();
        if (title.Length > 300 || RequestText.Problem(title, TextKind.SingleLine) is not null) return Problems.Validation("title is one line of at most 300 characters.");
        var message = form["message"].ToString();
        if (message.Length > 4000 || RequestText.Problem(message, TextKind.MultiLine) is not null) return Problems.Validation("message is at most 4000 characters.");
        if (!TryNumber(form["expiresInDays"], documents.DefaultExpiryDays, 1, 3650, out var days)) return Problems.Validation("expiresInDays must be 1-3650.");
        if (!TryNumber(form["remindEveryDays"], 0, 1, 365, out var remind)) return Problems.Validation("remindEveryDays must be 1-365.");

        var cell = caller.Cell;
        string sha256;
        await using (var stream = upload.File.OpenReadStream())
        {
            var (result, refused) = await CheckAsync(stream, upload.Template, caller, db, options, ct);
            if (result is null) return refused!;
            if (result.Valid == 0)
            {
                return Problems.Create(StatusCodes.Status400BadRequest, ErrorCodes.BulkNoValidRows, "No row can be sent.",
                    result.Rows == 0 ? "The file has a header but no rows." : $"None of the {result.Rows} rows passed the checks; preview the file to see why.");
            }
            await using var again = upload.File.OpenReadStream();
            sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(again, ct));
            var id = SigillId.New("bls", cell.Region);
            var objectId = SigillId.New("obj", cell.Region);
            await using (var file = upload.File.OpenReadStream())
            {
                // The job reads CSV from a stream it cannot seek, so an .xlsx is kept as the CSV of its first sheet.
                if (result.Format == BulkFileFormat.Xlsx)
                {
                    await BulkFiles.ConvertToCsvAsync(file, options.Limits, options.Xlsx, csv => cell.Objects.PutAsync(FileContext(cell, caller.OrganizationId, objectId), csv, ct), ct);
                }
                else
                {
                    await cell.Objects.PutAsync(FileContext(cell, caller.OrganizationId, objectId), file, ct);
                }
            }
            var now = time.GetUtcNow().UtcDateTime;
            var actor = AuditActor.From(http, caller.Actor);
            var settings = new Settings(title.Length == 0 ? null : title, message.Length == 0 ? null : message, days, remind == 0 ? null : remind);
            var bulk = new BulkSend
            {
                Id = id,
                OrganizationId = caller.OrganizationId,
                TemplateId = upload.Template.Id,
                CreatedByUserId = caller.UserId,
                ActorId = actor.Id,
                ActorIp = actor.Ip,
                Status = BulkSendStates.Queued,
                FileObjectId = objectId,
                FileSha256 = sha256,
                SettingsToken = (await cell.Keys.EncryptFieldAsync(caller.OrganizationId, BulkSend.SettingsPurpose, JsonSerializer.Serialize(settings), id, ct))!,
                TotalRows = result.Rows,
                ValidRows = result.Valid,
                CreatedAt = now,
            };
            db.BulkSends.Add(bulk);
            await AuditRecorder.RecordAsync(db, cell, new AuditEventData("bulk_send.created", caller.OrganizationId, actor, id, new Dictionary<string, string>
            {
                ["template"] = upload.Template.Id,
                ["rows"] = result.Rows.ToString(CultureInfo.InvariantCulture),
                ["validRows"] = result.Valid.ToString(CultureInfo.InvariantCulture),
                ["sha256"] = sha256, // of the file as uploaded (an .xlsx is kept as CSV)
                ["format"] = result.Format == BulkFileFormat.Xlsx ? "xlsx" : "csv",
            }), now, ct);
            await BulkSendJob.EnqueueAsync(db, cell, bulk, time, ct);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch
            {
                await cell.Objects.DeleteAsync(FileContext(cell, caller.OrganizationId, objectId), CancellationToken.None); // nothing half-way
                throw;
            }
            return TypedResults.Accepted($"/api/v1/bulk-sends/{id}", await ViewAsync(db, bulk, ct));
        }
    }

    private static bool TryNumber(string? text, int absent, int min, int max, out int value)
    {
        value = absent;
        if (string.IsNullOrWhiteSpace(text)) return true;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;
    }

    internal static ObjectContext FileContext(Cell cell, string organizationId, string objectId) => new(cell.Region, organizationId, objectId, 1, BulkSend.FilePurpose);

    private static async Task<IResult> List(Caller caller, CellDbContext db, CancellationToken ct)
    {
        var rows = await db.BulkSends.AsNoTracking().Where(b => b.OrganizationId == caller.OrganizationId).OrderByDescending(b => b.CreatedAt).Take(100).ToListAsync(ct);
        var result = new List<BulkSendView>();
        foreach (var b in rows) result.Add(await ViewAsync(db, b, ct));
        return TypedResults.Ok(result);
    }

    private static async Task<IResult> Get(string id, Caller caller, CellDbContext db, CancellationToken ct) =>
        await FindAsync(db, caller, id, ct) is { } bulk ? TypedResults.Ok(await ViewAsync(db, bulk, ct)) : TypedResults.NotFound();

    private static Task<BulkSend?> FindAsync(CellDbContext db, Caller caller, string id, CancellationToken ct) =>
        db.BulkSends.AsNoTracking().SingleOrDefaultAsync(b => b.Id == id && b.OrganizationId == caller.OrganizationId, ct);

    internal static async Task<BulkSendView> ViewAsync(CellDbContext db, BulkSend bulk, CancellationToken ct)
    {
        var counts = await db.BulkSendRows.AsNoTracking().Where(r => r.BulkSendId == bulk.Id).GroupBy(r => r.Status)
            .Select(g => new { Status = g.Key, Count = g.Count() }).ToListAsync(ct);
        var sent = counts.FirstOrDefault(c => c.Status == BulkSendStates.RowSent)?.Count ?? 0;
        var skipped = counts.FirstOrDefault(c => c.Status == BulkSendStates.RowSkipped)?.Count ?? 0;
        var pending = Math.Max(0, bulk.TotalRows - sent - skipped);
        var percent = bulk.TotalRows == 0 || bulk.Status == BulkSendStates.Completed ? 100 : (int)((sent + skipped) * 100L / bulk.TotalRows);
        return new BulkSendView(bulk.Id, bulk.TemplateId, bulk.Status, bulk.TotalRows, bulk.ValidRows, sent, skipped, pending, percent, bulk.CreatedAt, bulk.FinishedAt);
    }

    /// <summary>GET /api/v1/bulk-sends/{id}/rows?status=&amp;after=: the rows handled so far, 500 at a time in row order.</summary>
    private static async Task<IResult> Rows(string id, string? status, int? after, Caller caller, CellDbContext db, CancellationToken ct)
    {
        if (status is not (null or BulkSendStates.RowSent or BulkSendStates.RowSkipped)) return Problems.Validation("status must be sent or skipped.");
        if (await FindAsync(db, caller, id, ct) is null) return TypedResults.NotFound();
        var query = db.BulkSendRows.AsNoTracking().Where(r => r.BulkSendId == id && r.Row > (after ?? 0));
        if (status is not null) query = query.Where(r => r.Status == status);
        var rows = await query.OrderBy(r => r.Row).Take(500).ToListAsync(ct);
        return TypedResults.Ok(rows.Select(r => new RowView(r.Row, r.Status, r.DocumentId, r.Error)).ToArray());
    }

    /// <summary>GET /api/v1/bulk-sends/{id}/report.csv: every handled row (row, status, document, problems); no cell of it is ever a formula.</summary>
    private static async Task<IResult> Report(string id, Caller caller, CellDbContext db, CancellationToken ct)
    {
        if (await FindAsync(db, caller, id, ct) is null) return TypedResults.NotFound();
        return TypedResults.Stream(async body =>
        {
            await using var writer = new StreamWriter(body, new UTF8Encoding(false), leaveOpen: true);
            await writer.WriteAsync(CsvWriter.Line(["row", "status", "document", "problems"]));
            var after = 0;
            while (true)
            {
                var rows = await db.BulkSendRows.AsNoTracking().Where(r => r.BulkSendId == id && r.Row > after).OrderBy(r => r.Row).Take(1000).ToListAsync(ct);
                if (rows.Count == 0) break;
                foreach (var r in rows)
                {
                    await writer.WriteAsync(CsvWriter.Line([r.Row.ToString(CultureInfo.InvariantCulture), r.Status, r.DocumentId ?? "", r.Error ?? ""]));
                }
                after = rows[^1].Row;
            }
        }, "text/csv; charset=utf-8", $"{id}-report.csv");
    }

    /// <summary>
    /// POST /api/v1/bulk-sends/{id}/cancel: rows not sent yet are never sent. One conditional UPDATE; the job takes each row
    /// under the same condition, so no document is sent after this answers.
    /// </summary>
    private static async Task<IResult> Cancel(string id, HttpContext http, Caller caller, CellDbContext db, TimeProvider time, CancellationToken ct)
    {
        var bulk = await FindAsync(db, caller, id, ct);
        if (bulk is null) return TypedResults.NotFound();
        var now = time.GetUtcNow().UtcDateTime;
        await caller.Cell.Keys.ReserveWritesAsync(caller.OrganizationId, 8, ct); // the audit event encrypts inside the transaction
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var cancelled = await db.BulkSends.Where(b => b.Id == id && (b.Status == BulkSendStates.Queued || b.Status == BulkSendStates.Running))
            .ExecuteUpdateAsync(s => s.SetProperty(b => b.Status, BulkSendStates.Cancelled).SetProperty(b => b.FinishedAt, now), ct);
        if (cancelled == 0) return Problems.Conflict(ErrorCodes.BulkSendFinished, $"The bulk send is {bulk.Status}; there is nothing left to cancel.");
        await AuditRecorder.RecordAsync(db, caller.Cell, new AuditEventData("bulk_send.cancelled", caller.OrganizationId, AuditActor.From(http, caller.Actor), id), now, ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return TypedResults.Ok(await ViewAsync(db, (await FindAsync(db, caller, id, ct))!, ct));
    }
}
