using System.Globalization;
using System.Linq.Expressions;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Accounts;
using Sigill.Api.Features.Alerts;
using Sigill.Api.Features.ApiTokens;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Backups;
using Sigill.Api.Features.Doctor;
using Sigill.Api.Features.SingleSignOn;
using Sigill.Api.Features.StaffAccess;
using Sigill.Api.Platform.Cells;
using Sigill.Crypto;

namespace Sigill.Cli.Compliance;

/// <summary>An audit event as evidence: ids, action and time; details only for actions whose details are counts and ids.</summary>
internal sealed record EventView(string Id, string Action, DateTime At, string? Organization, string? Actor, string? Target, long? LeafIndex, IReadOnlyDictionary<string, string>? Details);

/// <summary>
/// The evidence of one region, written to <c>evidence/&lt;region&gt;/</c>: everything here is read from that region's
/// cell only. Identifiers, times and counts; never a name, an e-mail address or a document title (the rows hold those
/// encrypted, and nothing here decrypts them). Audit events are decrypted only to read their actor, target and, for
/// the actions in <see cref="DetailedActions"/>, their details.
/// </summary>
internal sealed class RegionEvidence(Cell cell, EvidenceWriter writer, DateTime from, DateTime to, Action<string> progress)
{
    /// <summary>Actions whose details are kept: counts and ids (reviews), grant terms (staff access). Others' details may hold personal data.</summary>
    private static readonly string[] DetailedActions = ["access_review.attested", "staff_review.attested", "support."];

    private readonly string _region = cell.Region;

    public async Task CollectAsync(IReadOnlyList<DrillResult> drills, string? backupDirectory, CancellationToken ct)
    {
        progress($"{_region}: key status");
        var keys = await cell.Keys.StatusAsync(ct);
        await KeysAsync(keys, ct);
        progress($"{_region}: access");
        await JoinersAndLeaversAsync(ct);
        await AccessReviewsAsync(ct);
        await AccessAsync(ct);
        await PrivacyAsync(ct);
        progress($"{_region}: doctor (cross-references, production checks)");
        var doctor = await CellDoctor.ExamineAsync(cell, repair: false, TimeProvider.System, null, ct);
        await writer.AddAsync("CC6.6", _region, "doctor", $"sigill doctor of region {_region}: {doctor.Problems} problems, {doctor.Findings.Count} findings",
            $"sigill doctor --region {_region}", doctor, null, null, ct);
        progress($"{_region}: audit log verification (every event decrypted)");
        var audit = await AuditVerification.VerifyAsync(cell, null, ct, decrypt: true);
        await writer.AddAsync("CC7.2", _region, "audit-verify", audit.Summary, $"sigill audit verify --region {_region}", audit, null, null, ct);
        progress($"{_region}: alerts");
        await AlertsAsync(ct);
        progress($"{_region}: migrations");
        await MigrationsAsync(ct);
        progress($"{_region}: backups and drills");
        await BackupsAsync(drills, backupDirectory, ct);
        await DisposalAsync(keys, ct);
        progress($"{_region}: staff access");
        await StaffAsync(ct);
    }

    private async Task KeysAsync(CellKeyStatus status, CancellationToken ct)
    {
        var rotations = status.Organizations.SelectMany(o => o.Keys.Where(k => k.Version > 1 && k.CreatedAt >= from && k.CreatedAt < to)
            .Select(k => new { organization = o.OrganizationId, version = k.Version, kind = k.Kind.ToString(), rootKeyId = k.RootKeyId, createdAt = k.CreatedAt })).ToList();
        await writer.AddAsync("CC6.1", _region, "keys", string.Create(CultureInfo.InvariantCulture,
            $"Key status of region {_region}: provider {status.Provider}, {status.RootKeyIds.Count} root key versions, {status.Organizations.Count} organization keys, {rotations.Count} content-key rotations in the period"),
            "sigill keys status", new
            {
                status.Region,
                status.Environment,
                status.Provider,
                status.CurrentRootKeyId,
                status.RootKeyIds,
                rootRotationTimes = "the key provider records no time for a root key version; root rotations are operator actions (sigill keys rotate-root)",
                organizations = status.Organizations.Select(o => new
                {
                    o.OrganizationId,
                    o.CurrentVersion,
                    keys = o.Keys.Select(k => new { k.Version, kind = k.Kind.ToString(), k.RootKeyId, k.CreatedAt, k.UsesReserved }),
                }),
                rotationsInPeriod = rotations,
                status.Shreds,
            }, null, null, ct);
    }

