using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Sigill.Api.Features.Alerts;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Backups;
using Sigill.Api.Platform.Cells;
using Sigill.Cli.Commands;
using Sigill.Pdf;
using Sigill.Transparency;

namespace Sigill.Cli.Compliance;

/// <summary>What a report needs besides the cells: the period, where to write, and the installation's settings.</summary>
internal sealed record ReportRequest(
    DateTime From, DateTime To, string Out, ApiTierOptions Api, IConfiguration Configuration, AuditOptions Audit, AlertOptions Alerts,
    string? BackupDirectory, IReadOnlyList<string> DrillFiles, string? CiResults);

/// <summary>
/// <c>sigill compliance report</c>: collects the evidence of every criterion in <see cref="Criterion.All"/> into a bundle
/// (docs/compliance.md), signs its manifest, and anchors the manifest's hash in
/// every region's audit log. Progress goes to standard error, one line per step.
/// </summary>
internal static class ComplianceReport
{
    public const string AnchorAction = "compliance.report_anchored";

    /// <summary>A --ci-results file larger than this is not copied into the bundle (the report says so).</summary>
    private const long MaxCiFileBytes = 50_000_000;

    public static async Task<string> RunAsync(CellRegistry cells, ReportRequest request, TextWriter progress, CancellationToken ct)
    {
        var time = TimeProvider.System;
        var started = time.GetUtcNow();
        var reportId = "cmr_" + started.UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var writer = new EvidenceWriter(request.Out, time);
        void Step(string line) => progress.WriteLine($"compliance: {line}");

        // The installation's signer first: without the region logs' keys there is nothing to sign or anchor with.
        using var logs = new AuditLogs(cells);
        foreach (var log in logs.All)
        {
            await log.InitializeAsync(request.Audit, time, ct);
        }
        using var signer = ComplianceKey.Signer(logs);

        await InstallationEvidenceAsync(cells, request, writer, Step, ct);
        var drills = BackupDrill.ReadAll(request.DrillFiles);
        foreach (var cell in cells.All)
        {
            await new RegionEvidence(cell, writer, request.From, request.To, Step).CollectAsync(drills, request.BackupDirectory, ct);
        }

        Step("index and PDF summary");
        var criteria = writer.ByCriterion();
        var index = JsonSerializer.SerializeToUtf8Bytes(new
        {
            format = "sigill-compliance-index-v1",
            report = reportId,
            period = new { from = request.From, to = request.To },
            generatedAt = started,
            regions = cells.All.Select(c => c.Region),
            signer = signer.VerifierKey,
            note = "Installation-wide: ids, counts, hashes and settings only. Per-region evidence is in evidence/<region>/.",
            criteria = criteria.Select(c => new { c.Id, c.Title, c.Reason, items = c.Items }),
        }, EvidenceWriter.Json);
        await writer.WriteFileAsync("index.json", index, ct);
        var summary = new EvidenceSummary
        {
            Title = "Sigill compliance evidence",
            From = request.From,
            To = request.To,
            GeneratedAt = started,
            Facts =
            [
                $"Report {reportId}; regions {string.Join(", ", cells.All.Select(c => c.Region))}",
                $"Manifest signer: {signer.VerifierKey}",
                "Contains ids, counts and hashes only; per-region evidence stays in evidence/<region>/.",
            ],
            Criteria = [.. criteria.Select(c => new EvidenceSummaryCriterion(c.Id, c.Title,
                [.. c.Items.Select(i => new EvidenceSummaryItem(i.Shows, i.File, i.Sha256))], c.Reason))],
        };
        await writer.WriteFileAsync("summary.pdf", summary.ToPdf(), ct);

        Step("signing the manifest");
        var manifest = BundleManifest.Create(reportId, request.From, request.To, started, signer.VerifierKey, [.. cells.All.Select(c => c.Region)], request.Out);
        var note = SignedNote.Sign(manifest.ToBody(), signer);
        var noteBytes = Encoding.UTF8.GetBytes(note);
        await writer.WriteFileAsync(BundleManifest.FileName, noteBytes, ct);

        var manifestHash = Convert.ToHexStringLower(SHA256.HashData(noteBytes));
        foreach (var log in logs.All)
        {
            Step($"anchoring the manifest in the {log.Cell.Region} audit log");
            await AnchorAsync(log, request, reportId, manifestHash, signer.VerifierKey, writer, time, ct);
        }
        return reportId;
    }

