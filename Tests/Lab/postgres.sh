#!/usr/bin/env bash
# The PostgreSQL server `mailtls watch` workers share in the fleet tests: Debian's PostgreSQL 15, a cluster of its own
# in /tmp/mailtls-pg (never the machine's), listening on 127.0.0.30:5432, trust authentication for the role mailtls
# on loopback only. Each test creates a database of its own.
#
# Usage: Tests/Lab/postgres.sh up|down|status      (env for the tests: /tmp/mailtls-pg/pg.env)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=daemons.sh
source "$here/daemons.sh"

PG_DIR=${MAILTLS_PG_DIR:-/tmp/mailtls-pg}
PG_HOST=127.0.0.30
PG_PORT=5432
PG_USER=mailtls
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)

as_postgres() { runuser -u postgres -- "$@"; }

up() {
    [[ -x $BIN/postgres ]] || { echo "postgres.sh: PostgreSQL is not installed: apt-get install postgresql" >&2; exit 1; }
    ip addr add "$PG_HOST/8" dev lo 2>/dev/null || true
    if status >/dev/null 2>&1; then return 0; fi
    mkdir -p "$PG_DIR"
    chown postgres:postgres "$PG_DIR"
    if [[ ! -f $PG_DIR/data/PG_VERSION ]]; then
        as_postgres "$BIN/initdb" -D "$PG_DIR/data" -U "$PG_USER" --auth=trust -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1
    fi
    detached "$PG_DIR/pg_ctl.log" runuser -u postgres -- "$BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w -t 30 \
        -o "-h $PG_HOST -p $PG_PORT -k $PG_DIR -c fsync=on -c max_connections=200" start
    for _ in $(seq 1 100); do
        "$BIN/pg_isready" -h "$PG_HOST" -p "$PG_PORT" -q && break
        sleep 0.1
    done
    "$BIN/pg_isready" -h "$PG_HOST" -p "$PG_PORT" -q || { echo "postgres.sh: the server did not start (see $PG_DIR/postgres.log)" >&2; exit 1; }
    {
        echo "PG_HOST=$PG_HOST"
        echo "PG_PORT=$PG_PORT"
        echo "PG_USER=$PG_USER"
        echo "PG_BIN=$BIN"
    } >"$PG_DIR/pg.env"
    echo "postgres.sh: up on $PG_HOST:$PG_PORT; env: $PG_DIR/pg.env"
}

down() {
    if [[ -f $PG_DIR/data/postmaster.pid ]]; then
        as_postgres "$BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$PG_DIR"
}

status() {
    [[ -n $BIN ]] && "$BIN/pg_isready" -h "$PG_HOST" -p "$PG_PORT" -q && [[ -f $PG_DIR/pg.env ]] &&
        echo "status: healthy ($PG_DIR/pg.env)" && return 0
    echo "status: NOT healthy"
    return 1
}

case ${1:-} in
    up) up ;;
    down) down ;;
    status) status ;;
    *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
