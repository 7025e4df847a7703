#!/usr/bin/env bash
# The whole test suite, real Helm included: installs the pinned clients into .tools/bin,
# checks formatting and lints, then runs every test. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-tools.sh
cargo fmt --all -- --check
cargo clippy --locked --all-targets -- -D warnings
# CI=1 turns a missing client into a test failure instead of a skip.
CI="${CI:-1}" cargo test --locked --all-targets
