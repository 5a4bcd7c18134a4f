#!/usr/bin/env bash
# A throw-away PostgreSQL for tests and benchmarks: its own cluster in DIR, on 127.0.0.1, trust authentication for
# the user `keyward`, C collation (the order SQLite gives), fsync on. Installs Debian's `postgresql` if missing.
# PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` system user.
#
#   scripts/scratch-postgres.sh start DIR [PORT]   starts it and prints its URL (postgres://keyward@127.0.0.1:PORT/keyward)
#   scripts/scratch-postgres.sh stop DIR           stops it (fast shutdown) and removes DIR
#   scripts/scratch-postgres.sh restart DIR        stops it (if running) with an immediate shutdown and starts it again
#   scripts/scratch-postgres.sh stop-keep DIR      stops it with an immediate shutdown and keeps DIR (`restart` starts it again)
set -euo pipefail

die() { echo "scratch-postgres: $*" >&2; exit 1; }

bindir() {
    local dir
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
    if [ -z "$dir" ] || [ ! -x "$dir/initdb" ]; then
        [ "$(id -u)" = 0 ] || die "PostgreSQL is not installed (apt-get install postgresql, as root)"
        apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
        dir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
    fi
    echo "$dir"
}

as_owner() {
    if [ "$(id -u)" = 0 ]; then
        setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

command="${1:-}"
dir="${2:-}"
[ -n "$command" ] && [ -n "$dir" ] || die "usage: $0 start|stop|restart|stop-keep DIR [PORT]"
bin="$(bindir)"

case "$command" in
start)
    port="${3:-$(free_port)}"
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    chmod 700 "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U keyward -A trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    echo "$port" >"$dir/port"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir/port"
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=500 -c fsync=on" start >/dev/null \
        || { cat "$dir/server.log" >&2; die "pg_ctl start failed"; }
    as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U keyward keyward
    echo "postgres://keyward@127.0.0.1:$port/keyward?sslmode=disable"
    ;;
restart)
    port="$(cat "$dir/port")"
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
    fi
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=500 -c fsync=on" start >/dev/null
    ;;
stop-keep)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
    ;;
stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    fi
    rm -rf "$dir"
    ;;
*)
    die "unknown command $command"
    ;;
esac
