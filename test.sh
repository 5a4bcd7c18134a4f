#!/usr/bin/env bash
# Runs every test of Keyward on a fresh Debian machine: installs what the tests need (apt packages and a
# Python virtualenv with the vendors' official SDKs), builds, runs the Swift tests, then the interop suite
# against a real server on loopback.
set -euo pipefail
cd "$(dirname "$0")"

need_apt=()
command -v ssh-keygen >/dev/null 2>&1 || need_apt+=(openssh-client)
[ -x /usr/sbin/sshd ] || need_apt+=(openssh-server)
command -v bwrap >/dev/null 2>&1 || need_apt+=(bubblewrap)
command -v ip >/dev/null 2>&1 || need_apt+=(iproute2)
command -v setpriv >/dev/null 2>&1 || need_apt+=(util-linux)
command -v iptables-save >/dev/null 2>&1 || need_apt+=(iptables)
command -v newuidmap >/dev/null 2>&1 || need_apt+=(uidmap)
[ -f /usr/include/zlib.h ] || need_apt+=(zlib1g-dev)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need_apt+=(python3-venv)
# the web console suite drives Debian's Chromium through its driver
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
if [ ${#need_apt[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
    else
        echo "missing packages: ${need_apt[*]} (run as root or install them)" >&2
        exit 1
    fi
fi

# Each stage says how long it took, so that the run's time can be kept under CI's limit.
stage_started=$SECONDS
stage() {
    echo "test.sh: $1 took $((SECONDS - stage_started))s (${SECONDS}s in all)"
    stage_started=$SECONDS
}

VENV=${KEYWARD_VENV:-.venv}
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q --disable-pip-version-check -r interop/requirements.txt
stage "set-up"

# One PostgreSQL for the run (its own cluster on loopback, removed at exit): the Store suite runs against it as well as
# SQLite, and the scale-out interop tests put several servers on it, each in a schema of its own.
postgres_dir="$(mktemp -d /tmp/keyward-test-postgres.XXXXXX)"
trap 'scripts/scratch-postgres.sh stop "$postgres_dir" >/dev/null 2>&1 || true' EXIT
KEYWARD_TEST_POSTGRES_URL="$(scripts/scratch-postgres.sh start "$postgres_dir")"
export KEYWARD_TEST_POSTGRES_URL KEYWARD_TEST_SCRIPT=1

swift build --build-tests
stage "the build"
swift test --skip-build
stage "the Swift tests"

# The fleet-host package: the static binary and the .deb, which the agent package tests install and run.
package_dir=.build-package/ci
packaging/build.sh --debug --output "$package_dir" >/dev/null
export KEYWARD_STATIC_BIN="$PWD/$package_dir/keyward"
KEYWARD_DEB="$(ls "$PWD/$package_dir"/keyward_*.deb)"
export KEYWARD_DEB
stage "the package build"

KEYWARD_BIN="$(swift build --show-bin-path)/keyward" "$VENV/bin/python" -m pytest -q interop "$@"
stage "the interop suite"

# Faults, short version (reliability/run.sh runs the long one): kill -9 under an SDK write load, on SQLite and PostgreSQL,
# and during a credential change of a real instance.
KEYWARD_BIN="$(swift build --show-bin-path)/keyward" RELIABILITY_KILLS=5 RELIABILITY_APPLY_KILLS=5 "$VENV/bin/python" -m pytest -q reliability
stage "the reliability suite"

# Soak, short version (bench/soak.py alone runs 30 minutes): half the maximum load, no error, RSS flat.
"$VENV/bin/python" bench/soak.py --binary "$(swift build --show-bin-path)/keyward" --seconds "${SOAK_SECONDS:-30}" --probe-seconds 5 --sample 2
stage "the soak"

# Fuzzing, short version: the saved corpus replayed, then each target fuzzed for a minute, two at a time (fuzz/run.sh
# alone runs 10 million executions each).
fuzz/run.sh --replay
FUZZ_SECONDS=${FUZZ_SECONDS:-60} FUZZ_BUILD=debug FUZZ_JOBS=2 fuzz/run.sh
stage "fuzzing"
