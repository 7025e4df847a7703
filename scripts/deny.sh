#!/usr/bin/env bash
# Supply chain (deny.toml): banned crates (the YAML crates crates.md rules out), licenses and
# sources always; RustSec advisories only when their database can be fetched (it lives on
# GitHub, which CI's machine cannot reach): this says so when it was not checked, and fails
# when it is required (MESHDRAIN_REQUIRE_ADVISORIES=1) but cannot be fetched.
set -euo pipefail
cd "$(dirname "$0")/.."
DENY=.tools/bin/cargo-deny
if [ ! -x "$DENY" ]; then
  echo "deny.sh: $DENY is missing; run scripts/install-tools.sh" >&2
  exit 1
fi
"$DENY" --locked check bans licenses sources
if "$DENY" fetch db >/dev/null 2>&1; then
  "$DENY" --locked check advisories
else
  echo "deny.sh: NOT CHECKED: advisories (the RustSec advisory database could not be fetched; no network to it here)" >&2
  if [ "${MESHDRAIN_REQUIRE_ADVISORIES:-}" = 1 ]; then exit 1; fi
fi
