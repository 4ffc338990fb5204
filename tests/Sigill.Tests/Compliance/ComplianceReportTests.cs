using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Alerts;
using Sigill.Api.Features.StaffAccess;
using Sigill.Api.Platform.Security;
using Sigill.Tests.Infrastructure;
using Sigill.Transparency;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Compliance;

/// <summary>
/// <c>sigill compliance report</c> and <c>verify</c> on an installation with real activity: every criterion is listed with
/// evidence or a reason, the bundle verifies against the installation's pinned keys, and a changed byte, a removed file
/// and a manifest re-signed by another key are each caught and named; without pinned keys nothing, not even a whole
/// forged bundle, is reported as verified.
/// </summary>
public sealed class ComplianceReportTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(5);

    private static readonly string[] Criteria =
        ["CC6.1", "CC6.2", "CC6.3", "CC6.6", "CC6.7", "CC6.8", "CC7.2", "CC7.3", "CC7.4", "CC8.1", "A1.2", "C1.2", "P-series", "Staff access"];

    [Fact]
    public async Task A_report_of_a_busy_period_holds_evidence_for_every_criterion_verifies_and_catches_three_kinds_of_tampering()
    {
        await using var app = await SigillApp.StartAsync();
        var org = await app.SetUpOrganizationAsync("Evidence AB", "eu");
        using var sender = app.Web(org.ApiToken);
        // A document sent and signed.
        var id = (await UploadOkAsync(sender, "Master services agreement", SamplePdf("Agreement"))).GetProperty("id").GetString()!;
        var recipient = await AddRecipientAsync(sender, id, "Sam Signer", "sam@evidence.example");
        await AddFieldAsync(sender, id, recipient, "signature", 100);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { message = "Please sign" });
        await SignAsync(app, LinkFor(app.DataDirectory, "eu", "sam@evidence.example"), new { typedName = "Sam Signer" });
        // A staff grant requested by an operator.
        var operatorCredential = await AddOperatorAsync(app, "eu");
        using (var asOperator = app.Web(operatorCredential))
        using (var grant = await asOperator.PostAsJsonAsync("/api/v1/support/grants", new
        {
            organizationId = org.OrganizationId,
            justification = "The customer asks why a reminder was not sent.",
            ticket = "SUP-7",
            access = "read",
            durationMinutes = 30,
        }))
        {
            Assert.True(grant.IsSuccessStatusCode, await grant.Content.ReadAsStringAsync());
        }
        // An access review: an owner of another organization reviews its members and tokens and attests.
        var reviewer = await Sigill.Tests.Identity.IdentityKit.SignUpAsync(app, "rhea.reviewer@evidence.example", "eu", "Reviewed AB");
        using (var asReviewer = app.Web(reviewer.Session))
        {
            const string reviews = "/api/v1/organization/access-reviews";
            var review = await PostOkAsync(asReviewer, reviews, new { });
            var reviewId = review.GetProperty("id").GetString()!;
            using (var decided = await asReviewer.PutAsJsonAsync($"{reviews}/{reviewId}/items",
                new { items = review.GetProperty("items").EnumerateArray().Select(i => new { id = i.GetProperty("id").GetString(), decision = "keep" }).ToList() }))
            {
                Assert.True(decided.IsSuccessStatusCode, await decided.Content.ReadAsStringAsync());
            }
            using var attested = await asReviewer.PostAsJsonAsync($"{reviews}/{reviewId}/attest", new { });
            Assert.True(attested.IsSuccessStatusCode, await attested.Content.ReadAsStringAsync());
            // A data-subject search (P-series evidence, counted).
            using var searched = await asReviewer.PostAsJsonAsync("/api/v1/privacy/search", new { email = "sam@evidence.example" });
            Assert.True(searched.IsSuccessStatusCode, await searched.Content.ReadAsStringAsync());
            using var held = await asReviewer.PostAsJsonAsync("/api/v1/privacy/holds", new { scope = "organization", reason = "Evidence hold" });
            Assert.True(held.IsSuccessStatusCode, await held.Content.ReadAsStringAsync());
        }
        // An alert that fired.
        string alertId;
        await using (var db = app.Cells.Get("eu").CreateDbContext())
        {
            var row = new AlertRow { Id = Sigill.Api.Platform.Cells.SigillId.New("alr", "eu"), Rule = "SigillBackupTooOld", Subject = "eu", OpenKey = "SigillBackupTooOld|eu", Summary = "The newest backup of region eu is 30.0 hours old.", FiredAt = DateTime.UtcNow.AddMinutes(-5), LastNotifiedAt = DateTime.UtcNow, Notifications = 1 };
            db.Add(row);
            await db.SaveChangesAsync();
            alertId = row.Id;
        }
        await using (var db = app.Cells.Get("eu").CreateDbContext())
        {
            // 500 later alerts, fired after the period: the period's one must still be found (not only the newest 500).
            for (var i = 0; i < 500; i++)
            {
                var at = DateTime.UtcNow.AddDays(3).AddMinutes(i);
                db.Add(new AlertRow { Id = Sigill.Api.Platform.Cells.SigillId.New("alr", "eu"), Rule = "SigillBackupTooOld", Subject = "eu", Summary = "Later.", FiredAt = at, LastNotifiedAt = at, ResolvedAt = at, Notifications = 1 });
            }
            // A card number stored in clear: the residency scan finds it, and where it is must not reach the installation-wide files.
            await db.Set<Sigill.Api.Features.Documents.Document>().Where(d => d.Id == id).ExecuteUpdateAsync(u => u.SetProperty(d => d.Source, "5555555555554444"));
            await db.SaveChangesAsync();
        }
        await app.StopServerAsync();
        Assert.Equal(0, (await SigillProcess.RunAsync(Generous, "alerts", "ack", alertId, "--by", "alice", "--data", app.DataDirectory)).ExitCode);
        // The operators' review of staff credentials.
        var staffReview = await SigillProcess.RunAsync(Generous, "operators", "review", "--region", "eu", "--keep", "alice", "--attest-by", "olof", "--data", app.DataDirectory);
        Assert.True(staffReview.ExitCode == 0, staffReview.Stdout + staffReview.Stderr);
        // A backup and a drill.
        using var target = new TempDirectory();
        var backups = target.Combine("backups");
        Assert.Equal(0, (await SigillProcess.RunAsync(Generous, "backup", "--data", app.DataDirectory, "--region", "eu", "--to", backups)).ExitCode);
        Assert.Equal(0, (await SigillProcess.RunAsync(Generous, "backup", "drill", "--data", app.DataDirectory, "--from", backups)).ExitCode);

        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var bundle = target.Combine("bundle");
        var report = await SigillProcess.RunAsync(Generous, "compliance", "report", "--data", app.DataDirectory, "--from", today, "--to", today, "--out", bundle, "--backups", backups);
        Assert.True(report.ExitCode == 0, report.Stdout + report.Stderr);
        Assert.Contains("compliance: eu: audit log verification", report.Stderr, StringComparison.Ordinal); // progress on stderr

        using var index = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(bundle, "index.json")));
        var criteria = index.RootElement.GetProperty("criteria").EnumerateArray().ToDictionary(c => c.GetProperty("id").GetString()!);
        Assert.Equal(Criteria, criteria.Keys.ToArray());
        string Shows(string criterion, string file) => criteria[criterion].GetProperty("items").EnumerateArray()
            .Single(i => i.GetProperty("file").GetString() == file).GetProperty("shows").GetString()!;
        Assert.Matches(@"Key status of region eu: provider file-keyring, 1 root key versions", Shows("CC6.1", "evidence/eu/cc6.1-keys.json"));
        Assert.Equal("Residency and card-number scan of every cell: FAILED — 0 leaks, 1 card numbers stored", Shows("CC6.1", "evidence/installation/cc6.1-residency-scan.json"));
        // Two sign-ups (the organization's owner, the reviewer): each records user.created and member.added, one joiner each.
        Assert.Equal("Joiners and leavers in region eu: 2 joined, 0 left, 0 role changes; 2 accounts created", Shows("CC6.2", "evidence/eu/cc6.2-joiners-leavers.json"));
        Assert.Equal("Access-review attestations in region eu: 1 by organization admins, 1 of staff credentials", Shows("CC6.2", "evidence/eu/cc6.2-access-reviews.json"));
        Assert.Matches(@"[1-9]\d* organizations, [1-9]\d* memberships", Shows("CC6.3", "evidence/eu/cc6.3-members-roles-mfa.json"));
        Assert.Matches(@"API tokens of region eu: [1-9]\d* tokens", Shows("CC6.3", "evidence/eu/cc6.3-api-tokens.json"));
        Assert.Contains("Tiers and cells: environment development, 2 regions", Shows("CC6.6", "evidence/installation/cc6.6-tiers.json"), StringComparison.Ordinal);
        Assert.Matches(@"sigill doctor of region eu: \d+ problems", Shows("CC6.6", "evidence/eu/cc6.6-doctor.json"));
        Assert.Contains("Public tier: TLS off", Shows("CC6.7", "evidence/installation/cc6.7-transmission.json"), StringComparison.Ordinal);
        Assert.Contains("--ci-results", criteria["CC6.8"].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("audit log eu: OK", Shows("CC7.2", "evidence/eu/cc7.2-audit-verify.json"), StringComparison.Ordinal);
        Assert.Equal("Alerts fired in region eu: 1", Shows("CC7.3", "evidence/eu/cc7.3-alerts-fired.json"));
        Assert.Contains("1 of 1 acknowledged", Shows("CC7.4", "evidence/eu/cc7.4-alert-response.json"), StringComparison.Ordinal);
        Assert.Matches(@"Database migrations of region eu \(sqlite\): [1-9]\d* applied, 0 pending", Shows("CC8.1", "evidence/eu/cc8.1-migrations.json"));
        Assert.StartsWith("Running version ", Shows("CC8.1", "evidence/installation/cc8.1-version.json"), StringComparison.Ordinal);
        Assert.Equal("Backups of region eu in the period: 1, 1 verified (every entry's SHA-256 after decryption)", Shows("A1.2", "evidence/eu/a1.2-backups.json"));
        Assert.Matches(@"Restore drills of region eu in the period: 1, 1 passed, last recovery time [\d.]+ s", Shows("A1.2", "evidence/eu/a1.2-drills.json"));
        Assert.Equal("Data-subject searches in region eu: 1 by 1 organizations", Shows("P-series", "evidence/eu/p-subject-searches.json"));
        Assert.Contains("30-day deadline", criteria["P-series"].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("1 privacy.hold_set", Shows("P-series", "evidence/eu/p-privacy-actions.json"), StringComparison.Ordinal);
        Assert.Matches(@"Staff access in region eu: 1 grants \(0 break-glass\), [1-9]\d* staff-access events", Shows("Staff access", "evidence/eu/staff-grants-and-actions.json"));
        // The installation-wide files hold no customer content.
        foreach (var file in new[] { "index.json" }.Concat(Directory.GetFiles(Path.Combine(bundle, "evidence", "installation")).Select(f => Path.GetRelativePath(bundle, f))))
        {
            var text = await File.ReadAllTextAsync(Path.Combine(bundle, file));
            Assert.DoesNotContain("Evidence AB", text, StringComparison.Ordinal);
            Assert.DoesNotContain("sam@evidence.example", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Master services agreement", text, StringComparison.Ordinal);
            // The residency scan's findings say where customer data sits: summary lines only.
            Assert.DoesNotContain("555555…4444", text, StringComparison.Ordinal);
            Assert.DoesNotContain("CARD NUMBER", text, StringComparison.Ordinal);
            Assert.DoesNotContain("LEAK:", text, StringComparison.Ordinal);
        }
        Assert.StartsWith("%PDF-", Encoding.ASCII.GetString(await File.ReadAllBytesAsync(Path.Combine(bundle, "summary.pdf")), 0, 5), StringComparison.Ordinal);

        // The installation's keys, as an auditor pins them; then verify offline.
        var keys = await SigillProcess.RunAsync(Generous, "compliance", "key", "--data", app.DataDirectory);
        Assert.Equal(0, keys.ExitCode);
        var lines = keys.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var complianceKey = lines.Single(l => l.StartsWith("compliance ", StringComparison.Ordinal))["compliance ".Length..];
        var auditKeys = lines.Where(l => l.StartsWith("audit ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]).ToList();
        string[] Pinned(string dir) => ["compliance", "verify", dir, "--key", complianceKey, .. auditKeys.SelectMany(k => new[] { "--audit-key", k })];
        var verified = await SigillProcess.RunAsync(Generous, Pinned(bundle));
        Assert.True(verified.ExitCode == 0, verified.Stdout + verified.Stderr);
        Assert.Contains("ok: anchor eu: leaf ", verified.Stdout, StringComparison.Ordinal);
        Assert.Contains("checkpoint signed by the pinned audit key", verified.Stdout, StringComparison.Ordinal);
        Assert.Contains("compliance verify: OK", verified.Stdout, StringComparison.Ordinal);
        // Unpinned, the same intact bundle is consistent but not authenticated: never OK, exit 1.
        var unpinnedGood = await SigillProcess.RunAsync(Generous, "compliance", "verify", bundle);
        Assert.True(unpinnedGood.ExitCode == 1, unpinnedGood.Stdout + unpinnedGood.Stderr);
        Assert.Contains("compliance verify: NOT AUTHENTICATED", unpinnedGood.Stdout, StringComparison.Ordinal);
        Assert.Contains("--audit-key", unpinnedGood.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("compliance verify: OK", unpinnedGood.Stdout, StringComparison.Ordinal);
        var online = await SigillProcess.RunAsync(Generous, "compliance", "verify", bundle, "--online", "--data", app.DataDirectory);
        Assert.True(online.ExitCode == 0, online.Stdout + online.Stderr);
        Assert.Contains("found at leaf", online.Stdout, StringComparison.Ordinal);

        // 1. One changed byte.
        var changed = Copy(bundle, target.Combine("changed"));
        var drillsFile = Path.Combine(changed, "evidence", "eu", "a1.2-drills.json");
        var bytes = await File.ReadAllBytesAsync(drillsFile);
        bytes[bytes.Length / 2] ^= 0x01;
        await File.WriteAllBytesAsync(drillsFile, bytes);
        var one = await SigillProcess.RunAsync(Generous, Pinned(changed));
        Assert.Equal(1, one.ExitCode);
        Assert.Contains("FAILED: file changed: evidence/eu/a1.2-drills.json", one.Stdout, StringComparison.Ordinal);

        // 2. A removed file.
        var removed = Copy(bundle, target.Combine("removed"));
        File.Delete(Path.Combine(removed, "evidence", "eu", "cc7.3-alerts-fired.json"));
        var two = await SigillProcess.RunAsync(Generous, Pinned(removed));
        Assert.Equal(1, two.ExitCode);
        Assert.Contains("FAILED: file missing: evidence/eu/cc7.3-alerts-fired.json", two.Stdout, StringComparison.Ordinal);

        // 3. The manifest re-signed by another key (its evidence edited to hide the alert, the hashes updated to match).
        var resigned = Copy(bundle, target.Combine("resigned"));
        File.Delete(Path.Combine(resigned, "evidence", "eu", "cc7.3-alerts-fired.json"));
        var note = await File.ReadAllTextAsync(Path.Combine(resigned, "manifest.txt"));
        using var forger = NoteSigner.Generate("forger.example/compliance");
        var body = note[..(note.LastIndexOf("\n\n", StringComparison.Ordinal) + 1)];
        body = string.Join('\n', body.Split('\n').Where(l => !l.EndsWith(" evidence/eu/cc7.3-alerts-fired.json", StringComparison.Ordinal))
            .Select(l => l.StartsWith("signer ", StringComparison.Ordinal) ? "signer " + forger.VerifierKey : l));
        await File.WriteAllTextAsync(Path.Combine(resigned, "manifest.txt"), SignedNote.Sign(body, forger));
        var three = await SigillProcess.RunAsync(Generous, Pinned(resigned));
        Assert.Equal(1, three.ExitCode);
        Assert.Contains("FAILED: manifest signature: the manifest names signer forger.example/compliance+", three.Stdout, StringComparison.Ordinal);
        Assert.Contains("FAILED: manifest signature: not signed by ", three.Stdout, StringComparison.Ordinal);
        // Unpinned, the forged signature checks out against the forger's own key, but the audit logs anchored another manifest.
        var unpinned = await SigillProcess.RunAsync(Generous, "compliance", "verify", resigned);
        Assert.Equal(1, unpinned.ExitCode);
        Assert.Contains("FAILED: anchor eu: the audit log anchored manifest SHA-256 ", unpinned.Stdout, StringComparison.Ordinal);
        Assert.Contains("FAILED: anchor us: the audit log anchored manifest SHA-256 ", unpinned.Stdout, StringComparison.Ordinal);

        // 4. A whole forgery: the edited manifest signed by the forger, and each region's anchor re-made in the forger's own
        // log with the real origin (own checkpoint key, own receipt). Consistent in itself, so never authenticated unpinned,
        // and the receipts fail under the pinned audit keys.
        var forged = await ForgeAsync(bundle, target.Combine("forged"), claimKeyOf: false);
        var forgedUnpinned = await SigillProcess.RunAsync(Generous, "compliance", "verify", forged);
        Assert.True(forgedUnpinned.ExitCode == 1, forgedUnpinned.Stdout + forgedUnpinned.Stderr);
        Assert.DoesNotContain("FAILED", forgedUnpinned.Stdout, StringComparison.Ordinal); // it is consistent: only the pinned keys tell
        Assert.Contains("compliance verify: NOT AUTHENTICATED", forgedUnpinned.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("compliance verify: OK", forgedUnpinned.Stdout, StringComparison.Ordinal);
        string[] auditOnly = [.. auditKeys.SelectMany(k => new[] { "--audit-key", k })];
        var forgedAudit = await SigillProcess.RunAsync(Generous, ["compliance", "verify", forged, .. auditOnly]);
        Assert.Equal(1, forgedAudit.ExitCode);
        Assert.Contains("FAILED: anchor eu: the receipt does not verify (UntrustedVerifierKey", forgedAudit.Stdout, StringComparison.Ordinal);
        Assert.Contains("FAILED: anchor us: the receipt does not verify (UntrustedVerifierKey", forgedAudit.Stdout, StringComparison.Ordinal);
        Assert.Equal(1, (await SigillProcess.RunAsync(Generous, Pinned(forged))).ExitCode);
        // The same, its receipts naming the real audit key while the forger signed their checkpoints.
        var lying = await ForgeAsync(bundle, target.Combine("lying"), claimKeyOf: true);
        var lyingAudit = await SigillProcess.RunAsync(Generous, ["compliance", "verify", lying, .. auditOnly]);
        Assert.Equal(1, lyingAudit.ExitCode);
        Assert.Contains("FAILED: anchor eu: the receipt does not verify (CheckpointInvalid", lyingAudit.Stdout, StringComparison.Ordinal);
        Assert.Contains("FAILED: anchor us: the receipt does not verify (CheckpointInvalid", lyingAudit.Stdout, StringComparison.Ordinal);

        // 5. Hostile input: a region name that would climb out of anchors/, and a file slipped into anchors/.
        var hostile = Copy(bundle, target.Combine("hostile"));
        var hostileBody = note[..(note.LastIndexOf("\n\n", StringComparison.Ordinal) + 1)].Replace("region eu\n", "region ../../eu\n", StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(hostile, "manifest.txt"), SignedNote.Sign(hostileBody, forger));
        var climbing = await SigillProcess.RunAsync(Generous, Pinned(hostile));
        Assert.Equal(1, climbing.ExitCode);
        Assert.Contains("FAILED: manifest.txt is not a signed compliance manifest: the manifest has a line it does not understand: \"region ../../eu\"", climbing.Stdout, StringComparison.Ordinal);
        var slipped = Copy(bundle, target.Combine("slipped"));
        await File.WriteAllTextAsync(Path.Combine(slipped, "anchors", "extra.txt"), "not listed");
        var four = await SigillProcess.RunAsync(Generous, Pinned(slipped));
        Assert.Equal(1, four.ExitCode);
        Assert.Contains("FAILED: file not in the manifest: anchors/extra.txt", four.Stdout, StringComparison.Ordinal);
    }

    /// <summary>
    /// A copy of <paramref name="bundle"/> with one evidence file dropped, its manifest signed by a forger's key and each
    /// region's anchor re-made: the event carrying the forged manifest's hash and signer, as the only leaf of a log of
    /// the forger's with the real log's origin. With <paramref name="claimKeyOf"/> the receipts name the real audit key.
    /// </summary>
    private static async Task<string> ForgeAsync(string bundle, string to, bool claimKeyOf)
    {
        var forged = Copy(bundle, to);
        File.Delete(Path.Combine(forged, "evidence", "eu", "cc7.3-alerts-fired.json"));
        var note = await File.ReadAllTextAsync(Path.Combine(forged, "manifest.txt"));
        using var forger = NoteSigner.Generate("forger.example/compliance");
        var body = note[..(note.LastIndexOf("\n\n", StringComparison.Ordinal) + 1)];
        body = string.Join('\n', body.Split('\n').Where(l => !l.EndsWith(" evidence/eu/cc7.3-alerts-fired.json", StringComparison.Ordinal))
            .Select(l => l.StartsWith("signer ", StringComparison.Ordinal) ? "signer " + forger.VerifierKey : l));
        var manifestBytes = Encoding.UTF8.GetBytes(SignedNote.Sign(body, forger));
        await File.WriteAllBytesAsync(Path.Combine(forged, "manifest.txt"), manifestBytes);
        var manifestHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(manifestBytes));
        foreach (var region in new[] { "eu", "us" })
        {
            var anchors = Path.Combine(forged, "anchors");
            var real = Receipt.Parse(await File.ReadAllTextAsync(Path.Combine(anchors, $"{region}.receipt.json")), out _)!;
            var anchor = JsonNode.Parse(await File.ReadAllBytesAsync(Path.Combine(anchors, $"{region}.event.json")))!;
            anchor["details"]!["manifest_sha256"] = manifestHash;
            anchor["details"]!["signer"] = forger.VerifierKey;
            var eventBytes = Encoding.UTF8.GetBytes(anchor.ToJsonString());
            var salt = LeafCommitment.NewSalt();
            var commitment = LeafCommitment.Compute(salt, eventBytes);
            using var log = NoteSigner.Generate(real.Origin);
            var checkpoint = new Checkpoint(real.Origin, 1, LeafCommitment.LeafHash(commitment)).Sign(log);
            var receipt = Receipt.Create(real.Origin, 0, commitment, [], checkpoint, claimKeyOf ? real.VerifierKey : log.VerifierKey, salt, LeafCommitment.HashEvent(eventBytes));
            await File.WriteAllBytesAsync(Path.Combine(anchors, $"{region}.event.json"), eventBytes);
            await File.WriteAllTextAsync(Path.Combine(anchors, $"{region}.receipt.json"), receipt.ToJson());
        }
        return forged;
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_period_with_no_activity_still_lists_every_criterion_with_its_reason_and_verifies(Backend backend)
    {
        await using var app = await SigillApp.StartAsync(backend);
        await app.SetUpOrganizationAsync("Quiet AB", "us");
        await app.StopServerAsync();
        using var target = new TempDirectory();
        var bundle = target.Combine("bundle");
        string[] installation = app.ConfigFile is { } config ? ["--data", app.DataDirectory, "--config", config] : ["--data", app.DataDirectory];
        var report = await SigillProcess.RunAsync(Generous, ["compliance", "report", "--from", "2020-01-01", "--to", "2020-03-31", "--out", bundle, .. installation]);
        Assert.True(report.ExitCode == 0, report.Stdout + report.Stderr);

        using var index = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(bundle, "index.json")));
        var criteria = index.RootElement.GetProperty("criteria").EnumerateArray().ToDictionary(c => c.GetProperty("id").GetString()!);
        Assert.Equal(Criteria, criteria.Keys.ToArray());
        foreach (var id in new[] { "CC6.8", "CC7.3", "CC7.4", "A1.2", "C1.2", "P-series", "Staff access" })
        {
            Assert.False(string.IsNullOrWhiteSpace(criteria[id].GetProperty("reason").GetString()), $"{id} has no reason");
        }
        Assert.StartsWith("no activity in the period: no alerts fired", criteria["CC7.3"].GetProperty("reason").GetString(), StringComparison.Ordinal);
        // State is evidence whatever the period: keys, members, configuration.
        Assert.Equal(JsonValueKind.Null, criteria["CC6.1"].GetProperty("reason").ValueKind);

        var verified = await SigillProcess.RunAsync(Generous, ["compliance", "verify", bundle, "--online", .. installation]);
        Assert.True(verified.ExitCode == 0, verified.Stdout + verified.Stderr);

        var empty = await SigillProcess.RunAsync(Generous, ["compliance", "report", "--from", "2020-04-01", "--to", "2020-03-31", "--out", target.Combine("bad"), .. installation]);
        Assert.Equal(2, empty.ExitCode);
        Assert.Contains("the period is empty", empty.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(target.Combine("bad")));
    }

    private static string Copy(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
        return to;
    }

    private static async Task<string> AddOperatorAsync(SigillApp app, string region)
    {
        await using var db = app.Cells.Get(region).CreateDbContext();
        var (presented, id, hash) = PresentedSecret.Operator.Issue(region);
        db.Operators.Add(new Operator { Id = id, Name = "alice", SecretHash = hash, CreatedAt = DateTime.UtcNow });
        await db.SaveChangesAsync();
        return presented;
    }
}
