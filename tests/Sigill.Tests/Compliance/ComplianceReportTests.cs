using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
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
/// and a manifest re-signed by another key are each caught and named.
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
        Assert.Contains("Residency and card-number scan of every cell: OK", Shows("CC6.1", "evidence/installation/cc6.1-residency-scan.json"), StringComparison.Ordinal);
        Assert.Matches(@"Joiners and leavers in region eu: \d+ joined", Shows("CC6.2", "evidence/eu/cc6.2-joiners-leavers.json"));
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
        Assert.Contains("issue 18", criteria["P-series"].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Matches(@"Staff access in region eu: 1 grants \(0 break-glass\), [1-9]\d* staff-access events", Shows("Staff access", "evidence/eu/staff-grants-and-actions.json"));
        // The installation-wide files hold no customer content.
        foreach (var file in new[] { "index.json" }.Concat(Directory.GetFiles(Path.Combine(bundle, "evidence", "installation")).Select(f => Path.GetRelativePath(bundle, f))))
        {
            var text = await File.ReadAllTextAsync(Path.Combine(bundle, file));
            Assert.DoesNotContain("Evidence AB", text, StringComparison.Ordinal);
            Assert.DoesNotContain("sam@evidence.example", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Master services agreement", text, StringComparison.Ordinal);
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
