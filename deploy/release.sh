#!/usr/bin/env bash
# Builds the release artifacts of Sigill into OUT and writes their bill of materials beside them:
#
#   deploy/release.sh OUT               # dotnet publish of the sigill command, then OUT/sbom.cdx.json
#   deploy/release.sh --sbom-only OUT   # only OUT/sbom.cdx.json, from the restore already done (the suite's check)
#
# The publish restores in locked mode: it takes exactly the versions the committed packages.lock.json files pin (the
# ones the suite checked against the vendored advisories) and fails if a project's references no longer match its
# lock file. OUT/sbom.cdx.json is CycloneDX 1.7 JSON, written by the CycloneDX dotnet tool pinned in dotnet-tools.json:
# every NuGet package of the command and the projects it references, with version, purl, hash and licence
# (development-only ones carry scope "excluded"), plus the pdf.js build the web tier serves (pdfjs-dist, pinned by
# tools/web-assets/package-lock.json). The tool reads the local NuGet cache and needs no network beyond NuGet itself
# (`dotnet tool restore` fetches it once); GitHub licence lookup stays off.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
sbom_only=0
if [ "${1:-}" = "--sbom-only" ]; then sbom_only=1; shift; fi
OUT="${1:?usage: deploy/release.sh [--sbom-only] OUT}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

if [ "$sbom_only" = 0 ]; then
  dotnet publish src/Sigill.Cli/Sigill.Cli.csproj -c Release -nologo -v:q -o "$OUT" -p:RestoreLockedMode=true
fi

version="$(git describe --always --dirty 2>/dev/null || echo 0.0.0)"
dotnet tool restore >/dev/null
dotnet CycloneDX src/Sigill.Cli/Sigill.Cli.csproj --disable-package-restore --output "$OUT" \
  --filename sbom.cdx.json --output-format Json --set-name sigill --set-version "$version" >/dev/null

# The web tier serves pdf.js from its own origin (src/Sigill.Web/Assets/vendor, copied from the pinned npm package):
# a shipped component that no NuGet graph shows, so it is added from its lock file.
python3 - "$OUT/sbom.cdx.json" tools/web-assets/package-lock.json <<'PY'
import base64, json, sys
bom_path, lock_path = sys.argv[1:3]
bom = json.load(open(bom_path))
entry = json.load(open(lock_path))["packages"]["node_modules/pdfjs-dist"]
algorithm, digest = entry["integrity"].split("-", 1)
purl = f"pkg:npm/pdfjs-dist@{entry['version']}"
bom.setdefault("components", []).append({
    "type": "library", "bom-ref": purl, "name": "pdfjs-dist", "version": entry["version"], "scope": "required",
    "hashes": [{"alg": algorithm.upper().replace("SHA", "SHA-"), "content": base64.b64decode(digest).hex()}],
    "licenses": [{"license": {"id": entry.get("license", "Apache-2.0")}}], "purl": purl,
})
with open(bom_path, "w") as f:
    json.dump(bom, f, indent=2)
PY
echo "sbom: $OUT/sbom.cdx.json"
