using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Backups;
using Sigill.Api.Features.Documents;
using Sigill.Api.Features.Organizations;
using Sigill.Api.Features.SubProcessors;
using Sigill.Api.Features.TrustCenter;
using Sigill.Api.Platform.Cells;
using Sigill.Contracts;
using Sigill.Pdf;

namespace Sigill.Api.Features.Privacy;

/// <summary>
/// Records of processing (GDPR Article 30), generated from the live installation: what Sigill processes and why (fixed
/// by the product), who processes it (the operator, the sub-processors of each region), where (the regions, declared
/// data centres, transfers), how long (the retention facts as configured) and how it is protected (key status and the
/// backup schedule). Format: docs/formats/ropa.md. It names no recipient, member or document: only the organization
/// (the controller), the operator and the sub-processors.
/// </summary>
public static class RecordsOfProcessing
{
    public const string Format = "sigill-ropa-v1";

    public const string NoDeletionPolicy = "no automatic deletion policy configured: documents, their recipients' data and audit events are kept until the organization deletes them (drafts) or is crypto-shredded";

    public const string PerOrganizationPolicy = "each organization sets its own retention policy (drafts, ended and completed documents, view IP addresses and user agents); a daily job deletes what is past it, except under a legal hold";

    /// <summary>One organization's live retention policy in words; <see cref="NoDeletionPolicy"/> when every rule keeps.</summary>
    public static string DescribePolicy(RetentionPolicy p, bool enforced)
    {
        ArgumentNullException.ThrowIfNull(p);
        if (p is { DraftDays: null, EndedDays: null, CompletedYears: null, ViewDetailsDays: null }) return NoDeletionPolicy;
        static string Days(int? n, string what) => n is { } d ? string.Create(CultureInfo.InvariantCulture, $"{what} deleted {d} days after") : $"{what} kept";
        var rules = string.Join("; ", new[]
        {
            Days(p.DraftDays, "drafts") + (p.DraftDays is null ? "" : " their last change"),
            Days(p.EndedDays, "declined, voided and expired documents") + (p.EndedDays is null ? "" : " they ended"),
            p.CompletedYears is { } y ? string.Create(CultureInfo.InvariantCulture, $"completed documents kept {y} years after completion, then deleted") : "completed documents kept (the controller decides their legal retention)",
            p.ViewDetailsDays is { } v ? string.Create(CultureInfo.InvariantCulture, $"recipients' last-view IP address and user agent cleared after {v} days") : "view IP addresses and user agents kept",
        });
        return $"retention policy: {rules}; a legal hold keeps documents past it; every deletion leaves a tombstone audit event"
            + (enforced ? "" : "; NOTE: the daily retention job is switched off in this installation (Privacy:Retention:Enabled)");
    }

