#!/usr/bin/env bash
# Fuzz smoke for CI: builds every cargo-fuzz target, replays the saved regression inputs, then
# runs each target for a short bounded time from the golden-vector seeds. Fails on any crash,
# panic, timeout or out-of-memory.
#
# Needs the nightly toolchain; installs cargo-fuzz (pinned) where it is missing.
#
# Environment:
#   FUZZ_SECONDS     seconds per target (default 15)
#   FUZZ_JOBS        targets run at once (default: 2, or 1 on a single core)
#   FUZZ_TARGET_DIR  cargo target dir for the fuzz build (default fuzz/target)
#   FUZZ_TARGETS     space-separated subset of targets (default: all)
set -euo pipefail

CARGO_FUZZ_VERSION=0.13.2
SECONDS_PER_TARGET=${FUZZ_SECONDS:-15}
JOBS=${FUZZ_JOBS:-$(($(nproc) >= 2 ? 2 : 1))}

here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
start=$(date +%s)

if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "fuzz smoke: installing the nightly toolchain" >&2
    rustup toolchain install nightly --profile minimal
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "fuzz smoke: installing cargo-fuzz $CARGO_FUZZ_VERSION" >&2
    cargo +nightly install cargo-fuzz --locked --version "$CARGO_FUZZ_VERSION"
fi

target_dir_args=()
if [[ -n "${FUZZ_TARGET_DIR:-}" ]]; then
    target_dir_args=(--target-dir "$FUZZ_TARGET_DIR")
fi
targets=${FUZZ_TARGETS:-$(cargo +nightly fuzz list)}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "fuzz smoke: building the fuzz targets"
cargo +nightly fuzz build "${target_dir_args[@]}" >"$work/build.log" 2>&1 || {
    tail -60 "$work/build.log" >&2
    exit 1
}
if command -v python3 >/dev/null; then
    python3 make_corpus.py --out "$work/seeds" >/dev/null
else
    echo "fuzz smoke: no python3, starting from empty corpora" >&2
fi

# Every regression input must run clean (a crash found once stays fixed).
for dir in regressions/*/; do
    t=$(basename "$dir")
    files=("$dir"*)
    [[ -e "${files[0]}" ]] || continue
    echo "fuzz smoke: replaying ${#files[@]} regression input(s) for $t"
    cargo +nightly fuzz run "${target_dir_args[@]}" "$t" "${files[@]}" -- -runs=1 \
        >"$work/regress-$t.log" 2>&1 || {
        tail -40 "$work/regress-$t.log" >&2
        echo "fuzz smoke: regression input for $t fails" >&2
        exit 1
    }
done

run_one() {
    local t=$1
    mkdir -p "$work/corpus/$t" "$work/artifacts/$t"
    if [[ -d "$work/seeds/$t" ]]; then
        cp "$work/seeds/$t/"* "$work/corpus/$t/" 2>/dev/null || true
    fi
    cargo +nightly fuzz run "${target_dir_args[@]}" "$t" "$work/corpus/$t" -- \
        -max_total_time="$SECONDS_PER_TARGET" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$work/artifacts/$t/" -print_final_stats=1 \
        >"$work/$t.log" 2>&1
}

failed=()
running=()
for t in $targets; do
    run_one "$t" &
    running+=("$!:$t")
    if ((${#running[@]} >= JOBS)); then
        entry=${running[0]}
        running=("${running[@]:1}")
        wait "${entry%%:*}" || failed+=("${entry#*:}")
    fi
done
for entry in "${running[@]}"; do
    wait "${entry%%:*}" || failed+=("${entry#*:}")
done

for t in $targets; do
    execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$work/$t.log" | grep -o '[0-9]*$' || echo 0)
    cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$work/$t.log" | tail -1 || true)
    printf 'fuzz smoke: %-14s %9s execs  %s\n' "$t" "$execs" "$cov"
done

if ((${#failed[@]})); then
    for t in "${failed[@]}"; do
        echo "----- $t -----" >&2
        grep -E -A25 'panicked|ERROR: libFuzzer|SUMMARY' "$work/$t.log" | head -60 >&2 || tail -40 "$work/$t.log" >&2
        for a in "$work/artifacts/$t/"*; do
            [[ -e "$a" ]] || continue
            echo "crashing input ($a), hex:" >&2
            od -An -tx1 -v "$a" | head -20 >&2
        done
    done
    echo "fuzz smoke: FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "fuzz smoke: $(echo $targets | wc -w) targets, ${SECONDS_PER_TARGET} s each, no crash ($(($(date +%s) - start)) s in all)"
