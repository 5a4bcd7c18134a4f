#!/usr/bin/env bash
# The long kill -9 runs: RELIABILITY_KILLS (default 20) SIGKILLs under a concurrent ImportKeyPair/DeleteKeyPairs load,
# on SQLite and on PostgreSQL (a cluster of our own unless KEYWARD_TEST_POSTGRES_URL names one), and
# RELIABILITY_APPLY_KILLS (default 100) during credential changes of a real instance (as root), against
# KEYWARD_BIN (default .build/debug/keyward; nothing is built here). Extra arguments go to pytest (e.g. -k sqlite).
# The short version for CI: RELIABILITY_KILLS=5 RELIABILITY_APPLY_KILLS=5 .venv/bin/python -m pytest -q reliability
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${KEYWARD_VENV:-.venv}
export RELIABILITY_KILLS="${RELIABILITY_KILLS:-20}"
started=$(date +%s)
status=0
"$VENV/bin/python" -m pytest -q reliability "$@" || status=$?
echo "reliability: ${RELIABILITY_KILLS} kills per backend, ${RELIABILITY_APPLY_KILLS:-100} during credential applies, $(( $(date +%s) - started ))s, pytest exit ${status}"
exit "$status"