    /// <summary>What the product processes, for whom and why. Fixed by the code, not by configuration.</summary>
    public static readonly IReadOnlyList<RopaActivity> Activities =
    [
        new("Sending, viewing, filling, signing and sealing documents for the organization",
            ["recipients and signers of documents", "members of the organization who send them"],
            ["name", "e-mail address", "role on the document", "views: time, IP address, user agent", "signature: time, IP address, user agent, typed or drawn image",
                "field values entered", "e-signature consent time", "decline reason", "document content"],
            "the controller's (the organization's) instructions; Article 28 processing"),
        new("E-mail delivery: invitations, reminders, completion copies",
            ["recipients and signers of documents"], ["name", "e-mail address", "document title"],
            "the controller's instructions"),
        new("Accounts and access control of the organization",
            ["members of the organization", "invited people"], ["name", "e-mail address", "role", "password hash", "second-factor secret", "sessions"],
            "the operator's contract with the account holder; the operator is the controller of accounts"),
        new("Audit log and security monitoring",
            ["members", "recipients and signers", "operator staff with a support grant"], ["actor ids", "IP address", "user agent", "what was done and when"],
            "legitimate interest in security and evidence (Article 6(1)(f)); the controller's instructions"),
        new("Payments through an external processor (hosted checkout)",
            ["recipients who pay"], ["amount and status of the payment; card data never reaches Sigill"],
            "the controller's instructions"),
    ];

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // read by people; never embedded in HTML
    };

    /// <summary>
    /// The records for <paramref name="cells"/> (one region for an organization, every region installation-wide), and, when
    /// <paramref name="organizationId"/> is given, that organization as the controller with its acceptances.
    /// <paramref name="residency"/> is the summary of a residency scan when the caller ran one (the CLI); null otherwise.
    /// </summary>
    public static async Task<RopaDocument> BuildAsync(IReadOnlyList<Cell> cells, string? organizationId, RopaSources sources, RopaResidency? residency,
        DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cells);
        ArgumentNullException.ThrowIfNull(sources);
        RopaOrganization? organization = null;
        RetentionPolicy? policy = null;
        var regions = new List<RopaRegion>();
        foreach (var cell in cells)
        {
            await using var db = cell.CreateDbContext();
            if (organizationId is not null)
            {
                var org = await db.Set<Organization>().AsNoTracking().SingleAsync(o => o.Id == organizationId, ct);
                var name = await cell.Keys.DecryptFieldAsync(org.Id, Organization.NamePurpose, org.NameToken, org.Id, ct);
                var accepted = await db.SubProcessorAcceptances.AsNoTracking().Where(a => a.OrganizationId == org.Id)
                    .Select(a => new SubProcessorAcceptanceView(a.Version, new DateTimeOffset(DateTime.SpecifyKind(a.AcceptedAt, DateTimeKind.Utc))))
                    .SingleOrDefaultAsync(ct);
                policy = new RetentionPolicy(org.RetentionDraftDays, org.RetentionEndedDays, org.RetentionCompletedYears, org.RetentionViewDetailsDays);
                organization = new RopaOrganization(org.Id, name!, org.Region, new DateTimeOffset(DateTime.SpecifyKind(org.CreatedAt, DateTimeKind.Utc)),
                    accepted, org.DeliveryLinkDays, await Dpa.LatestAsync(db, org.Id, ct));
            }
            var published = await db.SubProcessorVersions.AsNoTracking().Where(v => v.EffectiveAt <= now.UtcDateTime)
                .OrderByDescending(v => v.Version).Select(v => (int?)v.Version).FirstOrDefaultAsync(ct);
            var keys = await cell.Keys.StatusAsync(ct);
            var subProcessors = SubProcessorRegister.ConfiguredFor(sources.SubProcessors, cell.Region);
            regions.Add(new RopaRegion(
                cell.Region,
                sources.Trust.Hosting.DataCentres.GetValueOrDefault(cell.Region),
                subProcessors,
                published,
                [.. subProcessors.Select(s => new RopaTransfer(s.Name, s.Location, s.TransferMechanism))],
                new RopaKeys(keys.Provider, keys.Environment, keys.CurrentRootKeyId, keys.RootKeyIds.Count,
                    organizationId is null
                        ? keys.Organizations.Count(o => o.CurrentVersion > 0)
                        : keys.Organizations.Where(o => o.OrganizationId == organizationId).Select(o => o.CurrentVersion).SingleOrDefault(),
                    keys.Shreds.Count(s => s.ExecutedAt is null && (organizationId is null || s.OrganizationId == organizationId)))));
        }
        var backups = sources.Backups;
        var retention = new RopaRetention(
            backups.Directory is { Length: > 0 }
                ? $"encrypted backups of each region daily at {backups.DailyAtUtc:hh\\:mm} UTC; archives older than {backups.RetentionDays.ToString(CultureInfo.InvariantCulture)} days are deleted"
                : "no scheduled backups configured (Backups:Directory is not set)",
            backups.Directory is { Length: > 0 } ? backups.RetentionDays : null,
            sources.Documents.DefaultExpiryDays,
            organization?.DeliveryLinkDays,
            policy is not null ? DescribePolicy(policy, sources.Retention?.Enabled ?? true) : PerOrganizationPolicy,
            "the audit log is append-only and kept; a crypto-shredded organization's events stay as leaves whose content nobody can read",
            policy);
        var security = new List<string>
        {
            "three tiers: a public web tier without data or keys, a private API tier that alone encrypts and decrypts, a data tier per region",
            "every region is a share-nothing cell: its own database, blob store, key provider, audit log and backups",
            "envelope encryption: region root key in the key provider, per-organization keys, a fresh AES-256-GCM data key per stored object; personal fields encrypted, looked up by keyed blind indexes",
            "audit log per region: a Merkle tree with signed checkpoints, verifiable offline (sigill audit verify)",
            "operators have no standing access to content: support access is granted by the organization, time-boxed and logged",
            residency is null
                ? "residency: every region's data stays in its cell; `sigill residency report` scans every stored byte for another region's ids, plaintext and card numbers"
                : $"residency scan of every cell: {(residency.ExitCode == 0 ? "OK" : "FAILED")} ({residency.Leaks.ToString(CultureInfo.InvariantCulture)} leaks, {residency.CardNumbers.ToString(CultureInfo.InvariantCulture)} card numbers stored)",
        };
        return new RopaDocument(Format, now, new RopaOperator(sources.Trust.Operator.Name, sources.Trust.Operator.Contact), organization,
            organization is null
                ? "each organization is the controller of its documents and the people on them; the operator is the controller of accounts"
                : $"{organization.Name} ({organization.Id}) is the controller of its documents and the people on them; the operator is its processor",
            Activities, [.. regions], retention, security, residency,
            sources.Trust.Dpa.Version is { } dpa ? new DpaView(dpa, sources.Trust.Dpa.Url, sources.Trust.Dpa.Text) : null);
    }

    /// <summary>The same records as a readable PDF (docs/formats/ropa.md says which section holds what).</summary>
    public static byte[] ToPdf(RopaDocument d)
    {
        ArgumentNullException.ThrowIfNull(d);
        var facts = new List<string>
        {
            $"Operator (processor): {d.Operator.Name ?? "not configured (Trust:Operator:Name)"}{(d.Operator.Contact is { } c ? ", " + c : "")}",
            $"Controller: {d.Controller}",
            $"Regions: {string.Join(", ", d.Regions.Select(r => r.Region))}",
        };
        if (d.Organization is { } o)
        {
            facts.Add($"Organization region: {o.Region}; created {o.CreatedAt:yyyy-MM-dd}; sub-processor register accepted: "
                + (o.SubProcessorsAccepted is { } a ? $"version {a.Version.ToString(CultureInfo.InvariantCulture)} on {a.AcceptedAt:yyyy-MM-dd}" : "none recorded"));
            facts.Add($"Data processing agreement accepted: {Dpa.Describe(o.DpaAccepted)}"
                + (d.Dpa is { } dpa ? $"; version configured: {dpa.Version}{(dpa.Url is { } url ? " (" + url + ")" : "")}" : "; none configured (Trust:Dpa)"));
        }
        var sections = new List<ReportSection>();
        sections.AddRange(d.Activities.Select(a => new ReportSection("Purpose: " + a.Purpose,
        [
            "Data subjects: " + string.Join("; ", a.DataSubjects),
            "Data: " + string.Join("; ", a.DataCategories),
            "Basis: " + a.Basis,
        ])));
        sections.Add(new ReportSection("Retention",
        [
            "Backups: " + d.Retention.Backups,
            $"Signing links expire after {d.Retention.SigningLinkDays.ToString(CultureInfo.InvariantCulture)} days by default"
                + (d.Retention.DeliveryLinkDays is { } days ? $"; completion download links after {days.ToString(CultureInfo.InvariantCulture)} days" : ""),
            "Deletion: " + d.Retention.AutomaticDeletion,
            "Audit log: " + d.Retention.AuditLog,
        ]));
        foreach (var r in d.Regions)
        {
            var lines = new List<string> { $"Data centre: {r.DataCentre ?? "not declared (Trust:Hosting:DataCentres)"}" };
            lines.Add(r.SubProcessors.Count == 0 ? "Sub-processors: none configured" : $"Sub-processors (register version in force: {r.PublishedVersion?.ToString(CultureInfo.InvariantCulture) ?? "none published"}):");
            lines.AddRange(r.SubProcessors.Select(s => $"{s.Name}: {s.Purpose}; data: {string.Join(", ", s.DataCategories)}; in {s.Location}; transfer: {s.TransferMechanism}; terms {s.TermsUrl}"));
            lines.Add($"Keys: provider {r.Keys.Provider}, environment {r.Keys.Environment}, current root key {r.Keys.CurrentRootKeyId ?? "none"} ({r.Keys.RootKeyVersions.ToString(CultureInfo.InvariantCulture)} versions), "
                + (d.Organization is null ? $"{r.Keys.OrganizationKeys.ToString(CultureInfo.InvariantCulture)} organization keys" : $"organization content key version {r.Keys.OrganizationKeys.ToString(CultureInfo.InvariantCulture)}")
                + $", {r.Keys.PendingShreds.ToString(CultureInfo.InvariantCulture)} crypto-shreds pending");
            sections.Add(new ReportSection($"Region {r.Region}: recipients, transfers and keys", lines));
        }
        sections.Add(new ReportSection("Security measures", d.Security));
        return new SectionedReport("Records of processing (GDPR Article 30)", d.GeneratedAt, facts, sections).ToPdf();
    }
}

