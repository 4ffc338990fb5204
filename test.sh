#!/usr/bin/env bash
# Sets up everything the suite needs on a fresh machine of this kind, then runs the whole suite:
#   apt packages, npm tools (pinned by tools/test-services/package-lock.json), a throwaway
#   PostgreSQL cluster, an S3-compatible server (s3rver) and an SMTP sink, all on loopback.
# Ends with one line "N passed, N failed, N skipped" and exits non-zero on any failure.
# Extra arguments go to `dotnet test` (e.g. ./test.sh --filter FullyQualifiedName~Residency).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '==> %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# --- 1. Debian packages --------------------------------------------------------------------------
# chromium: Debian's browser, driven by Playwright in the browser tests (never a downloaded browser).
# libnss3-tools: certutil, to trust a region root in an NSS database for pdfsig.
# libicu72: ICU, which Sigill needs to format per language (both tiers refuse to start without it).
APT_PACKAGES=(libicu72 postgresql softhsm2 poppler-utils libnss3-tools qpdf fonts-dejavu-core openssl e2fsprogs prometheus prometheus-alertmanager chromium systemd nginx testssl.sh sqlmap wapiti afl++)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v node >/dev/null || missing+=(nodejs npm)
command -v python3 >/dev/null || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- 2. npm tools ----------------------------------------------------------------------------------
# test-services: s3rver, the SMTP sink, axe-core. web-assets: the pinned browser modules the web tier
# vendors (a test checks the vendored copies are byte for byte these).
for dir in tools/test-services tools/web-assets; do
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
    log "npm ci ($dir)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
done

# --- 3. services on loopback -----------------------------------------------------------------------
RUN="$(mktemp -d /tmp/sigill-test.XXXXXX)"
chmod 755 "$RUN"
PIDS=()
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
cleanup() {
  set +e
  [ -f "$RUN/pg/data/postmaster.pid" ] && as_postgres "$PG_BIN/pg_ctl" -D "$RUN/pg/data" -m immediate stop >/dev/null 2>&1
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  rm -rf "$RUN"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
wait_port() { for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; log "nothing listens on port $1"; return 1; }

log "starting PostgreSQL"
PG_PORT="$(free_port)"; PG_PASSWORD="$(openssl rand -hex 16)"
mkdir -p "$RUN/pg"; printf '%s\n' "$PG_PASSWORD" > "$RUN/pg/pwfile"
[ "$(id -u)" = 0 ] && chown -R postgres: "$RUN/pg"
as_postgres "$PG_BIN/initdb" -D "$RUN/pg/data" -U sigill --pwfile="$RUN/pg/pwfile" -A scram-sha-256 --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
as_postgres "$PG_BIN/pg_ctl" -D "$RUN/pg/data" -l "$RUN/pg/log" -w -o "-p $PG_PORT -k $RUN/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null

log "starting s3rver and the SMTP sink"
S3_PORT="$(free_port)"; SMTP_PORT="$(free_port)"
mkdir -p "$RUN/s3" "$RUN/mail"
node tools/test-services/s3rver-atomic.js --directory "$RUN/s3" --address 127.0.0.1 --port "$S3_PORT" >"$RUN/s3.log" 2>&1 &
PIDS+=($!)
node tools/test-services/smtp-sink.js "$SMTP_PORT" "$RUN/mail" >"$RUN/smtp.log" 2>&1 &
PIDS+=($!)
wait_port "$S3_PORT"; wait_port "$SMTP_PORT"

export SIGILL_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=sigill;Password=$PG_PASSWORD;Database=postgres"
export SIGILL_TEST_S3_URL="http://127.0.0.1:$S3_PORT"
export SIGILL_TEST_SMTP="127.0.0.1:$SMTP_PORT"
export SIGILL_TEST_MAILDIR="$RUN/mail"
# Each scanner test appends one line (targets, requests or checks, findings) here; printed after the suite.
export SIGILL_TEST_SUMMARY="$RUN/scanners.txt"
: > "$SIGILL_TEST_SUMMARY"

# --- 4. build and test -----------------------------------------------------------------------------
log "building"
dotnet build Sigill.slnx -c Release -nologo -clp:ErrorsOnly -v:q
# Restore writes each project's packages.lock.json (the versions the advisory check and the release SBOM read); a
# dependency change shows up here as a lock file to commit. deploy/release.sh restores in locked mode and refuses a stale one.
if git rev-parse --git-dir >/dev/null 2>&1 && ! git diff --quiet -- '*packages.lock.json'; then
  log "restore changed $(git diff --name-only -- '*packages.lock.json' | tr '\n' ' ')- commit them with the change that caused it"
fi
log "testing"
set +e
dotnet test Sigill.slnx -c Release --no-build -nologo -v:m "$@" 2>&1 | tee "$RUN/test.log"
status=${PIPESTATUS[0]}
set -e

# dotnet test prints one summary line per test assembly: "Passed!  - Failed: 0, Passed: 12, Skipped: 0, ..."
count() { grep -E '^(Passed|Failed)!' "$RUN/test.log" | grep -oE "$1: +[0-9]+" | awk '{ n += $2 } END { print n + 0 }'; }
passed=$(count Passed); failed=$(count Failed); skipped=$(count Skipped)
assemblies=$(grep -cE '^(Passed|Failed)!' "$RUN/test.log" || true)
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1 # a crash or build problem that no summary line counted
fi
if [ -s "$SIGILL_TEST_SUMMARY" ]; then
  log "security scanners and fault runs"
  sed 's/^/    /' "$SIGILL_TEST_SUMMARY" >&2
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$assemblies" -gt 0 ]
