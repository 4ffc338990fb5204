using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Sigill.Transparency;

namespace Sigill.Cli.Compliance;

/// <summary>
/// The outcome of <see cref="BundleVerifier.Verify"/>: every failure by name, what was checked against a pinned key,
/// and what was checked only against a key the bundle carries itself (<see cref="Unauthenticated"/>): a forger can
/// replace such a key together with what it signs, so that check proves nothing about who made the bundle.
/// </summary>
internal sealed record BundleVerification(IReadOnlyList<string> Failures, IReadOnlyList<string> Checked, IReadOnlyList<string> Unauthenticated, BundleManifest? Manifest)
{
    /// <summary>No failure and every signature checked against a pinned key.</summary>
    public bool Ok => Failures.Count == 0 && Unauthenticated.Count == 0;
}

/// <summary>
/// Checks a compliance bundle offline (docs/compliance.md, "What verify checks"):
/// <list type="number">
/// <item>the manifest is a signed note by the pinned compliance key (or, unpinned, by the key it names — unauthenticated);</item>
/// <item>every listed file exists with its size and SHA-256, and no file is there that the manifest does not list
/// (under <c>anchors/</c>: no file but each named region's receipt and event);</item>
/// <item>for every region the manifest names, the anchoring event's receipt verifies (checkpoint signature by the pinned
/// audit key of that region or, unpinned, the receipt's own key — unauthenticated; inclusion proof; the event bytes open
/// the leaf), and the event is this report's anchor carrying the SHA-256 of exactly this manifest.txt and this signer.</item>
/// </list>
/// Every failure is collected, not only the first, so an auditor sees all that is wrong at once. The bundle is hostile
/// input: region names are checked before they become file names, and files read whole are capped in size.
/// </summary>
internal static class BundleVerifier
{
    /// <summary>Largest manifest.txt read (about 150,000 files).</summary>
    public const long MaxManifestBytes = 16 * 1024 * 1024;

    /// <summary>Largest anchors/ receipt or event read (each is a few kilobytes).</summary>
    public const long MaxAnchorFileBytes = 1024 * 1024;

    public static BundleVerification Verify(string root, string? pinnedKey, IReadOnlyCollection<string> pinnedAuditKeys)
    {
        var failures = new List<string>();
        var checkedItems = new List<string>();
        var unauthenticated = new List<string>();
        var manifestPath = Path.Combine(root, BundleManifest.FileName);
        if (!File.Exists(manifestPath))
        {
            return new([$"{BundleManifest.FileName} is missing"], checkedItems, unauthenticated, null);
        }
        if (!TryRead(manifestPath, MaxManifestBytes, out var noteBytes))
        {
            return new([$"{BundleManifest.FileName} is larger than {MaxManifestBytes} bytes"], checkedItems, unauthenticated, null);
        }
        var note = Encoding.UTF8.GetString(noteBytes);
        var split = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        string? parseError = "it has no signature block";
        var manifest = split < 0 ? null : BundleManifest.Parse(note[..(split + 1)], out parseError);
        if (manifest is null)
        {
            return new([$"{BundleManifest.FileName} is not a signed compliance manifest: {parseError}"], checkedItems, unauthenticated, null);
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
            else if (pinnedKey is null)
            {
                unauthenticated.Add($"manifest signed by {manifest.Signer}, the key named in the bundle itself (pin the installation's with --key)");
            }
            else
            {
                checkedItems.Add($"manifest signed by the pinned key {verifier.Name}+{verifier.KeyHash:x8}");
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
            CheckAnchor(root, region, manifest, manifestHash, pinnedAuditKeys, failures, checkedItems, unauthenticated);
        }
        if (manifest.Regions.Count == 0)
        {
            failures.Add("the manifest names no region whose audit log anchors it");
        }
        var anchors = Path.Combine(root, BundleManifest.AnchorsFolder);
        if (Directory.Exists(anchors))
        {
            var expected = manifest.Regions.SelectMany(r => new[] { $"{r}.receipt.json", $"{r}.event.json" }).ToHashSet(StringComparer.Ordinal);
            foreach (var extra in Directory.EnumerateFiles(anchors, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(anchors, f).Replace(Path.DirectorySeparatorChar, '/')).Where(p => !expected.Contains(p)).Order(StringComparer.Ordinal))
            {
                failures.Add($"file not in the manifest: {BundleManifest.AnchorsFolder}/{extra} (not an anchor of a region the manifest names)");
            }
        }
        return new(failures, checkedItems, unauthenticated, manifest);
    }

    /// <summary>The whole file, unless it is larger than <paramref name="max"/> bytes.</summary>
    private static bool TryRead(string path, long max, out byte[] bytes)
    {
        using var stream = File.OpenRead(path);
        if (stream.Length > max)
        {
            bytes = [];
            return false;
        }
        bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return true;
    }

    private static void CheckAnchor(string root, string region, BundleManifest manifest, string manifestHash, IReadOnlyCollection<string> pinnedAuditKeys,
        List<string> failures, List<string> checkedItems, List<string> unauthenticated)
    {
        var receiptPath = Path.Combine(root, BundleManifest.AnchorsFolder, region + ".receipt.json");
        var eventPath = Path.Combine(root, BundleManifest.AnchorsFolder, region + ".event.json");
        if (!File.Exists(receiptPath) || !File.Exists(eventPath))
        {
            var missing = new[] { receiptPath, eventPath }.Where(p => !File.Exists(p)).Select(p => $"{BundleManifest.AnchorsFolder}/{Path.GetFileName(p)}");
            failures.Add($"anchor {region}: {string.Join(", ", missing)} missing");
            return;
        }
        if (!TryRead(receiptPath, MaxAnchorFileBytes, out var receiptBytes) || !TryRead(eventPath, MaxAnchorFileBytes, out var eventBytes))
        {
            failures.Add($"anchor {region}: its receipt or event is larger than {MaxAnchorFileBytes} bytes");
            return;
        }
        var receiptJson = Encoding.UTF8.GetString(receiptBytes);
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
            else if (result.KeyTrusted)
            {
                checkedItems.Add($"anchor {region}: leaf {result.Receipt!.LeafIndex} of {result.Checkpoint!.Origin} at tree size {result.Checkpoint.Size}, inclusion proof OK, checkpoint signed by the pinned audit key");
            }
            else
            {
                unauthenticated.Add($"anchor {region}: leaf {result.Receipt!.LeafIndex} of {result.Checkpoint!.Origin} at tree size {result.Checkpoint.Size}, inclusion proof OK, "
                    + "but the checkpoint was checked against the key the receipt carries itself (pin the region's audit-log key with --audit-key)");
            }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            failures.Add($"anchor {region}: the anchored event is not an audit event");
        }
    }
}
