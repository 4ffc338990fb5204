using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Accounts;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Members;
using Sigill.Api.Features.Organizations;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Jobs;
using Sigill.Api.Platform.Mail;
using Sigill.Api.Platform.Persistence;
using Sigill.Contracts;

namespace Sigill.Api.Features.SubProcessors;

/// <summary>
/// Publishes the configured register per cell and reads it back. <see cref="CheckAsync"/> compares the configuration
/// (the entries for the cell's region) with the cell's latest version. When the configured
/// <see cref="SubProcessorOptions.Revision"/> is higher than the latest version's and the register differs, it writes the
/// next version, due <see cref="SubProcessorOptions.NoticeDays"/> from now (or later, as the changed entries ask, and never
/// before the latest version takes effect), its audit event and one <c>sub_processors.notify</c> job (idempotency key
/// <c>subprocessors:{region}:v{n}</c>) — in one transaction, so a node that loses the race writes nothing. The notices
/// themselves are jobs (<see cref="SubProcessorNotifyJob"/>, <see cref="SubProcessorNoticeJob"/>): each owner hears of each
/// change exactly once. The first version of a cell takes effect at once and is announced to nobody (there is nothing it
/// changes for an organization yet).
/// </summary>
public sealed class SubProcessorRegister(SubProcessorOptions options, TimeProvider time, ILogger<SubProcessorRegister> logger)
{
    /// <summary>
    /// The configured entries that apply to <paramref name="region"/>, ordered by name. The region's register does not list
    /// which other regions an entry also serves: adding a region to an entry changes nothing for this one.
    /// </summary>
    public static IReadOnlyList<SubProcessorView> ConfiguredFor(SubProcessorOptions options, string region) =>
        [.. options.Entries.Where(e => e.Regions.Count == 0 || e.Regions.Contains(region, StringComparer.Ordinal))
            .Select(e => new SubProcessorView(e.Name!.Trim(), e.Purpose!.Trim(), [.. e.DataCategories.Select(c => c.Trim())], e.Location!.Trim(),
                e.TransferMechanism!.Trim(), e.TermsUrl!, e.Added!.Value, e.Effective))
            .OrderBy(e => e.Name, StringComparer.OrdinalIgnoreCase)];

