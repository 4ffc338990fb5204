#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL (default durability settings, unlike test.sh) and
# SIGILL_BENCH_POSTGRES (the one variable every PostgreSQL benchmark reads) pointing at it, e.g.
#   bench/with-postgres.sh ./sigill bench audit      bench/with-postgres.sh ./sigill bench documents
# When the pinned s3rver is installed (tools/test-services, `npm ci` there; ./test.sh does it) it also starts one and
# sets SIGILL_BENCH_S3, which `./sigill bench load` reads:   bench/with-postgres.sh ./sigill bench load
# The cluster and the bucket folder live in a temporary folder and are stopped and deleted afterwards.
set -euo pipefail
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
RUN="$(mktemp -d /tmp/sigill-bench-pg.XXXXXX)"
chmod 755 "$RUN"
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  set +e
  [ -n "${S3_PID:-}" ] && kill "$S3_PID" 2>/dev/null
  [ -f "$RUN/data/postmaster.pid" ] && as_postgres "$PG_BIN/pg_ctl" -D "$RUN/data" -m fast stop >/dev/null 2>&1
  rm -rf "$RUN"
}
trap cleanup EXIT
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
PASSWORD="$(openssl rand -hex 16)"
printf '%s\n' "$PASSWORD" > "$RUN/pwfile"
[ "$(id -u)" = 0 ] && chown -R postgres: "$RUN"
as_postgres "$PG_BIN/initdb" -D "$RUN/data" -U sigill --pwfile="$RUN/pwfile" -A scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
as_postgres "$PG_BIN/pg_ctl" -D "$RUN/data" -l "$RUN/log" -w -o "-p $PORT -k $RUN -c listen_addresses=127.0.0.1" start >/dev/null
export SIGILL_BENCH_POSTGRES="Host=127.0.0.1;Port=$PORT;Username=sigill;Password=$PASSWORD;Database=postgres"
SERVICES="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tools/test-services"
if [ -f "$SERVICES/node_modules/s3rver/package.json" ] && command -v node >/dev/null; then
  S3_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
  mkdir -p "$RUN/s3"
  node "$SERVICES/s3rver-atomic.js" --directory "$RUN/s3" --address 127.0.0.1 --port "$S3_PORT" >"$RUN/s3.log" 2>&1 &
  S3_PID=$!
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$S3_PORT") 2>/dev/null && break; sleep 0.1; done
  export SIGILL_BENCH_S3="http://S3RVER:S3RVER@127.0.0.1:$S3_PORT" # s3rver's fixed development credentials
fi
"$@"
# PostgreSQL's own CPU (the postmaster and every backend it has reaped: the benchmark has closed its connections by now),
# the part of a database benchmark that the benchmark process's own CPU figure leaves out.
sleep 1
if [ -r "/proc/$(head -1 "$RUN/data/postmaster.pid")/stat" ]; then
  awk '{ printf "PostgreSQL used %.1f s of CPU during the run\n", ($14 + $15 + $16 + $17) / 100 }' "/proc/$(head -1 "$RUN/data/postmaster.pid")/stat" >&2
fi
