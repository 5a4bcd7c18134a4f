#!/usr/bin/env bash
# Fuzzes the parsers of hostile input with libFuzzer under AddressSanitizer: public keys, signed RPC requests and
# their canonical forms, image archives (tar, gzip), RAM policy documents (`keyward-fuzz` lists them).
#
#   fuzz/run.sh [TARGET…]             each target for FUZZ_RUNS executions (10,000,000 by default), release build
#   FUZZ_SECONDS=60 fuzz/run.sh       each target for 60 seconds instead (test.sh: that, FUZZ_BUILD=debug FUZZ_JOBS=2)
#   FUZZ_JOBS=2                       two targets at a time
#   fuzz/run.sh --replay [TARGET…]    the saved corpus once through the plain debug build, no fuzzer
#   fuzz/run.sh --merge [TARGET…]     the saved corpus cut down to the inputs that reach all it reaches (after a long run)
#
# New inputs that reach new code are saved to fuzz/corpus/TARGET (commit the ones worth keeping; `-merge=1` by hand
# keeps a minimal set). A crash leaves its input as fuzz/crashes/TARGET-crash-…, which `--replay` or the fuzzer
# binary run on that file reproduces.
set -euo pipefail
cd "$(dirname "$0")/.."

replay=0
merge=0
if [ "${1:-}" = "--replay" ]; then
    replay=1
    shift
elif [ "${1:-}" = "--merge" ]; then
    merge=1
    shift
fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(public-key rpc-request archive policy)

if [ "$replay" = 1 ]; then
    swift build --product keyward-fuzz >/dev/null
    bin="$(swift build --show-bin-path)/keyward-fuzz"
    for target in "${targets[@]}"; do
        "$bin" "$target" "fuzz/corpus/$target"
    done
    exit 0
fi

# Coverage instrumentation as clang's -fsanitize=fuzzer gives it, with libFuzzer's driver linked without its main:
# keyward-fuzz has its own, which picks the target and then hands over to the driver (LLVMFuzzerRunDriver).
configuration=${FUZZ_BUILD:-release}
fuzzer_library=$(ls "$(dirname "$(readlink -f "$(command -v swiftc)")")"/../lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a | head -1)
scratch=.build-fuzz
flags=(-c "$configuration" --product keyward-fuzz --scratch-path "$scratch" -Xswiftc -sanitize=address
       -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table -Xswiftc -DFUZZING -Xlinker "$fuzzer_library")
build_log=$(mktemp)
if ! swift build "${flags[@]}" >"$build_log" 2>&1; then
    grep -v "Cannot export local symbol" "$build_log" | tail -40 >&2
    echo "fuzz: the fuzzing build failed" >&2
    exit 1
fi
rm -f "$build_log"
bin="$(swift build "${flags[@]}" --show-bin-path)/keyward-fuzz"

mkdir -p fuzz/crashes
outputs=$(mktemp -d)
trap 'rm -rf "$outputs"' EXIT

max_len_of() {
    # Archives need room for a few tar blocks; the rest are small texts.
    if [ "$1" = archive ]; then echo 65536; else echo 4096; fi
}

if [ "$merge" = 1 ]; then
    for target in "${targets[@]}"; do
        before=$(find "fuzz/corpus/$target" -type f | wc -l)
        mkdir -p "$outputs/$target"
        ASAN_OPTIONS=detect_leaks=0 "$bin" "$target" -merge=1 -max_len="$(max_len_of "$target")" "$outputs/$target" "fuzz/corpus/$target" \
            >"$outputs/$target.log" 2>&1 || { tail -20 "$outputs/$target.log" >&2; exit 1; }
        find "fuzz/corpus/$target" -type f -delete
        cp "$outputs/$target"/* "fuzz/corpus/$target/"
        echo "fuzz: $target corpus $before -> $(find "fuzz/corpus/$target" -type f | wc -l) inputs"
    done
    exit 0
fi

# One target: its summary lines on stdout, status 1 when it left a new crash, timeout or out-of-memory input.
fuzz_one() {
    local target=$1 limit max_len before
    limit=-runs="${FUZZ_RUNS:-10000000}"
    [ -z "${FUZZ_SECONDS:-}" ] || limit=-max_total_time="$FUZZ_SECONDS"
    max_len=$(max_len_of "$target")
    before=$(find fuzz/crashes -name "$target-*" | wc -l)
    echo "fuzz: $target $limit"
    # Swift's runtime keeps its caches until exit: what LeakSanitizer would report there is not a leak.
    ASAN_OPTIONS=detect_leaks=0 "$bin" "$target" "fuzz/corpus/$target" "$limit" -max_len="$max_len" -timeout=10 \
        -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="fuzz/crashes/$target-" >"$outputs/$target.log" 2>&1 || true
    grep -E "^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added|==[0-9]+==|SUMMARY)|Fatal error|Precondition failed|deadly signal|Test unit written" \
        "$outputs/$target.log" || true
    if [ "$(find fuzz/crashes -name "$target-*" | wc -l)" != "$before" ]; then
        tail -60 "$outputs/$target.log"
        echo "fuzz: $target failed; its input is in fuzz/crashes/" >&2
        return 1
    fi
}

# FUZZ_JOBS targets at a time (each fuzzer is one process on one core).
status=0
pids=()
for target in "${targets[@]}"; do
    fuzz_one "$target" >"$outputs/$target.summary" &
    pids+=($!)
    if [ ${#pids[@]} -ge "${FUZZ_JOBS:-1}" ]; then
        wait "${pids[0]}" || status=1
        pids=("${pids[@]:1}")
    fi
done
for pid in "${pids[@]}"; do
    wait "$pid" || status=1
done
for target in "${targets[@]}"; do
    cat "$outputs/$target.summary"
done
exit $status
