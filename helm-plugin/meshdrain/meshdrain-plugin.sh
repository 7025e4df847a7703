#!/bin/sh
# Runs the meshdrain binary for the Helm 4 plugin: ./bin/meshdrain (filled by
# scripts/build-helm-plugin.sh) when present, else meshdrain from PATH.
dir=$(dirname "$0")
if [ -x "$dir/bin/meshdrain" ]; then
  exec "$dir/bin/meshdrain" "$@"
fi
if command -v meshdrain >/dev/null 2>&1; then
  exec meshdrain "$@"
fi
# Helm 4 hides our stderr: say it where the user can see it.
msg="meshdrain Helm plugin: no meshdrain binary in $dir/bin or on PATH; run scripts/build-helm-plugin.sh or install meshdrain"
echo "$msg" >&2
( echo "$msg" > /dev/tty ) 2>/dev/null
state="${XDG_STATE_HOME:-$HOME/.local/state}/meshdrain"
mkdir -p "$state" 2>/dev/null && echo "$msg" > "$state/last-error.log"
exit 127
