#!/usr/bin/env bash
# Fills helm-plugin/meshdrain/bin with a release build, so the Helm 4 plugin does not need
# meshdrain on PATH. The binary is git-ignored; nothing built is ever committed.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet
mkdir -p helm-plugin/meshdrain/bin
install -m 0755 target/release/meshdrain helm-plugin/meshdrain/bin/meshdrain
echo "helm-plugin/meshdrain/bin/meshdrain: $(helm-plugin/meshdrain/bin/meshdrain --version)"
