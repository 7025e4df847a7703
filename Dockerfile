# syntax=docker/dockerfile:1
# meshdrain in a container: the KRM function for kpt (`kpt fn eval --image`, Kptfile
# pipelines: docs/kpt.md), and the whole CLI (`docker run -i --rm IMAGE check -`). kpt runs
# it with no arguments and a ResourceList on stdin, which meshdrain detects.
#
#   docker build --build-arg REVISION="$(git rev-parse --short=12 HEAD)" -t meshdrain:0.1.0 .
#
# kpt's function catalog reads the dev.kpt.fn.meta.* keys below from the image manifest's
# annotations; `docker buildx build --annotation "manifest:dev.kpt.fn.meta.types=mutator" …`
# writes them there too (docs/kpt.md has the whole command).
#
# tests/packaging.rs checks this file and runs its build stage's command on the same context
# outside Docker; no Docker engine runs where meshdrain is developed and tested.

ARG RUST_VERSION=1.95.0

FROM docker.io/library/rust:${RUST_VERSION}-slim-bookworm AS build
ARG RUST_VERSION
ARG REVISION=unknown
# The image's toolchain rather than rust-toolchain.toml's (which also asks for rustfmt and
# clippy); the commit for --version, since .git is not in the build context.
ENV RUSTUP_TOOLCHAIN=${RUST_VERSION} MESHDRAIN_REVISION=${REVISION} CARGO_TERM_COLOR=never
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY src ./src
COPY benches ./benches
COPY examples ./examples
RUN cargo build --release --locked --bin meshdrain \
 && install -D -m 0755 target/release/meshdrain /out/meshdrain

# glibc and libgcc (the binary's only libraries), no shell, user 65532.
FROM gcr.io/distroless/cc-debian12:nonroot
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="meshdrain" \
      org.opencontainers.image.description="Applies and checks Istio/TSB graceful-drain settings in rendered Kubernetes manifests (KRM function, Helm post-renderer, CI linter)" \
      org.opencontainers.image.source="https://github.com/meshdrain/meshdrain" \
      org.opencontainers.image.documentation="https://github.com/meshdrain/meshdrain/blob/main/docs/kpt.md" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      dev.kpt.fn.meta.types="mutator" \
      dev.kpt.fn.meta.description="Applies the TSB/Istio graceful-drain settings (ControlPlane drainDuration overlay, gateways' connectionDrainDuration) to the package, by a DrainPolicy functionConfig" \
      dev.kpt.fn.meta.documentationurl="https://github.com/meshdrain/meshdrain/blob/main/docs/kpt.md" \
      dev.kpt.fn.meta.keywords="istio,tsb,tetrate,graceful-drain,drainDuration"
COPY --from=build /out/meshdrain /usr/local/bin/meshdrain
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/meshdrain"]
