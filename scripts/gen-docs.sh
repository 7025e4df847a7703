#!/usr/bin/env bash
# Rewrites the files generated from the code: man/meshdrain.1 (meshdrain man), completions/
# (meshdrain completions SHELL), docs/rules.md (meshdrain explain --all --format markdown) and
# the README's rule table (meshdrain explain --format markdown). tests/generated.rs fails when
# one of them is stale; this runs that test in its rewriting mode.
set -euo pipefail
cd "$(dirname "$0")/.."
MESHDRAIN_BLESS=1 cargo test -q --locked --test generated -- current
git status --short -- man completions docs/rules.md README.md
