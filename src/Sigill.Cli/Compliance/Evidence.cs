using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sigill.Cli.Compliance;

/// <summary>An AICPA Trust Services Criterion the report collects evidence for, and why it may have none.</summary>
/// <param name="Id">The criterion's id as the AICPA numbers it (CC6.1), or "Staff access" for the access-transparency log.</param>
/// <param name="Folder">The file-name prefix of its evidence (cc6.1).</param>
/// <param name="NoEvidence">The reason given when nothing was collected for it (a feature Sigill does not have yet).</param>
/// <param name="Gap">What the criterion asks that Sigill does not have yet, said in the report whatever evidence it has.</param>
internal sealed record Criterion(string Id, string Folder, string Title, string? NoEvidence = null, string? Gap = null)
{
    /// <summary>Every criterion a report lists, in this order, whether or not the period has evidence for it.</summary>
    public static readonly IReadOnlyList<Criterion> All =
    [
        new("CC6.1", "cc6.1", "Encryption and key management: key status, rotations, the plaintext and residency scan"),
        new("CC6.2", "cc6.2", "Access provisioning: joiners and leavers, access-review attestations"),
        new("CC6.3", "cc6.3", "Access authorization: members, roles and MFA per organization, API tokens, single sign-on"),
        new("CC6.6", "cc6.6", "Boundaries: tier configuration and production-mode checks"),
        new("CC6.7", "cc6.7", "Transmission: TLS and response headers of the public tier"),
        new("CC6.8", "cc6.8", "Dependency and vulnerability scans recorded by CI"),
        new("CC7.2", "cc7.2", "Monitoring: alert rules and audit-log verification"),
        new("CC7.3", "cc7.3", "Incident evaluation: alerts fired in the period"),
        new("CC7.4", "cc7.4", "Incident response: acknowledgement and escalation times"),
        new("CC8.1", "cc8.1", "Change management: running version and commit, database migrations applied"),
        new("A1.2", "a1.2", "Backups and recovery: backups, their verification, restore drills with recovery time"),
        new("C1.2", "c1.2", "Disposal of confidential information: deletions, crypto-shredding, retention runs"),
        new("P-series", "p", "Privacy: subject requests, consent, retention of personal information",
            Gap: "partial: searches, exports, erasures, holds, requests, retention changes and DPA acceptances are counted from the audit log; "
                + "whether each request was answered within its 30-day deadline is on the privacy-requests page, not yet in this report"),
        new("Staff access", "staff", "Staff access (CC6.2, CC6.3): every grant, break-glass and staff action from the access-transparency log"),
    ];

    public static Criterion Get(string id) => All.Single(c => c.Id == id);
}

/// <summary>
/// One evidence file: which criterion, what it shows, the command or query that produced it, when, and its SHA-256.
/// <see cref="Scope"/> is <c>installation</c> (counts and ids only, no customer content) or a region (its evidence
/// stays in that region's folder). <see cref="Records"/> is how many rows of the period it holds; null for a
/// snapshot of state (key status, configuration), which is evidence whatever the period.
/// </summary>
internal sealed record EvidenceItem(
    string Criterion, string Scope, string File, string Shows, string Source, DateTimeOffset CollectedAt, string Sha256, int? Records, string? Note);

/// <summary>Writes evidence files under the bundle and keeps their index.</summary>
internal sealed class EvidenceWriter(string root, TimeProvider time)
{
    public const string Installation = "installation";

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        // The files are read by people: keep accents and '+' readable. They are never embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly List<EvidenceItem> _items = [];
    private readonly Dictionary<string, string> _reasons = new(StringComparer.Ordinal);

    public string Root { get; } = root;

    public IReadOnlyList<EvidenceItem> Items => _items;

    /// <summary>Writes <paramref name="data"/> as <c>evidence/&lt;scope&gt;/&lt;criterion&gt;-&lt;name&gt;.json</c> and records it.</summary>
    public async Task AddAsync(string criterion, string scope, string name, string shows, string source, object data, int? records, string? note, CancellationToken ct)
    {
        var c = Compliance.Criterion.Get(criterion);
        var at = time.GetUtcNow();
        var relative = $"evidence/{scope}/{c.Folder}-{name}.json";
        var bytes = JsonSerializer.SerializeToUtf8Bytes(new
        {
            criterion,
            scope,
            shows,
            source,
            collectedAt = at,
            records,
            note,
            data,
        }, Json);
        await WriteFileAsync(relative, bytes, ct);
        _items.Add(new EvidenceItem(criterion, scope, relative, shows, source, at, Convert.ToHexStringLower(SHA256.HashData(bytes)), records, note));
    }

    /// <summary>Why <paramref name="criterion"/> has no evidence in this report, when nothing is added for it.</summary>
    public void NoEvidence(string criterion, string reason) => _reasons[criterion] = reason;

    /// <summary>Copies a file as it is (a CI record) and records it.</summary>
    public async Task AddFileAsync(string criterion, string relative, string shows, string source, byte[] bytes, CancellationToken ct)
    {
        await WriteFileAsync(relative, bytes, ct);
        _items.Add(new EvidenceItem(criterion, Installation, relative, shows, source, time.GetUtcNow(), Convert.ToHexStringLower(SHA256.HashData(bytes)), null, null));
    }

    public async Task WriteFileAsync(string relative, byte[] bytes, CancellationToken ct)
    {
        var path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, bytes, ct);
    }

    /// <summary>
    /// Every criterion with its items and, when it has none or none of them holds activity of the period, the reason.
    /// A criterion is never left out; one with a <see cref="Criterion.Gap"/> always says what is still missing.
    /// </summary>
    public IReadOnlyList<CriterionEvidence> ByCriterion() =>
        [.. Compliance.Criterion.All.Select(c =>
        {
            var items = _items.Where(i => i.Criterion == c.Id).ToList();
            string? reason = items.Count == 0
                ? _reasons.GetValueOrDefault(c.Id) ?? c.NoEvidence ?? "no evidence was collected"
                : items.All(i => i.Records == 0)
                    ? "no activity in the period: " + string.Join("; ", items.Select(i => i.Note).Where(n => n is not null).Distinct())
                    : null;
            if (c.Gap is not null)
            {
                reason = reason is null ? c.Gap : $"{reason}; {c.Gap}";
            }
            return new CriterionEvidence(c.Id, c.Title, items, reason);
        })];
}

internal sealed record CriterionEvidence(string Id, string Title, IReadOnlyList<EvidenceItem> Items, string? Reason);
