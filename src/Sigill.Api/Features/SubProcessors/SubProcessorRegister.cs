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
/// (the entries for the cell's region) with the cell's latest version; on a difference it writes the next version,
/// due <see cref="SubProcessorOptions.NoticeDays"/> from now (or later, as the changed entries ask), and queues one
/// e-mail per owner of every organization of the cell — in the same transaction, under idempotency keys
/// <c>subprocessors:{region}:v{n}:{org}:{user}</c>, so each owner hears of each change exactly once. The first version
/// of a cell takes effect at once and is announced to nobody (there is nothing it changes for an organization yet).
/// </summary>
public sealed class SubProcessorRegister(SubProcessorOptions options, TimeProvider time, ILogger<SubProcessorRegister> logger)
{
    public SubProcessorOptions Options => options;

    /// <summary>The configured entries that apply to <paramref name="region"/>, ordered by name.</summary>
    public static IReadOnlyList<SubProcessorView> ConfiguredFor(SubProcessorOptions options, string region) =>
        [.. options.Entries.Where(e => e.Regions.Count == 0 || e.Regions.Contains(region, StringComparer.Ordinal))
            .Select(e => new SubProcessorView(e.Name!.Trim(), e.Purpose!.Trim(), [.. e.DataCategories.Select(c => c.Trim())], e.Location!.Trim(), [.. e.Regions],
                e.TransferMechanism!.Trim(), e.TermsUrl!, e.Added!.Value, e.Effective))
            .OrderBy(e => e.Name, StringComparer.OrdinalIgnoreCase)];

    /// <summary>The canonical JSON of a register (property order as declared, entries by name): the form hashed and stored.</summary>
    public static string Canonical(IReadOnlyList<SubProcessorView> register) => JsonSerializer.Serialize(register, Json);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Publishes the configuration as the cell's next version when it differs; returns the new version, or null when nothing changed.</summary>
    public Task<SubProcessorVersion?> CheckAsync(Cell cell, CancellationToken ct) => CheckAsync(cell, options, ct);

    internal async Task<SubProcessorVersion?> CheckAsync(Cell cell, SubProcessorOptions configured, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cell);
        var register = ConfiguredFor(configured, cell.Region);
        var canonical = Canonical(register);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
        await using var db = cell.CreateDbContext();
        var latest = await db.SubProcessorVersions.AsNoTracking().OrderByDescending(v => v.Version).FirstOrDefaultAsync(ct);
        if (latest?.Hash == hash || (latest is null && register.Count == 0))
        {
            return null; // unchanged (or still nothing declared)
        }
        var now = time.GetUtcNow().UtcDateTime;
        var before = latest is null ? [] : JsonSerializer.Deserialize<List<SubProcessorView>>(latest.RegisterJson, Json) ?? [];
        var changes = Diff(before, register);
        var effective = now;
        if (latest is not null)
        {
            effective = now.AddDays(configured.NoticeDays);
            foreach (var asked in register.Where(e => e.Effective is not null && changes.Any(c => c.Name == e.Name && c.Change != "removed")).Select(e => e.Effective!.Value))
            {
                var day = asked.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
                if (day > effective) effective = day;
            }
        }
        var version = (latest?.Version ?? 0) + 1;
        var owners = latest is null ? 0 : await QueueNoticesAsync(db, cell, version, effective, changes, ct);
        db.SubProcessorVersions.Add(new SubProcessorVersion
        {
            Version = version,
            PublishedAt = now,
            EffectiveAt = effective,
            Hash = hash,
            RegisterJson = canonical,
            ChangesJson = JsonSerializer.Serialize(changes, Json),
            OwnersNotified = owners,
        });
        await AuditRecorder.RecordAsync(db, cell, new("sub_processors.published", null, AuditActor.System, $"v{version.ToString(CultureInfo.InvariantCulture)}",
            new Dictionary<string, string>
            {
                ["effectiveAt"] = effective.ToString("O", CultureInfo.InvariantCulture),
                ["changes"] = string.Join(", ", changes.Select(c => $"{c.Change} {c.Name}")),
                ["ownersNotified"] = owners.ToString(CultureInfo.InvariantCulture),
            }), now, ct);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (Platform.Errors.UniqueKey.IsViolation(e))
        {
            return null; // another API node published this change first (and queued its notices)
        }
        SubProcessorLog.Published(logger, cell.Region, version, effective, changes.Count, owners);
        return await db.SubProcessorVersions.AsNoTracking().SingleAsync(v => v.Version == version, ct);
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

