#!/bin/sh
# Stands in for `meshdrain` on PATH in the Helm 4 tests: records the arguments and the stream
# the plugin hands to meshdrain and what meshdrain returns, then exits as meshdrain did.
# E2E_RECORD_DIR: where to write args.txt, in.yaml and out.yaml; E2E_MESHDRAIN: the binary.
set -u
printf '%s\n' "$@" > "$E2E_RECORD_DIR/args.txt"
cat > "$E2E_RECORD_DIR/in.yaml"
"$E2E_MESHDRAIN" "$@" < "$E2E_RECORD_DIR/in.yaml" > "$E2E_RECORD_DIR/out.yaml"
status=$?
cat "$E2E_RECORD_DIR/out.yaml"
exit "$status"