    /// <summary>The canonical JSON of a register (property order as declared, entries by name): the form hashed and stored.</summary>
    public static string Canonical(IReadOnlyList<SubProcessorView> register) => JsonSerializer.Serialize(register, Json);

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Publishes the configuration as the cell's next version when it is a newer revision and differs; returns the new version, or null when nothing was published.</summary>
    public async Task<SubProcessorVersion?> CheckAsync(Cell cell, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cell);
        var register = ConfiguredFor(options, cell.Region);
        var canonical = Canonical(register);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
        await using var db = cell.CreateDbContext();
        var latest = await db.SubProcessorVersions.AsNoTracking().OrderByDescending(v => v.Version).FirstOrDefaultAsync(ct);
        if (latest?.Hash == hash || (latest is null && register.Count == 0))
        {
            return null; // unchanged (or still nothing declared)
        }
        var before = latest is null ? [] : JsonSerializer.Deserialize<List<SubProcessorView>>(latest.RegisterJson, Json) ?? [];
        var changes = Diff(before, register);
        if (latest is not null && changes.Count == 0)
        {
            return null; // the same register in another form (a version stored before the region's view left out Regions)
        }
        if (latest is not null && options.Revision <= latest.Revision)
        {
            // A node with an older configuration (lower revision) must not publish it back; the same revision with other
            // entries is the operator's mistake (the entries changed, the revision was not raised).
            if (options.Revision == latest.Revision) SubProcessorLog.SameRevisionDiffers(logger, cell.Region, options.Revision, latest.Version);
            return null;
        }
        var now = time.GetUtcNow().UtcDateTime;
        var effective = now;
        if (latest is not null)
        {
            effective = now.AddDays(options.NoticeDays);
            foreach (var asked in register.Where(e => e.Effective is not null && changes.Any(c => c.Name == e.Name && c.Change != "removed")).Select(e => e.Effective!.Value))
            {
                var day = asked.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
                if (day > effective) effective = day;
            }
            // Versions take effect in order: a later one never before an earlier one that is still pending.
            if (latest.EffectiveAt > effective) effective = latest.EffectiveAt;
        }
        var version = (latest?.Version ?? 0) + 1;
        var published = new SubProcessorVersion
        {
            Version = version,
            Revision = options.Revision,
            PublishedAt = now,
            EffectiveAt = effective,
            Hash = hash,
            RegisterJson = canonical,
            ChangesJson = JsonSerializer.Serialize(changes, Json),
        };
        db.SubProcessorVersions.Add(published);
        if (latest is not null)
        {
            await JobQueue.EnqueueAsync(db, cell, JobRequest.Text(SubProcessorNotifyJob.JobKind, version.ToString(CultureInfo.InvariantCulture), SubProcessorNotifyJob.Key(cell.Region, version)), time, ct: ct);
        }
        await AuditRecorder.RecordAsync(db, cell, new("sub_processors.published", null, AuditActor.System, $"v{version.ToString(CultureInfo.InvariantCulture)}",
            new Dictionary<string, string>
            {
                ["revision"] = options.Revision.ToString(CultureInfo.InvariantCulture),
                ["effectiveAt"] = effective.ToString("O", CultureInfo.InvariantCulture),
                ["changes"] = string.Join(", ", changes.Select(c => $"{c.Change} {c.Name}")),
            }), now, ct);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (Platform.Errors.UniqueKey.IsViolation(e))
        {
            return null; // another API node published this change first (and queued its notices)
        }
        SubProcessorLog.Published(logger, cell.Region, version, options.Revision, effective, changes.Count);
        return published;
    }

    internal static List<SubProcessorChangeView> Diff(IReadOnlyList<SubProcessorView> before, IReadOnlyList<SubProcessorView> after)
    {
        var changes = new List<SubProcessorChangeView>();
        foreach (var entry in after)
        {
            var old = before.FirstOrDefault(b => string.Equals(b.Name, entry.Name, StringComparison.OrdinalIgnoreCase));
            if (old is null) changes.Add(new(entry.Name, "added"));
            else if (Canonical([old]) != Canonical([entry])) changes.Add(new(entry.Name, "changed"));
        }
        changes.AddRange(before.Where(b => !after.Any(a => string.Equals(a.Name, b.Name, StringComparison.OrdinalIgnoreCase))).Select(b => new SubProcessorChangeView(b.Name, "removed")));
        return changes;
    }

    /// <summary>The notice an owner gets, in <paramref name="words"/>' language: what changes, from which day, and where to read the register.</summary>
    internal static MailContent Notice(MailWords words, string organizationName, int version, DateTime effective, IReadOnlyList<SubProcessorChangeView> changes)
    {
        ArgumentNullException.ThrowIfNull(words);
        var iso = effective.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var blocks = new List<MailBlock>
        {
            new MailBlock.Paragraph(words.Format("SubProcessors.Intro", effective.ToString("d MMMM yyyy", words.Culture), version.ToString(CultureInfo.InvariantCulture))),
        };
        blocks.AddRange(changes.Select(c => new MailBlock.Paragraph($"• {c.Name}: {words["SubProcessors.Change." + (c.Change is "added" or "removed" ? c.Change : "changed")]}")));
        blocks.Add(new MailBlock.Paragraph(words.Format("SubProcessors.Effective", iso)));
        return new MailContent(words.Format("SubProcessors.Subject", iso), words["SubProcessors.Heading"], blocks, words.Format("SubProcessors.Why", organizationName))
        {
            Language = words.Language,
        };
    }

    /// <summary>The register of <paramref name="cell"/> as the API shows it; <paramref name="organizationId"/> adds its acceptance.</summary>
    public async Task<SubProcessorRegisterView> ViewAsync(CellDbContext db, string region, string? organizationId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var now = time.GetUtcNow().UtcDateTime;
        var versions = await db.SubProcessorVersions.AsNoTracking().OrderByDescending(v => v.Version).ToListAsync(ct);
        var current = versions.FirstOrDefault(v => v.EffectiveAt <= now);
        var pending = versions.Where(v => v.EffectiveAt > now).OrderBy(v => v.Version)
            .Select(v => new SubProcessorPendingView(v.Version, Utc(v.EffectiveAt), Changes(v), Entries(v))).ToList();
        var history = versions.Select(v => new SubProcessorVersionView(v.Version, Utc(v.PublishedAt), Utc(v.EffectiveAt), v.EffectiveAt > now, Changes(v))).ToList();
        SubProcessorAcceptanceView? accepted = null;
        if (organizationId is not null && await db.SubProcessorAcceptances.AsNoTracking().SingleOrDefaultAsync(a => a.OrganizationId == organizationId, ct) is { } a)
        {
            accepted = new(a.Version, Utc(a.AcceptedAt));
        }
        return new SubProcessorRegisterView(region, current?.Version, current is null ? null : Utc(current.EffectiveAt), current is null ? [] : Entries(current),
            pending, history, options.NoticeDays, accepted);
    }

    /// <summary>
    /// Records that a new organization accepts the register: the latest published version (the one in force, or an
    /// announced one it is created under). Joins the caller's transaction; nothing when no register is published.
    /// </summary>
    public static async Task AcceptAsync(CellDbContext db, Cell cell, string organizationId, string? userId, AuditActor actor, DateTime now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var latest = await db.SubProcessorVersions.AsNoTracking().OrderByDescending(v => v.Version).Select(v => (int?)v.Version).FirstOrDefaultAsync(ct);
        if (latest is not { } version) return;
        db.SubProcessorAcceptances.Add(new SubProcessorAcceptance { OrganizationId = organizationId, Version = version, AcceptedAt = now, UserId = userId });
        await AuditRecorder.RecordAsync(db, cell, new("sub_processors.accepted", organizationId, actor, $"v{version.ToString(CultureInfo.InvariantCulture)}"), now, ct);
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    internal static List<SubProcessorChangeView> Changes(SubProcessorVersion v) => JsonSerializer.Deserialize<List<SubProcessorChangeView>>(v.ChangesJson, Json) ?? [];

    private static List<SubProcessorView> Entries(SubProcessorVersion v) => JsonSerializer.Deserialize<List<SubProcessorView>>(v.RegisterJson, Json) ?? [];
}