    private static async Task AnchorAsync(CellAuditLog log, ReportRequest request, string reportId, string manifestHash, string signerKey, EvidenceWriter writer, TimeProvider time, CancellationToken ct)
    {
        var cell = log.Cell;
        string eventId;
        await using (var db = cell.CreateDbContext())
        {
            var row = await AuditRecorder.RecordAsync(db, cell, new AuditEventData(AnchorAction, null, new AuditActor("sigill-cli", null), reportId,
                new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["manifest_sha256"] = manifestHash,
                    ["signer"] = signerKey,
                    ["from"] = request.From.ToString("O", CultureInfo.InvariantCulture),
                    ["to"] = request.To.ToString("O", CultureInfo.InvariantCulture),
                }), time.GetUtcNow().UtcDateTime, ct);
            await db.SaveChangesAsync(ct);
            eventId = row.Id;
        }
        if (!await log.SequenceUntilCheckpointedAsync([eventId], request.Audit, time, TimeSpan.FromMinutes(2), ct))
        {
            throw new InvalidOperationException($"The anchoring event {eventId} of region {cell.Region} was not checkpointed within two minutes.");
        }
        await using (var db = cell.CreateDbContext())
        {
            var row = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(
                Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.AsNoTracking(db.Set<AuditEvent>()), e => e.Id == eventId, ct);
            var (salt, canonical) = await AuditReceipts.OpenAsync(cell, row, ct);
            var inclusion = AuditReceipts.ForOpenedEvent(log, row, salt, canonical);
            await writer.WriteFileAsync($"anchors/{cell.Region}.event.json", canonical, ct);
            await writer.WriteFileAsync($"anchors/{cell.Region}.receipt.json", Encoding.UTF8.GetBytes(inclusion.Receipt!), ct);
        }
    }

    private static async Task InstallationEvidenceAsync(CellRegistry cells, ReportRequest request, EvidenceWriter writer, Action<string> step, CancellationToken ct)
    {
        const string scope = EvidenceWriter.Installation;
        step("residency and plaintext scan of every cell (reads every stored byte)");
        using (var output = new StringWriter(CultureInfo.InvariantCulture))
        {
            // Summary lines only: a finding's line says where a card number or another region's id sits, which is customer
            // content and does not belong in an installation-wide file.
            var scan = await ResidencyCommand.ScanAsync(cells, output, findings: false, ct);
            var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var findings = scan.Leaks + scan.CardNumbers;
            await writer.AddAsync("CC6.1", scope, "residency-scan", string.Create(CultureInfo.InvariantCulture,
                    $"Residency and card-number scan of every cell: {(scan.ExitCode == 0 ? "OK" : $"FAILED — {scan.Leaks} leaks, {scan.CardNumbers} card numbers stored")}"),
                "sigill residency report (summary lines only)", new
                {
                    exitCode = scan.ExitCode,
                    leaks = scan.Leaks,
                    cardNumbers = scan.CardNumbers,
                    lines,
                    findings = findings == 0 ? null : string.Create(CultureInfo.InvariantCulture,
                        $"{findings} findings are not copied here (where they are is customer content); run `sigill residency report` to see them"),
                }, null, findings == 0 ? null : string.Create(CultureInfo.InvariantCulture,
                    $"{findings} findings left out of this installation-wide file; run `sigill residency report` for them"), ct);
        }

        var web = request.Configuration.GetSection("Web");
        var tls = bool.TryParse(web["Tls"], out var t) && t;
        var tiers = cells.All.Select(c => new
        {
            region = c.Region,
            database = c.DatabaseProvider,
            blobs = c.Options.Blobs.Provider,
            keyProvider = c.Options.Keys.Provider,
        }).ToList();
        await writer.AddAsync("CC6.6", scope, "tiers", $"Tiers and cells: environment {request.Api.Environment}, {tiers.Count} regions, API tier behind the web tier's service credential",
            "the API tier's validated configuration (sigill api/web --config)", new
            {
                environment = request.Api.Environment,
                productionMode = request.Api.Environment == "production",
                serviceCredentialConfigured = request.Api.ServiceCredential.Length > 0,
                apiTier = "answers only requests that carry the web tier's service credential; holds every database, blob store and key provider",
                webTier = "the only public listener; no database connection string, no key material",
                cells = tiers,
                productionChecks = "in production the API tier refuses file keyrings without an explicit choice and requires TLS on the web tier (ApiTierOptions.Validate, WebTierOptions.Validate); sigill doctor per region is under CC6.6 in each region's folder",
            }, null, null, ct);
        await writer.AddAsync("CC6.7", scope, "transmission", $"Public tier: TLS {(tls ? "on, HSTS one year" : "off (development)")}; fixed security headers",
            "Web:Tls (configuration); Sigill.Web SecurityHeaders", new
            {
                webTls = tls,
                strictTransportSecurity = tls ? "max-age=31536000; includeSubDomains" : null,
                headers = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["Content-Security-Policy"] = "default-src 'self'; script-src 'self' 'nonce-…'; style-src 'self' 'nonce-…'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
                    ["X-Content-Type-Options"] = "nosniff",
                    ["Referrer-Policy"] = "no-referrer",
                    ["Cross-Origin-Opener-Policy"] = "same-origin",
                    ["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()",
                    ["Cache-Control"] = "no-store (pages)",
                },
                tlsScan = "CI scans deploy/nginx/sigill-web.conf with testssl.sh (TlsEdgeTests, docs/security-testing.md); scan the deployed host the same way",
            }, null, null, ct);

        step("CI records");
        if (request.CiResults is { } ci && (File.Exists(ci) || Directory.Exists(ci)))
        {
            var files = File.Exists(ci) ? [ci] : Directory.EnumerateFiles(ci).Order(StringComparer.Ordinal).ToArray();
            var tooLarge = files.Where(f => new FileInfo(f).Length > MaxCiFileBytes).ToList();
            if (tooLarge.Count > 0)
            {
                await writer.AddAsync("CC6.8", scope, "ci-not-copied", string.Create(CultureInfo.InvariantCulture,
                        $"CI records NOT copied, larger than {MaxCiFileBytes / 1_000_000} MB: {string.Join(", ", tooLarge.Select(Path.GetFileName))}"),
                    $"--ci-results {ci}", tooLarge.Select(f => new { file = Path.GetFileName(f), bytes = new FileInfo(f).Length }), null,
                    "keep these files with the bundle yourself; the report copies CI records up to 50 MB each", ct);
            }
            foreach (var file in files.Except(tooLarge))
            {
                var name = Path.GetFileName(file);
                await writer.AddFileAsync("CC6.8", $"evidence/{scope}/cc6.8-ci/{name}", $"CI record {name} ({new FileInfo(file).Length} bytes, written {File.GetLastWriteTimeUtc(file):yyyy-MM-dd HH:mm}Z)",
                    $"--ci-results {ci}", await File.ReadAllBytesAsync(file, ct), ct);
            }
        }
        writer.NoEvidence("CC6.8", request.CiResults is null
            ? "the product keeps no CI output: ./test.sh prints the scanners' results (==> security scanners: dependency advisories, secret scan, fuzzing, sqlmap, wapiti, testssl) and deploy/release.sh writes sbom.cdx.json; pass them with --ci-results DIR"
            : $"--ci-results {request.CiResults} holds no file");

        await writer.AddAsync("CC7.2", scope, "alert-rules", $"Alert rules: {AlertRules.All.Count}; on-call contact {(request.Alerts.Enabled ? "configured" : "NOT configured")}",
            "AlertRules.All and the Alerts configuration (contacts as configured or not, never their addresses)", new
            {
                rules = AlertRules.All.Select(r => new { r.Name, forSeconds = r.For.TotalSeconds, r.Latched }),
                primaryContact = request.Alerts.Primary.IsSet,
                secondaryContact = request.Alerts.Secondary.IsSet,
                evaluateEverySeconds = request.Alerts.EvaluateEvery.TotalSeconds,
                repeatEverySeconds = request.Alerts.RepeatEvery.TotalSeconds,
                escalateAfterSeconds = request.Alerts.EscalateAfter.TotalSeconds,
                checkpointMaxAgeSeconds = request.Alerts.CheckpointMaxAge.TotalSeconds,
                backupMaxAgeHours = request.Alerts.BackupMaxAge.TotalHours,
            }, null, null, ct);

        var version = typeof(ComplianceReport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        await writer.AddAsync("CC8.1", scope, "version", $"Running version {(plus < 0 ? version : version[..plus])}, commit {(plus < 0 ? "not recorded in this build" : version[(plus + 1)..])}",
            "the sigill assembly's informational version (the build stamps the git commit after '+')", new
            {
                version = plus < 0 ? version : version[..plus],
                commit = plus < 0 ? null : version[(plus + 1)..],
                runtime = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
                os = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            }, null, null, ct);
    }
}

/// <summary>
/// The installation's compliance signing key: derived from the audit-log seed of the first region (ordinal order of
/// region names) by <see cref="AuditLogKeyMaterial.ComplianceSigner"/>, named <c>&lt;host&gt;/&lt;installation id&gt;/compliance</c>.
/// </summary>
internal static class ComplianceKey
{
    public static NoteSigner Signer(AuditLogs logs)
    {
        var first = logs.All.OrderBy(l => l.Cell.Region, StringComparer.Ordinal).First();
        return Signer(first.Key ?? throw new InvalidOperationException($"The {first.Cell.Region} audit log has no key."), first.Cell.Region);
    }

    /// <summary>The signer from the audit-log key of <paramref name="region"/>, the first region in ordinal order; the caller disposes it.</summary>
    public static NoteSigner Signer(AuditLogKeyMaterial firstRegionKey, string region)
    {
        var suffix = "/audit/" + region;
        var origin = firstRegionKey.Origin;
        return firstRegionKey.ComplianceSigner((origin.EndsWith(suffix, StringComparison.Ordinal) ? origin[..^suffix.Length] : origin) + "/compliance");
    }
}