    private async Task JoinersAndLeaversAsync(CancellationToken ct)
    {
        // A sign-up records user.created and member.added for the same person: only member.added is a joiner (of an
        // organization); user.created counts the accounts created, reported on its own.
        var events = await EventsAsync(e => e.Action.StartsWith("member.") || e.Action == "user.created", ct);
        await writer.AddAsync("CC6.2", _region, "joiners-leavers", string.Create(CultureInfo.InvariantCulture,
            $"Joiners and leavers in region {_region}: {events.Count(e => e.Action == "member.added")} joined, {events.Count(e => e.Action == "member.removed")} left, {events.Count(e => e.Action == "member.role_changed")} role changes; {events.Count(e => e.Action == "user.created")} accounts created"),
            "audit events member.* (joined: member.added), user.created (accounts created) in the period", events, events.Count, "no joiners or leavers in the period", ct);
    }

    private async Task AccessReviewsAsync(CancellationToken ct)
    {
        var events = await EventsAsync(e => e.Action == "access_review.attested" || e.Action == "staff_review.attested", ct);
        await writer.AddAsync("CC6.2", _region, "access-reviews", string.Create(CultureInfo.InvariantCulture,
            $"Access-review attestations in region {_region}: {events.Count(e => e.Action == "access_review.attested")} by organization admins, {events.Count(e => e.Action == "staff_review.attested")} of staff credentials"),
            "audit events access_review.attested, staff_review.attested in the period", events, events.Count,
            "no access-review attestations (access_review.attested, staff_review.attested) were found in the period", ct);
    }

    private async Task AccessAsync(CancellationToken ct)
    {
        await using var db = cell.CreateDbContext();
        var members = await db.Set<Membership>().AsNoTracking().Select(m => new { m.OrganizationId, m.UserId, m.Role }).ToListAsync(ct);
        var mfa = (await db.Set<User>().AsNoTracking().Where(u => u.TotpEnabledAt != null).Select(u => u.Id).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        var sso = await db.Set<IdentityProviderConnection>().AsNoTracking()
            .Select(c => new { c.Id, c.OrganizationId, c.Protocol, c.PasswordSignInAllowed, c.CreatedAt, c.UpdatedAt }).ToListAsync(ct);
        var tokens = await db.Set<ApiToken>().AsNoTracking()
            .Select(t => new { t.Id, t.OrganizationId, t.UserId, t.Scopes, t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt }).ToListAsync(ct);
        var organizations = members.GroupBy(m => m.OrganizationId).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new
        {
            organization = g.Key,
            members = g.Count(),
            roles = g.GroupBy(m => m.Role).OrderBy(r => r.Key, StringComparer.Ordinal).ToDictionary(r => r.Key, r => r.Count()),
            withTotp = g.Count(m => mfa.Contains(m.UserId)),
            mfaCoverage = Math.Round(100.0 * g.Count(m => mfa.Contains(m.UserId)) / g.Count(), 1),
            singleSignOn = sso.Where(c => c.OrganizationId == g.Key).Select(c => new { c.Id, c.Protocol, c.PasswordSignInAllowed, c.CreatedAt, c.UpdatedAt }),
            memberIds = g.Select(m => new { m.UserId, m.Role, totp = mfa.Contains(m.UserId) }),
        }).ToList();
        var now = DateTime.UtcNow;
        await writer.AddAsync("CC6.3", _region, "members-roles-mfa", string.Create(CultureInfo.InvariantCulture,
            $"Members, roles and MFA of region {_region}: {organizations.Count} organizations, {members.Count} memberships, {members.Count(m => mfa.Contains(m.UserId))} with a second factor, {sso.Count} single sign-on connections"),
            "tables memberships, users (second factor enabled), identity_provider_connections", organizations, null, null, ct);
        await writer.AddAsync("CC6.3", _region, "api-tokens", string.Create(CultureInfo.InvariantCulture,
            $"API tokens of region {_region}: {tokens.Count} tokens, {tokens.Count(t => t.RevokedAt is null && t.ExpiresAt > now)} live, {tokens.Count(t => t.LastUsedAt >= from && t.LastUsedAt < to)} used in the period"),
            "table api_tokens (id, scopes, expiry, last use; names left out)", tokens, null, null, ct);
    }

