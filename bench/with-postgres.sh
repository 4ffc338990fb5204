#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL (default durability settings, unlike test.sh) and
# SIGILL_BENCH_POSTGRES (the one variable every PostgreSQL benchmark reads) pointing at it, e.g.
#   bench/with-postgres.sh ./sigill bench audit      bench/with-postgres.sh ./sigill bench documents
# The cluster lives in a temporary folder and is stopped and deleted afterwards.
set -euo pipefail
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
RUN="$(mktemp -d /tmp/sigill-bench-pg.XXXXXX)"
chmod 755 "$RUN"
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  set +e
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
"$@"
