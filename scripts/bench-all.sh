#!/usr/bin/env bash
# The reproducible benchmark behind BENCHMARKS.md: one command regenerates every number in it.
#
#   scripts/bench-all.sh
#
# Builds release (binaries and examples), generates the issue's Helm-style streams with
# scripts/gen-stream.py at about 1k, 10k and 100k documents and a directory of one small file
# per document of the 10k stream (as a CI lint of a repository sees it), then times, in one
# run, round-robin after one untimed warm-up of each: `cat`, the bare saphyr-parser pass
# (examples/bare_parse), `meshdrain` (render, stdin to stdout) and `meshdrain check --format
# json`, RUNS times each (median reported), with each command's peak RSS (/usr/bin/time -f
# %M); `kubectl kustomize` with the equivalent JSON 6902 patch (connectionDrainDuration on
# every IngressGateway) RUNS times on the 1k stream and once on the 10k stream; and render's
# start-up on empty input. Writes BENCHMARKS.md (method, machine, load average, the table,
# the targets) and BENCHMARKS-scaling.svg (time against documents, log-log).
#
# Environment: RUNS (default 5); BENCH_MAX_LOAD (default 2.5) and BENCH_WAIT_MIN (default
# 40): wait up to that many minutes for the 1-minute load average to drop below the maximum
# before timing (timings on a busy machine are noise; the load during the run is reported
# either way); KUSTOMIZE_10K=0 skips the slow 10k kustomize run.
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS="${RUNS:-5}"
export PATH="$PWD/.tools/bin:$PATH"

cargo build --release --examples --bins --quiet
out=bench/out
mkdir -p "$out"
for n in 500 5000 50000; do
    [[ -s "$out/gen-$n.yaml" ]] || python3 scripts/gen-stream.py "$n" > "$out/gen-$n.yaml"
done

python3 scripts/bench_report.py \
    --bin target/release --out "$out" --runs "$RUNS" \
    --max-load "${BENCH_MAX_LOAD:-2.5}" --wait-min "${BENCH_WAIT_MIN:-40}" \
    --kustomize-10k "${KUSTOMIZE_10K:-1}" \
    --markdown BENCHMARKS.md --svg BENCHMARKS-scaling.svg
