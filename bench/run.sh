#!/usr/bin/env bash
# Keyward vs moto_server benchmark (see bench/README.md). One run, same machine, loopback only:
#   builds Keyward and the bare-HTTP ceiling keyward-bench-ceiling (release) unless KEYWARD_BIN is given, makes/reuses
#   a Python venv with moto + the SDKs,
#   installs wrk if missing, then runs bench/bench.py, which starts both servers, measures, prints a table and
#   writes bench/results-<UTC date>.json.
#
# Environment:
#   KEYWARD_BIN=path     use this keyward binary, skip `swift build` (a debug binary works but its figures mean
#                        nothing; the script says so)
#   CEILING_BIN=path     use this keyward-bench-ceiling (default with KEYWARD_BIN: the one beside it; without: built)
#   BENCH_VENV=dir       Python venv to use/create (default bench/.venv)
#   BENCH_KEEP_WORK=1    keep the scratch dir (data dirs, request pools, wrk and server logs)
#   BENCH_REAL_INSTANCES=0  skip bench/instances.py (otherwise run when root)
#   BENCH_POSTGRES=0|1   the PostgreSQL phases (scripts/scratch-postgres.sh; default: on when root, skipped with the
#                        reason printed if PostgreSQL cannot be installed or started; 1 fails the run then)
#   BENCH_* knobs        see the top of bench/bench.py (durations, counts, wrk connections)
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"

die() { echo "bench: $*" >&2; exit 1; }

# ------------------------------------------------------------------------------------------ tools
need_apt=()
command -v wrk >/dev/null 2>&1 || need_apt+=(wrk)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need_apt+=(python3-venv)
if [ ${#need_apt[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "bench: installing ${need_apt[*]}"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
    else
        die "missing packages: ${need_apt[*]} (run as root or install them)"
    fi
fi

# ------------------------------------------------------------------------------------------ 1. build
if [ -n "${KEYWARD_BIN:-}" ]; then
    [ -x "$KEYWARD_BIN" ] || die "KEYWARD_BIN=$KEYWARD_BIN is not an executable file"
    BIN="$(cd "$(dirname "$KEYWARD_BIN")" && pwd)/$(basename "$KEYWARD_BIN")"
    BUILD_INFO="prebuilt $BIN"
    CEILING="${CEILING_BIN:-$(dirname "$BIN")/keyward-bench-ceiling}"
    [ -f "$CEILING" ] && [ -x "$CEILING" ] || die "no keyward-bench-ceiling at $CEILING: build it with" \
        "'swift build -c release --product keyward-bench-ceiling' or set CEILING_BIN to one"
else
    command -v swift >/dev/null 2>&1 || die "swift not found (or set KEYWARD_BIN to a built keyward)"
    echo "bench: swift build -c release --product keyward (a cold release build takes ~16 minutes on 2 cores)"
    (cd "$ROOT" && swift build -c release --product keyward)
    BIN="$(cd "$ROOT" && swift build -c release --product keyward --show-bin-path)/keyward"
    [ -x "$BIN" ] || die "release build did not produce $BIN"
    BUILD_INFO="swift build -c release at $BIN"
    if [ -n "${CEILING_BIN:-}" ]; then
        CEILING="$CEILING_BIN"
        [ -f "$CEILING" ] && [ -x "$CEILING" ] || die "CEILING_BIN=$CEILING_BIN is not an executable file"
    else
        echo "bench: swift build -c release --product keyward-bench-ceiling"
        (cd "$ROOT" && swift build -c release --product keyward-bench-ceiling)
        CEILING="$(dirname "$BIN")/keyward-bench-ceiling"
        [ -x "$CEILING" ] || die "release build did not produce $CEILING"
    fi
fi
CEILING="$(cd "$(dirname "$CEILING")" && pwd)/$(basename "$CEILING")"
for b in "$BIN" "$CEILING"; do
    case "$b" in
        */debug/*) echo "bench: WARNING: $b looks like a DEBUG build; the figures will not be meaningful" >&2
                   BUILD_INFO="$BUILD_INFO (DEBUG BUILD $(basename "$b"): figures not meaningful)" ;;
    esac
done
BUILD_INFO="$BUILD_INFO; ceiling $CEILING"
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo none)"
if [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null || true)" ]; then
    COMMIT="$COMMIT+dirty"
fi
BUILD_INFO="$BUILD_INFO; commit $COMMIT"

# ------------------------------------------------------------------------------------------ 2. venv
VENV="${BENCH_VENV:-$HERE/.venv}"
if [ ! -x "$VENV/bin/python" ]; then
    echo "bench: creating venv $VENV"
    python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q --disable-pip-version-check -r "$HERE/requirements.txt"
[ -x "$VENV/bin/moto_server" ] || die "moto_server missing from $VENV"

# ------------------------------------------------------------------------------------------ 3. run
WORK="$(mktemp -d /tmp/keyward-bench.XXXXXX)"
DRIVER=""

cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    if [ -n "$DRIVER" ] && kill -0 "$DRIVER" 2>/dev/null; then
        kill -TERM "$DRIVER" 2>/dev/null || true      # the driver stops its servers and wrk itself ...
        for _ in $(seq 1 100); do kill -0 "$DRIVER" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$DRIVER" 2>/dev/null || true
    fi
    # ... and anything it left behind is ended here, one recorded pid at a time (only if it is still one of ours)
    if [ -f "$WORK/pids" ]; then
        while read -r pid; do
            [ -n "$pid" ] || continue
            if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null \
                    | grep -qE 'keyward|moto_server|wrk'; then
                kill -TERM "$pid" 2>/dev/null || true
                sleep 1
                kill -KILL "$pid" 2>/dev/null || true
            fi
        done <"$WORK/pids"
    fi
    # a scratch PostgreSQL the driver could not stop itself (it records each cluster's directory before starting it)
    if [ -f "$WORK/postgres-dirs" ]; then
        while read -r pgdir; do
            case "$pgdir" in /tmp/keyward-bench-pg.*) ;; *) continue ;; esac
            [ -d "$pgdir" ] || continue
            if [ -f "$pgdir/data/postmaster.pid" ]; then
                bash "$ROOT/scripts/scratch-postgres.sh" stop "$pgdir" >/dev/null 2>&1 || true
            fi
            rm -rf "$pgdir"
        done <"$WORK/postgres-dirs"
    fi
    if [ "${BENCH_KEEP_WORK:-0}" = 1 ]; then
        echo "bench: scratch dir kept: $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

RESULTS="$HERE/results-$(date -u +%Y%m%d-%H%M%S).json"
echo "bench: keyward $BIN; ceiling $CEILING; venv $VENV; scratch $WORK; nproc $(nproc)"
"$VENV/bin/python" "$HERE/bench.py" --keyward-bin "$BIN" --ceiling-bin "$CEILING" --work-dir "$WORK" \
    --results "$RESULTS" --wrk "$(command -v wrk)" --build-info "$BUILD_INFO" &
DRIVER=$!
wait "$DRIVER"

# Real instances (root only): Keyward's sandbox driver against the shell recipe it was built from.
if [ "${BENCH_REAL_INSTANCES:-1}" = 0 ]; then
    echo "bench: instance benchmark skipped (BENCH_REAL_INSTANCES=0)"
elif [ "$(id -u)" = 0 ]; then
    "$VENV/bin/python" "$HERE/instances.py" "$BIN"
else
    echo "bench: instance benchmark skipped: it needs root to run sandboxes"
fi
