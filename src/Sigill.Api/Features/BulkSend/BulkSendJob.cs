using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Documents;
using Sigill.Api.Features.Templates;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Jobs;
using Sigill.Api.Platform.Mail;
using Sigill.Api.Platform.Persistence;
using Sigill.Contracts;
using Sigill.Http;

namespace Sigill.Api.Features.BulkSend;

/// <summary>Section <c>BulkSend</c>: the largest file (default 20 MB), the most rows (50,000) and how many rows one job run handles (500).</summary>
public sealed class BulkSendOptions : IValidatedOptions
{
    public long MaxFileBytes { get; set; } = 20L * 1000 * 1000;
    public int MaxRows { get; set; } = 50_000;
    public int ChunkRows { get; set; } = 500;

    /// <summary>Rows of a chunk handled at once on PostgreSQL (default 4); SQLite takes them one at a time.</summary>
    public int Parallelism { get; set; } = 4;

    public CsvLimits Limits => new(MaxRows: MaxRows);

    /// <summary>An .xlsx may unpack to ten times the largest file (a 20 MB workbook to 200 MB of XML).</summary>
    public XlsxLimits Xlsx => new(MaxUncompressedBytes: 10 * MaxFileBytes);

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (MaxFileBytes is < 1024 or > 1024L * 1024 * 1024) problems.Add("BulkSend:MaxFileBytes must be between 1 KiB and 1 GiB");
        if (MaxRows is < 1 or > 1_000_000) problems.Add("BulkSend:MaxRows must be 1-1000000");
        if (ChunkRows is < 1 or > 10_000) problems.Add("BulkSend:ChunkRows must be 1-10000");
        if (Parallelism is < 1 or > 64) problems.Add("BulkSend:Parallelism must be 1-64");
        return problems;
    }
}

/// <summary>
/// The <c>bulk.send</c> job: one run reads the bulk send's file again from the start (streamed and decrypted as it is
/// read, so memory does not grow with the file), checks every row as the upload did (duplicates need the rows before),
/// and handles the next <see cref="BulkSendOptions.ChunkRows"/> rows from its cursor, then queues the next run. Each row is
/// one transaction: the document is created from the template, its recipients and signature fields placed, it is sent
/// (its e-mails queued in the same commit) and the row's outcome recorded under the unique (bulk send, row) key, so a run
/// that dies half-way is repeated without a second document. A row that fails its checks or cannot be rendered is
/// recorded as skipped with the reasons. Each row first advances the cursor under the condition that the bulk send is
/// still running: after a cancel commits, no further document is sent.
/// </summary>
internal sealed partial class BulkSendJob(TemplateRenderer renderer, MailOptions mail, BulkSendOptions options, ILogger<BulkSendJob> logger) : IJobHandler
{
    public const string JobKind = "bulk.send";

    public string Kind => JobKind;

    /// <summary>More encryptions than one row makes (its PDF, title, pricing, message, each recipient's name and address, its e-mails).</summary>
    private const int WritesPerRow = 64;

    public static Task<JobRow?> EnqueueAsync(CellDbContext db, Cell cell, BulkSend bulk, TimeProvider time, CancellationToken ct) =>
        JobQueue.EnqueueAsync(db, cell, new JobRequest(JobKind, System.Text.Encoding.UTF8.GetBytes(bulk.Id), $"{JobKind}:{bulk.Id}:{bulk.NextRow}", OrganizationId: bulk.OrganizationId), time, ct: ct);

