#!/usr/bin/env bash
# Regenerates the vendored advisory snapshot (osv/ and SOURCE.md beside this script) from a local copy of the public
# github/advisory-database repository: a clone (work tree) or a bare git directory.
#
#   security/advisories/refresh.sh /path/to/advisory-database [OUT_DIR]
#
# It keeps only the reviewed advisories (advisories/github-reviewed/**/GHSA-*.json, OSV format) that name a NuGet or an
# npm package pinned by a packages.lock.json or package-lock.json of this repository, and of each only the affected
# entries for those packages and the fields the check reads (id, dates, withdrawn, aliases, summary, affected, the
# advisory's address, severity). Run it after a dependency change and at least monthly; the suite prints the
# snapshot's date. Needs git and python3; reads nothing from the network.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
MIRROR="${1:?usage: refresh.sh /path/to/advisory-database [OUT_DIR]}"
OUT="${2:-$HERE}"
[ -d "$MIRROR" ] || { echo "error: $MIRROR is not a directory" >&2; exit 2; }

exec python3 - "$MIRROR" "$ROOT" "$OUT" <<'PY'
import json, os, subprocess, sys

mirror, root, out = sys.argv[1:4]
SKIP = {"node_modules", "bin", "obj", "artifacts", "TestResults"}

# The packages the lock files pin, by the same rules as DependencyAdvisories.LockFiles/ReadLockFile.
nuget, npm = set(), set()
for dirpath, dirnames, filenames in os.walk(root):
    dirnames[:] = [d for d in dirnames if not d.startswith(".") and d not in SKIP]
    for name in filenames:
        path = os.path.join(dirpath, name)
        if name == "packages.lock.json":
            for deps in json.load(open(path))["dependencies"].values():
                nuget.update(n.lower() for n, v in deps.items() if v.get("type") != "Project")
        elif name == "package-lock.json":
            for key, v in json.load(open(path)).get("packages", {}).items():
                if key and not v.get("link"):
                    npm.add(v.get("name") or key.rsplit("node_modules/", 1)[-1])

def locked(package):
    eco, name = package.get("ecosystem"), package.get("name", "")
    return (eco == "NuGet" and name.lower() in nuget) or (eco == "npm" and name in npm)

# Every reviewed advisory file, from a work tree or, through git, from a bare repository.
bare = not os.path.isdir(os.path.join(mirror, "advisories"))
git = ["git", "--git-dir", mirror] if bare else ["git", "-C", mirror]
def files():
    if not bare:
        base = os.path.join(mirror, "advisories", "github-reviewed")
        for dirpath, _, filenames in os.walk(base):
            for name in filenames:
                if name.startswith("GHSA-") and name.endswith(".json"):
                    yield open(os.path.join(dirpath, name), "rb").read()
        return
    names = subprocess.run(git + ["ls-tree", "-r", "--name-only", "HEAD", "advisories/github-reviewed"],
                           check=True, capture_output=True, text=True).stdout.split("\n")
    names = [n for n in names if n.endswith(".json") and os.path.basename(n).startswith("GHSA-")]
    cat = subprocess.Popen(git + ["cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    for n in names:
        cat.stdin.write(f"HEAD:{n}\n".encode()); cat.stdin.flush()
        header = cat.stdout.readline().split()
        if header[1] == b"missing":
            continue
        body = cat.stdout.read(int(header[2])); cat.stdout.read(1)
        yield body
    cat.stdin.close(); cat.wait()

try:
    commit = subprocess.run(git + ["rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    date = subprocess.run(git + ["log", "-1", "--format=%cI", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
except subprocess.CalledProcessError:
    sys.exit(f"error: {mirror} is not a git repository; the snapshot records the commit it came from")

kept, scanned = [], 0
for raw in files():
    scanned += 1
    osv = json.loads(raw)
    affected = [a for a in osv.get("affected", []) if locked(a.get("package", {}))]
    if not affected:
        continue
    doc = {k: osv[k] for k in ("schema_version", "id", "modified", "published", "withdrawn", "aliases", "summary") if k in osv}
    doc["affected"] = [{k: a[k] for k in ("package", "ranges", "versions", "database_specific") if k in a} for a in affected]
    doc["references"] = [{"type": "ADVISORY", "url": f"https://github.com/advisories/{osv['id']}"}]
    db = osv.get("database_specific", {})
    doc["database_specific"] = {k: db[k] for k in ("severity", "github_reviewed") if k in db}
    kept.append(doc)

if scanned == 0:
    sys.exit(f"error: no advisories/github-reviewed/**/GHSA-*.json in {mirror}")
osv_dir = os.path.join(out, "osv")
os.makedirs(osv_dir, exist_ok=True)
for old in os.listdir(osv_dir):
    if old.endswith(".json"):
        os.remove(os.path.join(osv_dir, old))
for doc in kept:
    with open(os.path.join(osv_dir, doc["id"] + ".json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False); f.write("\n")

with open(os.path.join(out, "SOURCE.md"), "w", encoding="utf-8") as f:
    f.write(f"""# Source of the vendored advisories

`osv/` holds the GitHub Advisory Database entries (public repository `github/advisory-database`, CC-BY-4.0) that name a
NuGet or npm package a lock file of this repository pins, reduced to the fields the check reads. Written by
`security/advisories/refresh.sh` from a local copy of the repository:

- source commit: {commit}
- snapshot date: {date[:10]}
- {scanned} reviewed advisories read, {len(kept)} kept ({len(nuget)} NuGet and {len(npm)} npm package names locked)

Each file is the advisory's own OSV record with only these fields: `id`, `modified`, `published`, `withdrawn`, `aliases`,
`summary`, the `affected` entries of the locked packages (package, ranges, versions), the advisory's address and its
severity. Read the full text at the address. Refresh after every dependency change and at least monthly:
`security/advisories/refresh.sh /path/to/advisory-database`.
""")
print(f"{len(kept)} advisories kept of {scanned} read (commit {commit[:12]}, {date[:10]})")
PY