internal static partial class SubProcessorLog
{
    [LoggerMessage(EventId = 9601, Level = LogLevel.Information, Message = "Sub-processor register of region {Region}: version {Version} (revision {Revision}) published, effective {EffectiveAt:O}, {Changes} changes; the notices are queued.")]
    public static partial void Published(ILogger logger, string region, int version, int revision, DateTime effectiveAt, int changes);

    [LoggerMessage(EventId = 9602, Level = LogLevel.Warning, Message = "Sub-processor register of region {Region} could not be checked ({Error}); the next check tries again.")]
    public static partial void CheckFailed(ILogger logger, string region, string error);

    [LoggerMessage(EventId = 9603, Level = LogLevel.Warning, Message = "Sub-processor register of region {Region}: the configured entries differ from version {Version} but SubProcessors:Revision is still {Revision}; raise the revision to publish them. Nothing published.")]
    public static partial void SameRevisionDiffers(ILogger logger, string region, int revision, int version);

    [LoggerMessage(EventId = 9604, Level = LogLevel.Information, Message = "Sub-processor notice v{Version} to organization {OrganizationId} of region {Region} skipped: its keys are destroyed (crypto-shredded).")]
    public static partial void NoticeSkippedShredded(ILogger logger, string region, int version, string organizationId);

    [LoggerMessage(EventId = 9605, Level = LogLevel.Information, Message = "Sub-processor notice v{Version} of region {Region}: {Organizations} organizations queued.")]
    public static partial void NoticesQueued(ILogger logger, string region, int version, int organizations);
}