/// <summary>The configuration the records are generated from.</summary>
public sealed record RopaSources(SubProcessorOptions SubProcessors, BackupOptions Backups, DocumentOptions Documents, TrustOptions Trust,
    RetentionOptions? Retention = null);

public sealed record RopaDocument(string Format, DateTimeOffset GeneratedAt, RopaOperator Operator, RopaOrganization? Organization, string Controller,
    IReadOnlyList<RopaActivity> Activities, IReadOnlyList<RopaRegion> Regions, RopaRetention Retention, IReadOnlyList<string> Security, RopaResidency? Residency,
    DpaView? Dpa = null);

public sealed record RopaOperator(string? Name, string? Contact);

/// <param name="DpaAccepted">The organization's latest acceptance of the data processing agreement (null: none recorded).</param>
public sealed record RopaOrganization(string Id, string Name, string Region, DateTimeOffset CreatedAt, SubProcessorAcceptanceView? SubProcessorsAccepted, int DeliveryLinkDays,
    DpaAcceptanceView? DpaAccepted);

public sealed record RopaActivity(string Purpose, IReadOnlyList<string> DataSubjects, IReadOnlyList<string> DataCategories, string Basis);

public sealed record RopaRegion(string Region, string? DataCentre, IReadOnlyList<SubProcessorView> SubProcessors, int? PublishedVersion,
    IReadOnlyList<RopaTransfer> Transfers, RopaKeys Keys);

public sealed record RopaTransfer(string SubProcessor, string Location, string Mechanism);

/// <param name="OrganizationKeys">Installation-wide: how many organizations have keys; for one organization: its current content key version.</param>
public sealed record RopaKeys(string Provider, string Environment, string? CurrentRootKeyId, int RootKeyVersions, int OrganizationKeys, int PendingShreds);

public sealed record RopaRetention(string Backups, int? BackupRetentionDays, int SigningLinkDays, int? DeliveryLinkDays, string AutomaticDeletion, string AuditLog,
    RetentionPolicy? OrganizationPolicy = null);

public sealed record RopaResidency(int ExitCode, int Leaks, int CardNumbers);