    /// <summary>
    /// Privacy tools used in the period, counted only: each <c>privacy.subject_searched</c> event is an owner or admin
    /// finding one data subject's records; who was looked for is never in the event, nor here.
    /// </summary>
    private async Task PrivacyAsync(CancellationToken ct)
    {
        await using var db = cell.CreateDbContext();
        var searches = (await db.Set<AuditEvent>().AsNoTracking()
            .Where(e => e.OccurredAt >= from && e.OccurredAt < to && e.Action == "privacy.subject_searched")
            .GroupBy(e => e.OrganizationId).Select(g => new { organization = g.Key, searches = g.Count() }).ToListAsync(ct))
            .OrderBy(o => o.organization, StringComparer.Ordinal).ToList();
        var total = searches.Sum(o => o.searches);
        await writer.AddAsync("P-series", _region, "subject-searches", string.Create(CultureInfo.InvariantCulture,
            $"Data-subject searches in region {_region}: {total} by {searches.Count} organizations"),
            "audit events privacy.subject_searched in the period, counted per organization", new { searches = total, byOrganization = searches },
            total, "no data-subject search in the period", ct);

        // The other privacy tools, counted by what was done (exports, erasures, holds, requests, retention changes, DPA acceptances).
        var actions = (await db.Set<AuditEvent>().AsNoTracking()
            .Where(e => e.OccurredAt >= from && e.OccurredAt < to && e.Action != "privacy.subject_searched"
                && (e.Action.StartsWith("privacy.") || e.Action == "account.exported" || e.Action == "organization.dpa_accepted"))
            .GroupBy(e => e.Action).Select(g => new { action = g.Key, count = g.Count() }).ToListAsync(ct))
            .OrderBy(a => a.action, StringComparer.Ordinal).ToList();
        await writer.AddAsync("P-series", _region, "privacy-actions", string.Create(CultureInfo.InvariantCulture,
            $"Privacy actions in region {_region}: {actions.Sum(a => a.count)} ({string.Join(", ", actions.Select(a => $"{a.count} {a.action}"))})"),
            "audit events privacy.*, account.exported and organization.dpa_accepted in the period, counted per action", actions,
            actions.Count, "no privacy action in the period", ct);
    }

