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

    /// <summary>Batches of a chunk handled at once on PostgreSQL (default 4); SQLite takes them one at a time.</summary>
    public int Parallelism { get; set; } = 4;

    /// <summary>Rows committed together in one transaction (default 10): fewer commits, and a cancel still stops every batch not yet begun.</summary>
    public int RowsPerTransaction { get; set; } = 10;

    public CsvLimits Limits => new(MaxRows: MaxRows);

    /// <summary>An .xlsx may unpack to 10 times the largest file, and hold as many characters of shared texts as the largest CSV has bytes (they are held in memory).</summary>
    public XlsxLimits Xlsx => new(MaxUncompressedBytes: 10 * MaxFileBytes, MaxSharedStringChars: MaxFileBytes);

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (MaxFileBytes is < 1024 or > 1024L * 1024 * 1024) problems.Add("BulkSend:MaxFileBytes must be between 1 KiB and 1 GiB");
        if (MaxRows is < 1 or > 1_000_000) problems.Add("BulkSend:MaxRows must be 1-1000000");
        if (ChunkRows is < 1 or > 10_000) problems.Add("BulkSend:ChunkRows must be 1-10000");
        if (Parallelism is < 1 or > 64) problems.Add("BulkSend:Parallelism must be 1-64");
        if (RowsPerTransaction is < 1 or > 100) problems.Add("BulkSend:RowsPerTransaction must be 1-100");
        return problems;
    }
}

