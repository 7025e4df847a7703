#!/usr/bin/env bash
# Runs the libFuzzer targets in fuzz/ (issue 7, "never wrong output").
#
#   scripts/fuzz.sh                      # every target, FUZZ_SECONDS (default 60) each
#   FUZZ_SECONDS=600 scripts/fuzz.sh render_default krm
#
# Needs a nightly toolchain (rustup's `nightly`) and cargo-fuzz; cargo-fuzz is installed from
# crates.io when missing. Each target starts from a scratch corpus seeded with fuzz/seeds/<target>
# (FUZZ_CORPUS=DIR keeps the corpora in DIR/<target> instead). A crash is minimised with
# `cargo fuzz tmin`; the summary names the reproducer. Exits non-zero if any target failed.
#
# Other knobs: FUZZ_RSS_MB (2048), FUZZ_TIMEOUT (seconds per input, 10), FUZZ_TMIN_RUNS (2000),
# FUZZ_SEED (libFuzzer's -seed: the same inputs in the same order on every run, as CI uses),
# FUZZ_KEEP_GOING=1 (libFuzzer's fork mode: keep fuzzing after a crash, every crash an artifact;
# nothing is minimised), MESHDRAIN_FUZZ_FEATURES=safe (generate nothing a known bug touches) or
# =findings (generate and check what the open findings in fuzz/findings/ need).
set -uo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-60}"
rss="${FUZZ_RSS_MB:-2048}"
timeout="${FUZZ_TIMEOUT:-10}"
tmin_runs="${FUZZ_TMIN_RUNS:-2000}"
# The build flags of every step (build, run, tmin), so none of them rebuilds: release with
# debug assertions (overflow checks), no sanitizer (meshdrain is safe Rust; coverage-guided
# fuzzing without ASan runs several times faster).
flags=(-O -a -s none)

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "fuzz.sh: no nightly toolchain; install one with: rustup toolchain install nightly --profile minimal" >&2
  exit 2
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz.sh: installing cargo-fuzz from crates.io" >&2
  cargo install cargo-fuzz --locked || exit 2
fi

all_targets() { (cd fuzz && cargo +nightly fuzz list); }
if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(all_targets)
fi
if [ "${#targets[@]}" -eq 0 ]; then
  echo "fuzz.sh: no fuzz targets found" >&2
  exit 2
fi

echo "fuzz.sh: building ${targets[*]}" >&2
(cd fuzz && cargo +nightly fuzz build "${flags[@]}") || { echo "fuzz.sh: build failed" >&2; exit 2; }

scratch=""
if [ -n "${FUZZ_CORPUS:-}" ]; then
  corpus_root="$FUZZ_CORPUS"
else
  scratch="$(mktemp -d)"
  corpus_root="$scratch"
  trap 'rm -rf "$scratch"' EXIT
fi
logs="$(mktemp -d)"

summary=()
failed=0
for t in "${targets[@]}"; do
  corpus="$corpus_root/$t"
  mkdir -p "$corpus" "fuzz/artifacts/$t"
  if [ -d "fuzz/seeds/$t" ]; then
    cp -n "fuzz/seeds/$t"/* "$corpus"/ 2>/dev/null || true
  fi
  log="$logs/$t.log"
  before="$(ls -1 "fuzz/artifacts/$t" | sort)"
  echo "fuzz.sh: running $t for ${seconds}s" >&2
  keep=()
  if [ -n "${FUZZ_SEED:-}" ]; then
    keep+=(-seed="$FUZZ_SEED")
  fi
  if [ "${FUZZ_KEEP_GOING:-0}" = 1 ]; then
    keep+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  fi
  (cd fuzz && cargo +nightly fuzz run "${flags[@]}" "$t" "$corpus" -- \
      -max_total_time="$seconds" -rss_limit_mb="$rss" -timeout="$timeout" \
      -print_final_stats=1 "${keep[@]}") >"$log" 2>&1
  status=$?
  if [ "${FUZZ_KEEP_GOING:-0}" = 1 ]; then
    found="$(comm -13 <(echo "$before") <(ls -1 "fuzz/artifacts/$t" | sort) | grep -cE '^(crash|timeout|oom|leak)-')"
    if [ "$found" -gt 0 ]; then
      failed=1
      summary+=("FAIL  $t: $found artifacts in fuzz/artifacts/$t (fork mode, not minimised)")
    else
      summary+=("ok    $t: $(grep -aE '^#[0-9]+' "$log" | tail -n 1)")
    fi
    continue
  fi
  done_line="$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1)"
  [ -n "$done_line" ] || done_line="$(grep -E '^#[0-9]+' "$log" | tail -n 1)"
  if [ "$status" -eq 0 ]; then
    summary+=("ok    $t: $done_line")
    continue
  fi
  failed=1
  artifact="$(comm -13 <(echo "$before") <(ls -1 "fuzz/artifacts/$t" | sort) | grep -E '^(crash|timeout|oom|leak|slow-unit)-' | head -n 1)"
  what="$(grep -a -m1 -E 'property violated' "$log" || grep -a -m1 -A1 -E 'panicked at|ERROR: libFuzzer' "$log" | tail -n 1)"
  what="$(printf '%s' "$what" | cut -c1-200)"
  if [ -z "$artifact" ]; then
    summary+=("FAIL  $t: exit $status, no artifact (see the log below) $done_line")
    tail -n 40 "$log" >&2
    continue
  fi
  path="fuzz/artifacts/$t/$artifact"
  echo "fuzz.sh: $t failed ($what); minimising $path" >&2
  tmin_log="$logs/$t.tmin.log"
  (cd fuzz && cargo +nightly fuzz tmin "${flags[@]}" -r "$tmin_runs" "$t" "artifacts/$t/$artifact") >"$tmin_log" 2>&1
  minimized="$(grep -oE 'artifacts/[^ ]*minimized-from-[0-9a-f]+' "$tmin_log" | tail -n 1)"
  if [ -n "$minimized" ]; then
    path="fuzz/$minimized"
  fi
  summary+=("FAIL  $t: $what")
  summary+=("      reproducer: $path  (cargo +nightly fuzz run ${flags[*]} $t $path)")
  sed -n '/property violated\|panicked at/,/^$/p' "$log" | head -n 30 >&2
done

echo
echo "fuzz.sh summary (${seconds}s per target):"
printf '  %s\n' "${summary[@]}"
rm -rf "$logs"
exit "$failed"