    private async Task AlertsAsync(CancellationToken ct)
    {
        var alerts = await AlertStore.FiredInAsync(cell, from, to, ct);
        await writer.AddAsync("CC7.3", _region, "alerts-fired", $"Alerts fired in region {_region}: {alerts.Count}",
            "alerts table: every alert fired in the period", alerts.Select(a => new { a.Id, a.Rule, a.Subject, a.Summary, a.FiredAt, a.Notifications, a.State, a.ResolvedAt }),
            alerts.Count, "no alerts fired in the period", ct);
        var response = alerts.Select(a => new
        {
            a.Id,
            a.Rule,
            a.FiredAt,
            a.AcknowledgedAt,
            a.AcknowledgedBy,
            acknowledgedAfterSeconds = a.AcknowledgedAt is { } ack ? (double?)Math.Round((ack - a.FiredAt).TotalSeconds, 1) : null,
            a.EscalatedAt,
            escalatedAfterSeconds = a.EscalatedAt is { } esc ? (double?)Math.Round((esc - a.FiredAt).TotalSeconds, 1) : null,
            a.ResolvedAt,
        }).ToList();
        var acknowledged = response.Where(r => r.acknowledgedAfterSeconds is not null).ToList();
        await writer.AddAsync("CC7.4", _region, "alert-response", string.Create(CultureInfo.InvariantCulture,
            $"Alert response in region {_region}: {acknowledged.Count} of {alerts.Count} acknowledged{(acknowledged.Count > 0 ? string.Create(CultureInfo.InvariantCulture, $" (median {Median(acknowledged.Select(r => r.acknowledgedAfterSeconds!.Value)):F0} s)") : "")}, {response.Count(r => r.EscalatedAt is not null)} escalated"),
            "alerts table: acknowledgement and escalation times of the alerts fired in the period", response, response.Count, "no alerts to acknowledge or escalate in the period", ct);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private async Task MigrationsAsync(CancellationToken ct)
    {
        await using var db = cell.CreateDbContext();
        var applied = (await db.Database.GetAppliedMigrationsAsync(ct)).ToList();
        var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
        await writer.AddAsync("CC8.1", _region, "migrations", string.Create(CultureInfo.InvariantCulture,
            $"Database migrations of region {_region} ({cell.DatabaseProvider}): {applied.Count} applied, {pending.Count} pending"),
            "__EFMigrationsHistory (EF Core's migration history table)", new
            {
                provider = cell.DatabaseProvider,
                applied = applied.Select(m => new { id = m, writtenAt = WrittenAt(m) }),
                pending,
                appliedTimes = "EF Core records no time a migration was applied. Each id starts with the UTC time the migration was written "
                    + "(writtenAt); the time it reached this database is the deployment's, recorded by the operator's change process (sigill migrate output, deploy logs).",
            }, null, null, ct);
    }

    private static DateTime? WrittenAt(string migrationId) =>
        migrationId.Length > 14 && DateTime.TryParseExact(migrationId[..14], "yyyyMMddHHmmss", CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at) ? at : null;

    private async Task BackupsAsync(IReadOnlyList<DrillResult> drills, string? directory, CancellationToken ct)
    {
        if (directory is null)
        {
            await writer.AddAsync("A1.2", _region, "backups", $"Backups of region {_region}: no backup directory",
                "Backups:Directory (configuration) or --backups", Array.Empty<object>(), 0,
                "no backup directory is configured (Backups:Directory) or given with --backups, so no archive could be listed or verified", ct);
        }
        else
        {
            var archives = !System.IO.Directory.Exists(directory) ? [] : System.IO.Directory.EnumerateFiles(directory, $"sigill-{_region}-*{CellBackup.Extension}")
                .Select(f => (File: f, Ok: CellBackup.TryParseFileName(Path.GetFileName(f), out var r, out var at), Region: r, At: at))
                .Where(a => a.Ok && a.Region == _region && a.At.UtcDateTime >= from && a.At.UtcDateTime < to).OrderBy(a => a.At).Select(a => (a.File, a.At)).ToList();
            var results = new List<BackupCheck>();
            foreach (var (file, at) in archives)
            {
                progress($"{_region}: verifying backup {Path.GetFileName(file)}");
                try
                {
                    var verified = await BackupArchive.VerifyAsync(file, cell.KeyProvider, null, ct);
                    results.Add(new BackupCheck(Path.GetFileName(file), at, new FileInfo(file).Length, true, verified.Entries, verified.Blobs, verified.ContentBytes, null));
                }
                catch (Exception e) when (e is BackupException or CryptoIntegrityException or IOException)
                {
                    results.Add(new BackupCheck(Path.GetFileName(file), at, new FileInfo(file).Length, false, 0, 0, 0, e.Message));
                }
            }
            await writer.AddAsync("A1.2", _region, "backups", string.Create(CultureInfo.InvariantCulture,
                $"Backups of region {_region} in the period: {archives.Count}, {results.Count(r => r.Verified)} verified (every entry's SHA-256 after decryption)"),
                "sigill backup verify FILE, for each archive of the period in the backup directory", results, results.Count, "no backup archive of the period in the backup directory", ct);
        }
        var mine = drills.Where(d => d.Region == _region && d.At.UtcDateTime >= from && d.At.UtcDateTime < to).OrderBy(d => d.At).ToList();
        await writer.AddAsync("A1.2", _region, "drills", string.Create(CultureInfo.InvariantCulture,
            $"Restore drills of region {_region} in the period: {mine.Count}, {mine.Count(d => d.Ok)} passed{(mine.Count > 0 ? string.Create(CultureInfo.InvariantCulture, $", last recovery time {mine[^1].RecoverySeconds:F1} s") : "")}"),
            "drills.jsonl (written by sigill backup drill)", mine, mine.Count, "no restore drill in the period", ct);
    }

    private sealed record BackupCheck(string File, DateTimeOffset CreatedAt, long Bytes, bool Verified, int Entries, int Blobs, long ContentBytes, string? Problem);

    private async Task DisposalAsync(CellKeyStatus keys, CancellationToken ct)
    {
        var events = await EventsAsync(e => e.Action.EndsWith(".deleted") || e.Action == "privacy.record_deleted" || e.Action == "privacy.deletion_refused", ct);
        var retention = events.Where(e => e.Action == "privacy.record_deleted" && e.Details is not null && e.Details.TryGetValue("rule", out var rule) && rule.StartsWith("retention:", StringComparison.Ordinal))
            .GroupBy(e => e.Details!["rule"], StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new { rule = g.Key, deletions = g.Count() }).ToList();
        var shreds = keys.Shreds.Where(s => (s.RequestedAt.UtcDateTime >= from && s.RequestedAt.UtcDateTime < to) || (s.ExecutedAt is { } x && x.UtcDateTime >= from && x.UtcDateTime < to)).ToList();
        await writer.AddAsync("C1.2", _region, "disposal", string.Create(CultureInfo.InvariantCulture,
            $"Disposal in region {_region}: {events.Count(e => e.Action != "privacy.deletion_refused")} deletions ({retention.Sum(r => r.deletions)} by retention rules), {events.Count(e => e.Action == "privacy.deletion_refused")} refused under a hold or retention, {shreds.Count(s => s.IsExecuted)} organizations crypto-shredded, {shreds.Count(s => !s.IsExecuted)} shreds pending"),
            "audit events *.deleted, privacy.record_deleted (tombstones: kind, rule) and privacy.deletion_refused in the period; sigill keys status (shreds requested or executed in the period)",
            new
            {
                deletions = events,
                shreds,
                retentionRuns = retention,
            }, events.Count + shreds.Count, "no deletion or shredding in the period", ct);
    }

    private async Task StaffAsync(CancellationToken ct)
    {
        await using var db = cell.CreateDbContext();
        var grants = await db.Set<SupportGrant>().AsNoTracking()
            .Where(g => (g.RequestedAt >= from && g.RequestedAt < to) || (g.DecidedAt >= from && g.DecidedAt < to) || (g.ExpiresAt >= from && g.RequestedAt < to))
            .Select(g => new { g.Id, g.OrganizationId, g.OperatorId, g.Kind, g.Access, g.DurationMinutes, g.Status, g.RequestedAt, g.DecidedBy, g.DecidedAt, g.ExpiresAt })
            .ToListAsync(ct);
        var operators = await db.Set<Operator>().AsNoTracking().Select(o => new { o.Id, o.CreatedAt, o.DisabledAt }).ToListAsync(ct);
        var events = await EventsAsync(e => e.Action.StartsWith("support."), ct);
        await writer.AddAsync("Staff access", _region, "grants-and-actions", string.Create(CultureInfo.InvariantCulture,
            $"Staff access in region {_region}: {grants.Count} grants ({grants.Count(g => g.Kind == "break_glass")} break-glass), {events.Count} staff-access events, {operators.Count} operator credentials"),
            "table support_grants; audit events support.* in the period (the access-transparency log); table operators (ids only)",
            new { grants, events, operators }, grants.Count + events.Count, "no staff access in the period", ct);
    }

    /// <summary>
    /// Audit events of the period that <paramref name="wanted"/> selects (translated to SQL: StartsWith and EndsWith
    /// become LIKE), read in one query and decrypted for actor and target.
    /// </summary>
    private async Task<List<EventView>> EventsAsync(Expression<Func<AuditEvent, bool>> wanted, CancellationToken ct)
    {
        await using var db = cell.CreateDbContext();
        var rows = await db.Set<AuditEvent>().AsNoTracking().Where(e => e.OccurredAt >= from && e.OccurredAt < to).Where(wanted).ToListAsync(ct);
        var views = new List<EventView>(rows.Count);
        foreach (var row in rows)
        {
            views.Add(await ViewAsync(row, ct));
        }
        return [.. views.OrderBy(v => v.At).ThenBy(v => v.Id, StringComparer.Ordinal)];
    }

    private async Task<EventView> ViewAsync(AuditEvent row, CancellationToken ct)
    {
        try
        {
            var (_, canonical) = await AuditReceipts.OpenAsync(cell, row, ct);
            using var json = JsonDocument.Parse(canonical);
            var root = json.RootElement;
            Dictionary<string, string>? details = null;
            if (DetailedActions.Any(a => a.EndsWith('.') ? row.Action.StartsWith(a, StringComparison.Ordinal) : row.Action == a)
                && root.TryGetProperty("details", out var d) && d.ValueKind == JsonValueKind.Object)
            {
                details = d.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText(), StringComparer.Ordinal);
            }
            return new EventView(row.Id, row.Action, row.OccurredAt, row.OrganizationId, Text(root, "actor"), Text(root, "target"), row.LeafIndex, details);
        }
        catch (CryptoIntegrityException)
        {
            // A crypto-shredded organization's events: the row and its leaf stay, the content is gone by design.
            return new EventView(row.Id, row.Action, row.OccurredAt, row.OrganizationId, null, null, row.LeafIndex, new Dictionary<string, string> { ["content"] = "shredded" });
        }
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