    public async Task HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        var cell = job.Cell;
        var ct = cancellationToken;
        BulkSend? bulk;
        await using (var db = cell.CreateDbContext())
        {
            bulk = await db.BulkSends.SingleOrDefaultAsync(b => b.Id == job.PayloadText, ct);
            if (bulk is null) return;
            if (!BulkSendStates.IsOpen(bulk.Status))
            {
                await DropFileAsync(db, cell, bulk, ct);
                return;
            }
            if (bulk.Status == BulkSendStates.Queued)
            {
                await db.BulkSends.Where(b => b.Id == bulk.Id && b.Status == BulkSendStates.Queued).ExecuteUpdateAsync(s => s.SetProperty(b => b.Status, BulkSendStates.Running), ct);
            }
        }
        var settings = JsonSerializer.Deserialize<BulkSendEndpoints.Settings>((await cell.Keys.DecryptFieldAsync(bulk.OrganizationId, BulkSend.SettingsPurpose, bulk.SettingsToken, bulk.Id, ct))!)!;
        await using var file = bulk.FileObjectId is null ? null : await cell.Objects.OpenReadAsync(BulkSendEndpoints.FileContext(cell, bulk.OrganizationId, bulk.FileObjectId), ct)
            ?? throw new JobFailedException("the bulk send's file is missing");
        if (file is null) return;
        var outcome = await RunAsync(cell, bulk, settings, file, job.Time, ct);
        await using (var db = cell.CreateDbContext())
        {
            var current = await db.BulkSends.SingleAsync(b => b.Id == bulk.Id, ct);
            if (outcome is Outcome.Finished or Outcome.Stopped)
            {
                if (outcome == Outcome.Finished)
                {
                    await db.BulkSends.Where(b => b.Id == bulk.Id && b.Status == BulkSendStates.Running)
                        .ExecuteUpdateAsync(s => s.SetProperty(b => b.Status, BulkSendStates.Completed).SetProperty(b => b.FinishedAt, job.Time.GetUtcNow().UtcDateTime), ct);
                }
                await DropFileAsync(db, cell, current, ct);
                BulkLog.Ended(logger, bulk.Id, outcome.ToString());
            }
            else
            {
                await EnqueueAsync(db, cell, current, job.Time, ct); // the next chunk, from the cursor
                await db.SaveChangesAsync(ct);
            }
        }
    }

    private enum Outcome { Finished, Stopped, More }

    private async Task<Outcome> RunAsync(Cell cell, BulkSend bulk, BulkSendEndpoints.Settings settings, Stream file, TimeProvider time, CancellationToken ct)
    {
        HashSet<string> templates;
        Template? template;
        await using (var db = cell.CreateDbContext())
        {
            templates = await BulkSendEndpoints.OrganizationTemplatesAsync(db, bulk.OrganizationId, ct);
            template = await db.Templates.AsNoTracking().SingleOrDefaultAsync(t => t.Id == bulk.TemplateId, ct);
        }
        var variables = template is null ? [] : await BulkSendEndpoints.TemplateVariablesAsync(cell, template, ct);
        using var reader = new CsvRecordReader(file, options.Limits);
        var header = await reader.ReadAsync(ct) ?? throw new JobFailedException("the bulk send's file has no header");
        var columns = BulkColumns.Read(header, variables, out _);
        var seen = new Dictionary<Int128, int>();
        var chunk = new List<(int Number, BulkDocumentInput? Input, CellError[] Errors)>();
        var number = 0;
        var more = false;
        while (await reader.ReadAsync(ct) is { } record)
        {
            number++;
            var errors = new List<CellError>();
            var input = columns.Row(number, record, bulk.TemplateId, templates, seen, errors); // every row: duplicates need the ones before
            if (number < bulk.NextRow) continue;
            if (chunk.Count == options.ChunkRows)
            {
                more = true;
                break;
            }
            chunk.Add((number, input, [.. errors]));
        }
        // The chunk's rows in parallel on PostgreSQL (each its own transaction); one at a time on SQLite, which has one writer.
        var cache = new System.Collections.Concurrent.ConcurrentDictionary<string, Template?>(StringComparer.Ordinal);
        var stopped = 0;
        await Parallel.ForEachAsync(chunk, new ParallelOptions { MaxDegreeOfParallelism = cell.DatabaseProvider == "postgres" ? options.Parallelism : 1, CancellationToken = ct },
            async (row, token) =>
            {
                if (Volatile.Read(ref stopped) == 1) return;
                if (!await RowAsync(cell, bulk, settings, row.Number, row.Input, row.Errors, cache, time, token)) Interlocked.Exchange(ref stopped, 1);
            });
        if (stopped == 1) return Outcome.Stopped;
        if (!more) return Outcome.Finished;
        await using (var db = cell.CreateDbContext())
        {
            await db.BulkSends.Where(b => b.Id == bulk.Id).ExecuteUpdateAsync(s => s.SetProperty(b => b.NextRow, number), ct);
        }
        bulk.NextRow = number;
        return Outcome.More;
    }

    /// <summary>One row in one transaction; false when the bulk send is no longer running (cancelled).</summary>
    private async Task<bool> RowAsync(Cell cell, BulkSend bulk, BulkSendEndpoints.Settings settings, int number, BulkDocumentInput? input, CellError[] errors,
        System.Collections.Concurrent.ConcurrentDictionary<string, Template?> templates, TimeProvider time, CancellationToken ct)
    {
        await using var db = cell.CreateDbContext();
        if (await db.BulkSendRows.AnyAsync(r => r.BulkSendId == bulk.Id && r.Row == number, ct)) return true; // done by a run that died after it
        var now = time.GetUtcNow().UtcDateTime;
        await cell.Keys.ReserveWritesAsync(bulk.OrganizationId, WritesPerRow, ct); // before the transaction: see ReserveWritesAsync
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (!await StillRunningAsync(db, cell, bulk.Id, ct)) return false;
        if (input is null)
        {
            db.BulkSendRows.Add(Skipped(bulk, number, errors));
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            return true;
        }
        if (!templates.TryGetValue(input.TemplateId, out var template))
        {
            template = await db.Templates.AsNoTracking().SingleOrDefaultAsync(t => t.Id == input.TemplateId && t.OrganizationId == bulk.OrganizationId, ct);
            templates.TryAdd(input.TemplateId, template);
        }
        if (template is null)
        {
            db.BulkSendRows.Add(Skipped(bulk, number, [new CellError("template", "the template no longer exists")]));
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            return true;
        }
        var title = input.Title ?? settings.Title ?? (await cell.Keys.DecryptFieldAsync(template.OrganizationId, Template.NamePurpose, template.NameToken, template.Id, ct))!;
        DocumentEndpoints.NewDocument draft;
        try
        {
            draft = await DocumentEndpoints.RenderAsync(db, cell, template, title, input.Variables, input.Pricing, renderer, ct);
        }
        catch (TemplateException e)
        {
            db.BulkSendRows.Add(Skipped(bulk, number, [new CellError(null, $"the template could not be rendered ({e.Code})")]));
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            return true;
        }
        var actor = new AuditActor(bulk.ActorId, bulk.ActorIp);
        var doc = await DocumentEndpoints.CreateAsync(draft, cell, bulk.OrganizationId, actor, db, now, ct);
        try
        {
            var recipients = new List<Recipient>();
            var slot = 0;
            foreach (var (r, i) in input.Recipients.Select((r, i) => (r, i)))
            {
                var recipient = await DocumentRecipients.AddAsync(db, cell, doc, r.Name, r.Email, r.Role, i + 1, stepUp: null, accessCode: null, ct);
                if (r.Role == RecipientRoles.Signer) DocumentRecipients.PlaceSignatureAtFoot(db, cell, doc, recipient, slot++);
                recipients.Add(recipient);
            }
            var messages = await DocumentSetupEndpoints.MarkSentAsync(db, cell, doc, recipients,
                new DocumentSetupEndpoints.SendSettings(settings.ExpiresInDays, settings.RemindEveryDays, settings.Message, bulk.CreatedByUserId), actor, mail, now, ct,
                new Dictionary<string, string> { ["bulkSend"] = bulk.Id, ["row"] = number.ToString(CultureInfo.InvariantCulture) });
            foreach (var message in messages) await MailQueue.AddAsync(db, cell, bulk.OrganizationId, message, time, ct);
            db.BulkSendRows.Add(new BulkSendRow { BulkSendId = bulk.Id, Row = number, Status = BulkSendStates.RowSent, DocumentId = doc.Id });
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            return true;
        }
        catch
        {
            await DocumentWorkflow.DeletePdfAsync(cell, doc.OrganizationId, doc.CurrentPdfObjectId); // the rollback takes the rows; the PDF goes too
            throw;
        }
    }

    /// <summary>
    /// The cancel guard, inside the row's transaction: on PostgreSQL a shared lock on the bulk send's row (rows in parallel
    /// share it; a cancel's UPDATE waits for the rows in flight, and every row after it sees the cancel); on SQLite the
    /// transaction already holds the only write lock, so a plain read is enough.
    /// </summary>
    private static async Task<bool> StillRunningAsync(CellDbContext db, Cell cell, string id, CancellationToken ct) =>
        cell.DatabaseProvider == "postgres"
            ? (await db.BulkSends.FromSql($"SELECT * FROM bulk_sends WHERE \"Id\" = {id} AND \"Status\" = {BulkSendStates.Running} FOR SHARE").AsNoTracking().ToListAsync(ct)).Count == 1
            : await db.BulkSends.AnyAsync(b => b.Id == id && b.Status == BulkSendStates.Running, ct);

    private static BulkSendRow Skipped(BulkSend bulk, int number, IEnumerable<CellError> errors)
    {
        var text = string.Join("; ", errors.Select(e => e.Column is null ? e.Message : $"{e.Column}: {e.Message}"));
        return new BulkSendRow { BulkSendId = bulk.Id, Row = number, Status = BulkSendStates.RowSkipped, Error = text.Length > 1000 ? text[..1000] : text };
    }

    private static async Task DropFileAsync(CellDbContext db, Cell cell, BulkSend bulk, CancellationToken ct)
    {
        if (bulk.FileObjectId is not { } objectId) return;
        await cell.Objects.DeleteAsync(BulkSendEndpoints.FileContext(cell, bulk.OrganizationId, objectId), ct);
        await db.BulkSends.Where(b => b.Id == bulk.Id).ExecuteUpdateAsync(s => s.SetProperty(b => b.FileObjectId, (string?)null), ct);
    }

    private static partial class BulkLog
    {
        [LoggerMessage(EventId = 9301, Level = LogLevel.Information, Message = "Bulk send {BulkSendId} {Outcome}.")]
        public static partial void Ended(ILogger logger, string bulkSendId, string outcome);
    }
}
