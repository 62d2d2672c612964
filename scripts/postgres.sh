#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL server on a loopback port, for tests.
#   scripts/postgres.sh start DIR PORT   → prints the DATABASE_URL to use
#   scripts/postgres.sh stop DIR
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user in a
# directory that user owns.
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?directory}; port=${3:-55432}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
[ -n "$bindir" ] || { echo "postgres.sh: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "$cmd" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    if [ ! -f "$dir/PG_VERSION" ]; then
      as_owner "$bindir/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 >/dev/null
    fi
    if ! as_owner "$bindir/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
      as_owner "$bindir/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300" start >/dev/null
    fi
    sql() { as_owner "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qtAc "$1"; }
    [ "$(sql "SELECT 1 FROM pg_roles WHERE rolname='gateway'")" = 1 ] || sql "CREATE ROLE gateway LOGIN PASSWORD 'gateway'" >/dev/null
    [ "$(sql "SELECT 1 FROM pg_database WHERE datname='gateway_test'")" = 1 ] || sql "CREATE DATABASE gateway_test OWNER gateway" >/dev/null
    echo "postgres://gateway:gateway@127.0.0.1:$port/gateway_test?sslmode=disable"
    ;;
  stop)
    [ -f "$dir/postmaster.pid" ] && as_owner "$bindir/pg_ctl" -D "$dir" -m fast -w stop >/dev/null || true
    ;;
  *) echo "usage: $0 start|stop DIR [PORT]" >&2; exit 2 ;;
esac