/// <summary>
/// The <c>bulk.send</c> job: one run reads the bulk send's file again from the start (streamed and decrypted as it is
/// read, so memory does not grow with the file), checks every row as the upload did (duplicates need the rows before),
/// and handles the next <see cref="BulkSendOptions.ChunkRows"/> rows from its cursor, then queues the next run. Rows are
/// committed in batches of <see cref="BulkSendOptions.RowsPerTransaction"/>: for each row the document is created from the
/// template, its recipients and their fields placed, it is sent (its e-mails queued in the same commit) and the row's
/// outcome recorded under the unique (bulk send, row) key, so a run that dies half-way is repeated without a second
/// document. A row that fails its checks or cannot be rendered is recorded as skipped with the reasons. Each batch first
/// checks, inside its transaction, that the bulk send is still running: after a cancel commits, no further document is sent.
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
        // The chunk in batches of rows, each batch one transaction; batches in parallel on PostgreSQL, one at a time on
        // SQLite (one writer).
        var sources = new TemplateSources(cell, bulk.OrganizationId);
        var stopped = 0;
        var batches = chunk.Chunk(options.RowsPerTransaction).ToList();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = cell.DatabaseProvider == "postgres" ? options.Parallelism : 1, CancellationToken = ct },
            async (batch, token) =>
            {
                if (Volatile.Read(ref stopped) == 1) return;
                if (!await BatchAsync(cell, bulk, settings, batch, sources, time, token)) Interlocked.Exchange(ref stopped, 1);
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

    /// <summary>
    /// Rows in one transaction (their documents, recipients, fields, sends, e-mails and outcomes commit together or not
    /// at all); false when the bulk send is no longer running (cancelled). Rows a run that died already committed are left.
    /// </summary>
    private async Task<bool> BatchAsync(Cell cell, BulkSend bulk, BulkSendEndpoints.Settings settings, (int Number, BulkDocumentInput? Input, CellError[] Errors)[] batch,
        TemplateSources sources, TimeProvider time, CancellationToken ct)
    {
        await using var db = cell.CreateDbContext();
        var numbers = batch.Select(r => r.Number).ToList();
        var done = (await db.BulkSendRows.Where(r => r.BulkSendId == bulk.Id && numbers.Contains(r.Row)).Select(r => r.Row).ToListAsync(ct)).ToHashSet();
        var todo = batch.Where(r => !done.Contains(r.Number)).ToList();
        if (todo.Count == 0) return true;
        await cell.Keys.ReserveWritesAsync(bulk.OrganizationId, WritesPerRow * todo.Count, ct); // before the transaction: see ReserveWritesAsync
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.Database.AutoSavepointsEnabled = false; // one SaveChanges per batch, and a failure rolls the whole batch back
        if (!await StillRunningAsync(db, cell, bulk.Id, ct)) return false;
        var pdfs = new List<string>();
        try
        {
            foreach (var (number, input, errors) in todo)
            {
                if (await RowAsync(db, cell, bulk, settings, number, input, errors, sources, time, ct) is { } pdf) pdfs.Add(pdf);
            }
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            return true;
        }
        catch
        {
            foreach (var pdf in pdfs) await DocumentWorkflow.DeletePdfAsync(cell, bulk.OrganizationId, pdf); // the rollback takes the rows; their PDFs go too
            throw;
        }
    }

    /// <summary>One row inside its batch's transaction: sent, or recorded as skipped with the reasons; returns the stored PDF's object, if any.</summary>
    private async Task<string?> RowAsync(CellDbContext db, Cell cell, BulkSend bulk, BulkSendEndpoints.Settings settings, int number, BulkDocumentInput? input, CellError[] errors,
        TemplateSources sources, TimeProvider time, CancellationToken ct)
    {
        if (input is null)
        {
            db.BulkSendRows.Add(Skipped(bulk, number, errors));
            return null;
        }
        var source = await sources.GetAsync(input.TemplateId, ct);
        if (source is null)
        {
            db.BulkSendRows.Add(Skipped(bulk, number, [new CellError("template", "the template no longer exists")]));
            return null;
        }
        var chosen = TemplateTranslations.Choose(source.Language, source.Name, source.Body, source.Translations,
            TemplateTranslations.Wanted(input.Language, source.OrganizationLanguage));
        var title = input.Title ?? settings.Title ?? chosen.Title;
        DocumentEndpoints.NewDocument draft;
        try
        {
            draft = await DocumentEndpoints.RenderAsync(source.Id, chosen.Body, source.Blocks, title, input.Variables, input.Pricing, renderer, ct) with { Language = chosen.Language };
        }
        catch (TemplateException e)
        {
            db.BulkSendRows.Add(Skipped(bulk, number, [new CellError(null, $"the template could not be rendered ({e.Code})")]));
            return null;
        }
        var now = time.GetUtcNow().UtcDateTime;
        var actor = new AuditActor(bulk.ActorId, bulk.ActorIp);
        var doc = await DocumentEndpoints.AddAsync(draft, cell, bulk.OrganizationId, actor, db, now, ct); // saved with its batch
        var recipients = new List<Recipient>();
        var slot = 0;
        foreach (var (r, i) in input.Recipients.Select((r, i) => (r, i)))
        {
            var recipient = await DocumentRecipients.AddAsync(db, cell, doc, r.Name, r.Email, r.Role, i + 1, stepUp: null, accessCode: null, ct, input.Language);
            if (r.Role == RecipientRoles.Signer) DocumentRecipients.PlaceFields(db, cell, doc, recipient, slot++, draft.Fields);
            recipients.Add(recipient);
        }
        var messages = await DocumentSetupEndpoints.MarkSentAsync(db, cell, doc, recipients,
            new DocumentSetupEndpoints.SendSettings(settings.ExpiresInDays, settings.RemindEveryDays, settings.Message, bulk.CreatedByUserId), actor, mail, now, ct,
            new Dictionary<string, string> { ["bulkSend"] = bulk.Id, ["row"] = number.ToString(CultureInfo.InvariantCulture) });
        foreach (var message in messages) await MailQueue.AddAsync(db, cell, bulk.OrganizationId, message, time, ct);
        db.BulkSendRows.Add(new BulkSendRow { BulkSendId = bulk.Id, Row = number, Status = BulkSendStates.RowSent, DocumentId = doc.Id });
        return doc.CurrentPdfObjectId;
    }

    /// <summary>A template as a run renders it: its name, body and translations decrypted and its organization's blocks and language loaded once per run, not once per row.</summary>
    private sealed record TemplateSource(string Id, string Name, string Body, IReadOnlyDictionary<string, string> Blocks, string Language,
        IReadOnlyDictionary<string, TemplateTranslation> Translations, string OrganizationLanguage);

    /// <summary>The organization's templates a run renders, each read once (batches ask from several threads).</summary>
    private sealed class TemplateSources(Cell cell, string organizationId)
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Task<TemplateSource?>>> _loaded = new(StringComparer.Ordinal);
        private readonly Lazy<Task<Dictionary<string, string>>> _blocks = new(async () =>
        {
            await using var db = cell.CreateDbContext();
            return await TemplateEndpoints.LoadBlocksAsync(db, cell, organizationId, CancellationToken.None);
        });
        private readonly Lazy<Task<string>> _language = new(async () =>
        {
            await using var db = cell.CreateDbContext();
            return await TemplateTranslations.OrganizationLanguageAsync(db, organizationId, CancellationToken.None);
        });

        public Task<TemplateSource?> GetAsync(string id, CancellationToken ct) => _loaded.GetOrAdd(id, key => new(() => LoadAsync(key, ct))).Value;

        private async Task<TemplateSource?> LoadAsync(string id, CancellationToken ct)
        {
            Template? template;
            await using (var db = cell.CreateDbContext())
            {
                template = await db.Templates.AsNoTracking().SingleOrDefaultAsync(t => t.Id == id && t.OrganizationId == organizationId, ct);
            }
            if (template is null) return null;
            var name = (await cell.Keys.DecryptFieldAsync(organizationId, Template.NamePurpose, template.NameToken, template.Id, ct))!;
            var body = (await cell.Keys.DecryptFieldAsync(organizationId, Template.BodyPurpose, template.BodyToken, template.Id, ct))!;
            var organizationLanguage = await _language.Value;
            return new TemplateSource(template.Id, name, body, await _blocks.Value, TemplateTranslations.MainLanguage(template, organizationLanguage),
                await TemplateTranslations.ReadAsync(cell, template, ct), organizationLanguage);
        }
    }

    /// <summary>
    /// The cancel guard, inside the row's transaction: on PostgreSQL a shared lock on the bulk send's row (rows in parallel
    /// share it; a cancel's UPDATE waits for the rows in flight, and every row after it sees the cancel); on SQLite the
    /// transaction already holds the only write lock, so a plain read is enough.
    /// </summary>
    private static async Task<bool> StillRunningAsync(CellDbContext db, Cell cell, string id, CancellationToken ct) =>
        cell.DatabaseProvider == "postgres"
            ? (await db.Database.SqlQuery<string>($"SELECT \"Id\" AS \"Value\" FROM bulk_sends WHERE \"Id\" = {id} AND \"Status\" = {BulkSendStates.Running} FOR SHARE").ToListAsync(ct)).Count == 1
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
