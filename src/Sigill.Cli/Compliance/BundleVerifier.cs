using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Sigill.Transparency;

namespace Sigill.Cli.Compliance;

/// <summary>The outcome of <see cref="BundleVerifier.Verify"/>: every failure by name, and what was checked.</summary>
internal sealed record BundleVerification(IReadOnlyList<string> Failures, IReadOnlyList<string> Checked, BundleManifest? Manifest)
{
    public bool Ok => Failures.Count == 0;
}

/// <summary>
/// Checks a compliance bundle offline (docs/formats/compliance-bundle.md):
/// <list type="number">
/// <item>the manifest is a signed note by the pinned compliance key (or, unpinned, by the key it names — said so);</item>
/// <item>every listed file exists with its size and SHA-256, and no file is there that the manifest does not list;</item>
/// <item>for every region the manifest names, the anchoring event's receipt verifies (checkpoint signature by the pinned
/// audit key of that region or, unpinned, the receipt's own key; inclusion proof; the event bytes open the leaf), and the
/// event is this report's anchor carrying the SHA-256 of exactly this manifest.txt and this signer.</item>
/// </list>
/// Every failure is collected, not only the first, so an auditor sees all that is wrong at once.
/// </summary>
internal static class BundleVerifier
{
    public static BundleVerification Verify(string root, string? pinnedKey, IReadOnlyCollection<string> pinnedAuditKeys)
    {
        var failures = new List<string>();
        var checkedItems = new List<string>();
        var manifestPath = Path.Combine(root, BundleManifest.FileName);
        if (!File.Exists(manifestPath))
        {
            return new([$"{BundleManifest.FileName} is missing"], checkedItems, null);
        }
        var noteBytes = File.ReadAllBytes(manifestPath);
        var note = Encoding.UTF8.GetString(noteBytes);
        var split = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        var manifest = split < 0 ? null : BundleManifest.Parse(note[..(split + 1)], out var parseError) is { } m ? m : null;
        if (manifest is null)
        {
            return new([$"{BundleManifest.FileName} is not a signed compliance manifest"], checkedItems, null);
        }

        // 1. The signature.
        var keyText = pinnedKey ?? manifest.Signer;
        if (!NoteVerifier.TryParse(keyText, out var verifier, out var keyError))
        {
            failures.Add($"manifest signature: the {(pinnedKey is null ? "manifest's signer" : "pinned")} key is not a verifier key ({keyError})");
        }
        else
        {
            if (pinnedKey is not null && manifest.Signer != pinnedKey)
            {
                failures.Add($"manifest signature: the manifest names signer {manifest.Signer}, not the pinned key");
            }
            var opened = SignedNote.Open(note, verifier);
            if (!opened.IsValid)
            {
                failures.Add($"manifest signature: not signed by {verifier.Name}+{verifier.KeyHash:x8} ({opened.Error}: {opened.Detail})");
            }
            else
            {
                checkedItems.Add(pinnedKey is null
                    ? $"manifest signed by {manifest.Signer} — UNTRUSTED: the key named in the bundle itself; pin it with --key"
                    : $"manifest signed by the pinned key {verifier.Name}+{verifier.KeyHash:x8}");
            }
        }

        // 2. Every file.
        var listed = new HashSet<string>(StringComparer.Ordinal);
        var good = 0;
        foreach (var (sha256, size, path) in manifest.Files)
        {
            listed.Add(path);
            var full = Path.Combine(root, path.Replace('/', Path.DirectorySeparatorChar));
            if (!File.Exists(full))
            {
                failures.Add($"file missing: {path}");
                continue;
            }
            using var stream = File.OpenRead(full);
            var actual = Convert.ToHexStringLower(SHA256.HashData(stream));
            if (stream.Length != size || actual != sha256)
            {
                failures.Add($"file changed: {path} (SHA-256 {actual}, the manifest says {sha256})");
                continue;
            }
            good++;
        }
        foreach (var extra in BundleManifest.ListFiles(root).Where(p => !listed.Contains(p)))
        {
            failures.Add($"file not in the manifest: {extra}");
        }
        checkedItems.Add($"{good} of {manifest.Files.Count} files match their SHA-256");

        // 3. The anchors.
        var manifestHash = Convert.ToHexStringLower(SHA256.HashData(noteBytes));
        foreach (var region in manifest.Regions)
        {
            CheckAnchor(root, region, manifest, manifestHash, pinnedAuditKeys, failures, checkedItems);
        }
        if (manifest.Regions.Count == 0)
        {
            failures.Add("the manifest names no region whose audit log anchors it");
        }
        return new(failures, checkedItems, manifest);
    }

    private static void CheckAnchor(string root, string region, BundleManifest manifest, string manifestHash, IReadOnlyCollection<string> pinnedAuditKeys,
        List<string> failures, List<string> checkedItems)
    {
        var receiptPath = Path.Combine(root, BundleManifest.AnchorsFolder, region + ".receipt.json");
        var eventPath = Path.Combine(root, BundleManifest.AnchorsFolder, region + ".event.json");
        if (!File.Exists(receiptPath) || !File.Exists(eventPath))
        {
            var missing = new[] { receiptPath, eventPath }.Where(p => !File.Exists(p)).Select(p => $"{BundleManifest.AnchorsFolder}/{Path.GetFileName(p)}");
            failures.Add($"anchor {region}: {string.Join(", ", missing)} missing");
            return;
        }
        var receiptJson = File.ReadAllText(receiptPath);
        var eventBytes = File.ReadAllBytes(eventPath);
        var receipt = Receipt.Parse(receiptJson, out var receiptError);
        string? trusted = null;
        if (receipt is not null && pinnedAuditKeys.Count > 0)
        {
            trusted = pinnedAuditKeys.FirstOrDefault(k => k.StartsWith(receipt.Origin + "+", StringComparison.Ordinal));
            if (trusted is null)
            {
                failures.Add($"anchor {region}: no pinned audit key for the log {receipt.Origin}");
                return;
            }
        }
        var result = ReceiptVerifier.Verify(receiptJson, trusted, eventBytes);
        if (!result.IsValid)
        {
            failures.Add($"anchor {region}: the receipt does not verify ({result.Status}: {result.Detail}){(receipt is null ? $" {receiptError}" : "")}");
            return;
        }
        try
        {
            using var json = JsonDocument.Parse(eventBytes);
            var e = json.RootElement;
            var details = e.GetProperty("details");
            string Detail(string name) => details.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
            if (e.GetProperty("action").GetString() != ComplianceReport.AnchorAction || e.GetProperty("region").GetString() != region
                || e.GetProperty("target").GetString() != manifest.Report)
            {
                failures.Add($"anchor {region}: the anchored event is not the anchor of report {manifest.Report} in region {region}");
            }
            else if (Detail("manifest_sha256") != manifestHash)
            {
                failures.Add($"anchor {region}: the audit log anchored manifest SHA-256 {Detail("manifest_sha256")}, but manifest.txt hashes to {manifestHash}");
            }
            else if (Detail("signer") != manifest.Signer)
            {
                failures.Add($"anchor {region}: the audit log anchored signer {Detail("signer")}, not the manifest's {manifest.Signer}");
            }
            else
            {
                checkedItems.Add($"anchor {region}: leaf {result.Receipt!.LeafIndex} of {result.Checkpoint!.Origin} at tree size {result.Checkpoint.Size}, inclusion proof OK, "
                    + (result.KeyTrusted ? "checkpoint signed by the pinned audit key" : "checkpoint key UNTRUSTED (taken from the receipt; pin it with --audit-key)"));
            }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            failures.Add($"anchor {region}: the anchored event is not an audit event");
        }
    }
}
