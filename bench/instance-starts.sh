#!/usr/bin/env bash
# Starts 100 and then 1,000 real instances (batches of 100), each RUNS times in a row, with the release build:
# every batch must finish with every instance Running. As root; the project's own network namespaces only.
#   bench/instance-starts.sh [RUNS]     (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
swift build -c release --product keyward >/dev/null
binary="$(swift build -c release --show-bin-path)/keyward"
python=${KEYWARD_VENV:-.venv}/bin/python
for total in 100 1000; do
    for run in $(seq 1 "$runs"); do
        printf '%5d starts, run %d: ' "$total" "$run"
        BENCH_STARTS=$total "$python" bench/instances.py "$binary" | tail -n 1
    done
done