    /// <summary>One <c>mail.send</c> job per owner of every organization, joined to <paramref name="db"/>'s transaction.</summary>
    private async Task<int> QueueNoticesAsync(CellDbContext db, Cell cell, int version, DateTime effective, IReadOnlyList<SubProcessorChangeView> changes, CancellationToken ct)
    {
        var owners = await db.Memberships.AsNoTracking().Where(m => m.Role == Roles.Owner).OrderBy(m => m.OrganizationId).ToListAsync(ct);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var count = 0;
        foreach (var owner in owners)
        {
            if (!names.TryGetValue(owner.OrganizationId, out var orgName))
            {
                var org = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == owner.OrganizationId, ct);
                orgName = names[owner.OrganizationId] = await cell.Keys.DecryptFieldAsync(org.Id, Organization.NamePurpose, org.NameToken, org.Id, ct) ?? "your organization";
            }
            var email = await cell.Keys.DecryptFieldAsync(owner.OrganizationId, Membership.EmailPurpose, owner.EmailToken, owner.UserId, ct);
            if (email is null) continue;
            var name = await cell.Keys.DecryptFieldAsync(owner.OrganizationId, Membership.NamePurpose, owner.NameToken, owner.UserId, ct) ?? email;
            var message = Notice(orgName, version, effective, changes).To(cell.Region, name, email, MailBrand.Sigill);
            var key = string.Create(CultureInfo.InvariantCulture, $"subprocessors:{cell.Region}:v{version}:{owner.OrganizationId}:{owner.UserId}");
            var payload = JsonSerializer.SerializeToUtf8Bytes(MailQueue.QueuedMail.From(message));
            if (await JobQueue.EnqueueAsync(db, cell, new JobRequest(MailQueue.JobKind, payload, key, OrganizationId: owner.OrganizationId, MaxAttempts: MailQueue.MaxAttempts), time, ct: ct) is not null)
            {
                count++;
            }
        }
        return count;
    }

    /// <summary>The notice an owner gets: what changes, from which day, and where to read the register.</summary>
    internal static MailContent Notice(string organizationName, int version, DateTime effective, IReadOnlyList<SubProcessorChangeView> changes)
    {
        var day = effective.ToString("d MMMM yyyy", CultureInfo.InvariantCulture);
        var blocks = new List<MailBlock>
        {
            new MailBlock.Paragraph($"The list of sub-processors that handle your organization's data on this Sigill installation changes on {day} (UTC), as version {version.ToString(CultureInfo.InvariantCulture)} of the register:"),
        };
        blocks.AddRange(changes.Select(c => new MailBlock.Paragraph($"• {c.Name}: {c.Change switch { "added" => "added", "removed" => "removed", _ => "details changed" }}")));
        blocks.Add(new MailBlock.Paragraph($"Effective date: {effective:yyyy-MM-dd}. Until then the current register applies. "
            + "Owners can read the whole register, with each entry's purpose, data, location and terms, on the organization's Sub-processors page. "
            + "If you object to the change, tell the operator of this installation before that date."));
        return new MailContent($"Sub-processor change on {effective:yyyy-MM-dd}", "Sub-processor change", blocks,
            $"You receive this because you are an owner of {organizationName}; the law requires that owners are told of such changes in advance.");
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

    private static List<SubProcessorChangeView> Changes(SubProcessorVersion v) => JsonSerializer.Deserialize<List<SubProcessorChangeView>>(v.ChangesJson, Json) ?? [];

    private static List<SubProcessorView> Entries(SubProcessorVersion v) => JsonSerializer.Deserialize<List<SubProcessorView>>(v.RegisterJson, Json) ?? [];
}

internal static partial class SubProcessorLog
{
    [LoggerMessage(EventId = 9601, Level = LogLevel.Information, Message = "Sub-processor register of region {Region}: version {Version} published, effective {EffectiveAt:O}, {Changes} changes, {Owners} owners notified.")]
    public static partial void Published(ILogger logger, string region, int version, DateTime effectiveAt, int changes, int owners);

    [LoggerMessage(EventId = 9602, Level = LogLevel.Warning, Message = "Sub-processor register of region {Region} could not be checked ({Error}); the next check tries again.")]
    public static partial void CheckFailed(ILogger logger, string region, string error);
}
